"""Decode: recognise a source file by its content, count its pages, and turn one page into an image.

Every refusal (empty file, not an image/PDF, truncated image, decompression bomb, encrypted or broken PDF)
raises IngestError with the reason; nothing here touches the database or the object store."""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..errors import IngestError
from .page import PageState
from .textlayer import text_layer_verdict
from .types import PageTask

MAGIC = (
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
KNOWN_OTHER = (
    (b"\x7fELF", "an ELF executable"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"MZ", "a Windows executable"),
    (b"GIF8", "a GIF image (not a scan format: PDF, TIFF, PNG, JPEG)"),
)
# what Pillow raises on damaged files (a truncated TIFF directory gives TypeError "Missing dimensions")
GRAY_CHECK_PX = 2000
CORRUPT = (OSError, SyntaxError, ValueError, EOFError, TypeError, struct.error)
A4_LONG_INCH = 11.69


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "pdf" | "image"
    format: str  # pdf, tiff, png, jpeg
    pages: int
    notes: tuple[str, ...] = ()  # recorded in the scan record (owner-password restriction removed)
    review: tuple[str, ...] = ()  # also flags the documents for review (no pages, XFA form)


def sniff(path: str) -> str:
    """The file's format from its first bytes, whatever its name says."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise IngestError("leere Datei (0 Bytes)")
    for magic, fmt in MAGIC:
        if head.startswith(magic):
            return fmt
    if b"%PDF-" in head:  # PDF allows junk before the header
        return "pdf"
    for magic, what in KNOWN_OTHER:
        if head.startswith(magic):
            raise IngestError(f"kein Bild und kein PDF: der Inhalt ist {what}")
    raise IngestError("kein Bild und kein PDF: Inhalt nicht erkannt (erwartet: PDF, TIFF, PNG oder JPEG)")


def _check_pixels(width: int, height: int, limit: int, what: str = "das Bild") -> None:
    if width * height > limit:
        raise IngestError(
            f"Dekompressionsbombe abgelehnt: {what} hat {width}x{height} = {width * height:,} Pixel, "
            f"Grenze {limit:,} (DMS_MAX_IMAGE_PIXELS)"
        )


def _open_image(path: str, max_pixels: int) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IngestError(f"Dekompressionsbombe abgelehnt: {exc}") from None
    except UnidentifiedImageError:
        raise IngestError("beschädigtes Bild: der Dateikopf ist nicht lesbar") from None
    except CORRUPT as exc:
        raise IngestError(f"beschädigtes Bild: {exc}") from None
    _check_pixels(*im.size, max_pixels)
    return im


def probe(path: str, max_pixels: int) -> SourceInfo:
    """Format and page count; refuses encrypted and broken PDFs and unreadable images before any page work."""
    fmt = sniff(path)
    if fmt == "pdf":
        pages, notes, review = _probe_pdf(path)
        return SourceInfo("pdf", fmt, pages, notes, review)
    im = _open_image(path, max_pixels)
    try:
        frames = getattr(im, "n_frames", 1)
    except CORRUPT as exc:
        raise IngestError(f"beschädigtes Bild: {exc}") from None
    finally:
        im.close()
    return SourceInfo("image", fmt, frames)


def _probe_pdf(path: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Page count, notes and review reasons. A PDF that opens without a password is accepted even when an owner password
    restricts it (the rendition is written without the restriction; the original stays bit-exact); one that
    needs a password to open is refused. No pages, or an XFA form, is stored for review, not refused."""
    import pikepdf

    notes, review = [], []
    try:
        with pikepdf.open(path) as pdf:
            count = len(pdf.pages)
            if pdf.is_encrypted:
                notes.append(
                    "the PDF is restricted by an owner password; the rendition is written without "
                    "the restriction, the original is kept as it is"
                )
            if "/AcroForm" in pdf.Root and "/XFA" in pdf.Root.AcroForm:
                review.append(
                    "XFA-Formular: der Inhalt steht in XFA-Formulardaten, die die Lesefassung nicht zeigt "
                    "(nur die PDF-Seiten); Original prüfen"
                )
    except pikepdf.PasswordError:
        raise IngestError("verschlüsseltes PDF abgelehnt: es lässt sich nur mit Passwort öffnen") from None
    except pikepdf.PdfError as exc:
        raise IngestError(f"beschädigtes PDF: {str(exc).replace(f'{path}: ', '')}") from None
    if count == 0:
        review.append("Das PDF hat keine Seiten: nur das Original ist gespeichert, ohne Lesefassung")
    return count, tuple(notes), tuple(review)


def _declared_dpi(im: Image.Image) -> tuple[int, int] | None:
    try:
        x, y = (round(float(v)) for v in im.info.get("dpi"))
    except (TypeError, ValueError):
        return None
    return (x, y) if x >= 50 and y >= 50 else None


def _estimate_dpi(im: Image.Image) -> tuple[int, int]:
    """The file's resolution; missing or nonsense: assume the long side is A4."""
    return _declared_dpi(im) or (max(72, round(max(im.size) / A4_LONG_INCH)),) * 2


def normalise_mode(im: Image.Image, *, detect_bilevel: bool = False) -> Image.Image:
    """Bilevel stays bilevel, gray stays gray, colour that is really gray becomes gray, the rest RGB. With
    detect_bilevel (rendered PDF pages), a gray image of pure black and white becomes bilevel, so it reaches
    the rendition 1 bit deep rather than as a JPEG of black and white."""
    if im.mode == "1":
        return im
    if im.mode == "L":
        return _gray(im) if detect_bilevel else im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        return (
            im.point(lambda v: v / 256).convert("L")
            if im.mode == "I"
            else im.convert("I").point(lambda v: v / 256).convert("L")
        )
    if im.mode in ("RGBA", "LA", "P", "PA"):
        rgba = im.convert("RGBA")
        base = Image.new("RGB", im.size, "white")
        base.paste(rgba, mask=rgba.getchannel("A"))
        im = base
    elif im.mode != "RGB":
        im = im.convert("RGB")
    if _looks_gray(im):
        return _gray(im.convert("L")) if detect_bilevel else im.convert("L")
    return im


def _looks_gray(im: Image.Image) -> bool:
    """No pixel with colour (chroma within 4 of neutral). A page over 2000 px is judged on a copy reduced to
    about 2000 px (averaging 2x2 to 4x4 blocks keeps a coloured stroke coloured), so a 9000 x 9000 px page
    does not need four more full-size copies (YCbCr and its bands)."""
    factor = max(1, max(im.size) // GRAY_CHECK_PX)
    small = im.reduce(factor) if factor > 1 else im
    _, cb, cr = small.convert("YCbCr").split()
    return all(lo >= 124 and hi <= 132 for lo, hi in (cb.getextrema(), cr.getextrema()))


def _gray(im: Image.Image) -> Image.Image:
    """A gray image holding only black and white is a bilevel scan."""
    return im.convert("1", dither=Image.Dither.NONE) if not any(im.histogram()[1:255]) else im


def decode(page: PageState) -> PageState:
    """Stage 1: the page as an image (PDF pages rendered with pypdfium2; text-layer pages keep their text)."""
    task = page.task
    if task.kind == "pdf":
        return _decode_pdf_page(page)
    im = _open_image(task.path, task.config.max_pixels)
    try:
        if task.index:
            im.seek(task.index)
            _check_pixels(*im.size, task.config.max_pixels, f"page {task.index + 1}")
        im.load()
        dpi = _estimate_dpi(im)
        mode = im.mode
        upright = im.format != "JPEG" or im.getexif().get(0x0112, 1) == 1  # EXIF Orientation
        single = getattr(im, "n_frames", 1) == 1 and im.format in ("PNG", "JPEG")
        if not upright:
            im = ImageOps.exif_transpose(im)
        im = normalise_mode(im)
        intact = single and upright and _declared_dpi(im) is not None and im.mode == mode in ("1", "L", "RGB")
    except IngestError:
        raise
    except (*CORRUPT, Image.DecompressionBombError) as exc:
        raise IngestError(f"abgeschnittenes oder beschädigtes Bild (Seite {task.index + 1}): {exc}") from None
    return page.replace(dpi=dpi).with_image(im, source_intact=intact)


def _decode_pdf_page(page: PageState) -> PageState:
    import pypdfium2 as pdfium

    task = page.task
    try:
        doc = pdfium.PdfDocument(task.path)
    except pdfium.PdfiumError as exc:
        raise IngestError(f"beschädigtes PDF: {exc}") from None
    try:
        pdf_page = doc[task.index]
        textpage = pdf_page.get_textpage()
        text = textpage.get_text_bounded()
        verdict = text_layer_verdict(task.path, task.index, pdf_page, textpage, text, force_ocr=task.config.force_ocr)
        text_layer = verdict.keep
        dpi, gray = (150, False) if text_layer else _scan_images(pdf_page, task.config.render_dpi)
        width_pt, height_pt = pdf_page.get_size()
        _check_pixels(
            int(width_pt * dpi / 72),
            int(height_pt * dpi / 72),
            task.config.max_pixels,
            f"Seite {task.index + 1} bei {dpi} dpi",
        )
        im = pdf_page.render(scale=dpi / 72, no_smoothimage=True, grayscale=gray).to_pil()  # 1:1, no blur
        im = normalise_mode(im, detect_bilevel=True)
    except pdfium.PdfiumError as exc:
        raise IngestError(f"beschädigtes PDF (Seite {task.index + 1}): {exc}") from None
    finally:
        doc.close()
    own_text = text.replace("\r\n", "\n").strip()
    notes = (verdict.why_ocr,) if verdict.why_ocr else ()
    return page.replace(dpi=(dpi, dpi), notes=page.notes + notes).with_image(
        im,
        text_layer=text_layer,
        text=own_text if text_layer else "",
        layer_text=own_text if verdict.conformance else "",
        graft_ok=verdict.graft_ok,
    )


def _scan_images(pdf_page, default: int) -> tuple[int, bool]:
    """(resolution to render at, whether gray is enough): the page's largest image is the scan; render at its
    resolution (kept within 100..400 dpi), in gray when every image is gray or bilevel (a third of the memory)."""
    import pypdfium2.raw as raw

    best, gray = None, True
    for obj in pdf_page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            meta = obj.get_metadata()
        except Exception:
            gray = False
            continue
        gray = gray and (
            meta.bits_per_pixel == 1 or meta.colorspace in (raw.FPDF_COLORSPACE_DEVICEGRAY, raw.FPDF_COLORSPACE_CALGRAY)
        )
        if meta.horizontal_dpi > 1 and (best is None or meta.width > best[0]):
            best = (meta.width, meta.horizontal_dpi)
    if best is None:
        return default, False
    return max(100, min(400, round(best[1]))), gray


__all__ = ["PageTask", "SourceInfo", "decode", "probe", "sniff"]
