"""Synthetic scans for the demo, the tests and the benchmark: German text rendered to noisy pages with Pillow,
separator sheets with QR codes (zxing-cpp's writer), written as PDF, TIFF, PNG or JPEG."""

from __future__ import annotations

import random
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
A4_INCH = (8.27, 11.69)

SENTENCES = (
    "Sehr geehrte Damen und Herren, hiermit beantragen wir die Baugenehmigung für das Grundstück Müllerstraße 12.",
    "Die Größe der überbauten Fläche beträgt 450 Quadratmeter; die Abstandsflächen sind eingehalten.",
    "Wir bitten um zügige Prüfung und Übersendung des Bescheids an die oben genannte Anschrift.",
    "Der Bauherr verpflichtet sich, die Auflagen des Brandschutzes vollständig zu erfüllen.",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.",
    "Die Gebühr für die Amtshandlung wird gemäß der Verwaltungskostensatzung auf 312,50 Euro festgesetzt.",
    "Im Rahmen der Ortsbesichtigung wurden keine Mängel an der Außenfassade festgestellt.",
    "Die Straßenverkehrsbehörde genehmigt die Sondernutzung des Gehwegs für die Dauer der Bauarbeiten.",
    "Bitte reichen Sie die fehlenden Unterlagen bis zum 15. März nach, andernfalls ruht das Verfahren.",
    "Mit freundlichen Grüßen, im Auftrag, Schäfer, Sachbearbeitung Bauordnungsamt.",
)


def font(size_px: int) -> ImageFont.FreeTypeFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size_px)
    return ImageFont.load_default(size=size_px)  # Pillow's own FreeType font


def german_text(seed: int, sentences: int = 6) -> str:
    rng = random.Random(seed)
    return "\n".join(rng.choice(SENTENCES) for _ in range(sentences))


def _wrap(text: str, fnt, width_px: int, draw: ImageDraw.ImageDraw) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        words, current = paragraph.split(), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if draw.textlength(trial, font=fnt) <= width_px or not current:
                current = trial
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def add_noise(im: Image.Image, seed: int, density: float = 0.002) -> Image.Image:
    """Salt-and-pepper specks, as a dusty scanner glass leaves them."""
    rng = random.Random(seed)
    px = im.load()
    w, h = im.size
    for _ in range(int(w * h * density)):
        px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 90, 200))
    return im


def text_page(
    text: str,
    *,
    dpi: int = 200,
    seed: int = 0,
    noise: float = 0.002,
    skew: float = 0.0,
    point_size: float = 12,
    size_inch: tuple[float, float] = A4_INCH,
) -> Image.Image:
    """A gray A4 page with the text typeset at `point_size`, specks, and an optional skew (degrees)."""
    w, h = int(size_inch[0] * dpi), int(size_inch[1] * dpi)
    im = Image.new("L", (w, h), 250)
    draw = ImageDraw.Draw(im)
    fnt = font(int(point_size / 72 * dpi))
    x, y = int(dpi * 0.9), int(dpi * 1.0)
    for line in _wrap(text, fnt, w - 2 * x, draw):
        draw.text((x, y), line, font=fnt, fill=20)
        y += int(point_size / 72 * dpi * 1.5)
    if noise:
        add_noise(im, seed, noise)
    if skew:
        im = im.rotate(skew, resample=Image.BICUBIC, fillcolor=250)
    im.info["dpi"] = (dpi, dpi)
    return im


def blank_page(*, dpi: int = 200, seed: int = 0, noise: float = 0.002) -> Image.Image:
    im = Image.new("L", (int(A4_INCH[0] * dpi), int(A4_INCH[1] * dpi)), 248)
    if noise:
        add_noise(im, seed, noise)
    im.info["dpi"] = (dpi, dpi)
    return im


def barcode_image(payload: str, *, qr: bool = True, scale: int = 6) -> Image.Image:
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat.QRCode if qr else zxingcpp.BarcodeFormat.Code128
    view = memoryview(zxingcpp.create_barcode(payload, fmt).to_image(scale=scale))
    return Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))


def separator_page(payload: str, *, dpi: int = 200, qr: bool = True, seed: int = 0) -> Image.Image:
    """A separator sheet (Trennblatt): a heading and a QR (or Code 128) code carrying `payload`."""
    im = text_page(f"TRENNBLATT\n{payload}", dpi=dpi, seed=seed, noise=0.0005, point_size=14)
    code = barcode_image(payload, qr=qr, scale=max(3, dpi // 40))
    im.paste(code, ((im.width - code.width) // 2, im.height // 3))
    return im


def save_pdf(pages: list[Image.Image], path: str | Path, dpi: int = 200) -> Path:
    """An image-only PDF (like a scanner writes), one page per image."""
    path = Path(path)
    rgb = [p.convert("L") if p.mode not in ("1", "L") else p for p in pages]
    fixed = time.gmtime(1709283600)  # 2024-03-01: same pages, same bytes (idempotent demo runs)
    rgb[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=rgb[1:], creationDate=fixed, modDate=fixed)
    return path


def save_tiff(pages: list[Image.Image], path: str | Path, dpi: int = 200, group4: bool = False) -> Path:
    """A (multi-page) TIFF; with group4 the pages are bilevel, CCITT Group 4 compressed."""
    path = Path(path)
    frames = [p.convert("1", dither=Image.Dither.NONE) if group4 else p for p in pages]
    frames[0].save(
        path,
        "TIFF",
        dpi=(dpi, dpi),
        save_all=True,
        append_images=frames[1:],
        compression="group4" if group4 else "tiff_lzw",
    )
    return path
