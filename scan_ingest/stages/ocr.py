"""OCR: one tesseract pass per page gives the text, the word confidences and the invisible text layer of the
searchable PDF page."""

from __future__ import annotations

import csv
import io
import os

from ..errors import IngestError
from .blank import text_overrules_blank
from .page import PageState

JPEG_QUALITY = 85


def image_page_pdf(page: PageState, path: str) -> str:
    """The page image as a one-page PDF at its resolution: an unchanged JPEG source goes in byte for byte,
    bilevel pages as CCITT G4, gray and colour as JPEG (Pillow's PDF writer)."""
    if page.source_intact and page.task.kind == "image" and page.image.format == "JPEG":
        import pikepdf

        pdf = pikepdf.new()
        width, height = page.image.size
        with open(page.task.path, "rb") as fh:
            image = pikepdf.Stream(pdf, fh.read())
        image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
        image.Width, image.Height, image.BitsPerComponent = width, height, 8
        image.ColorSpace = pikepdf.Name.DeviceGray if page.image.mode == "L" else pikepdf.Name.DeviceRGB
        w_pt, h_pt = width * 72 / page.dpi[0], height * 72 / page.dpi[1]
        pdf.add_blank_page(page_size=(w_pt, h_pt))
        pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        pdf.pages[0].Contents = pdf.make_stream(f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode())
        pdf.save(path)
    else:
        extra = {} if page.image.mode == "1" else {"quality": JPEG_QUALITY}  # bilevel: CCITT G4
        page.image.save(path, "PDF", resolution=page.dpi[0], **extra)
    return path


def prepare_ocr(page: PageState) -> PageState:
    """Stage: write what tesseract reads (gray or bilevel, uncompressed TIFF: tesseract on a 9000 x 9000 px colour
    page needed 0.9 GB, on gray about half) and, unless the source PDF page itself is kept (grafted), the
    page image PDF for the rendition; then drop the image, so the page's pixels are not held in this process
    while tesseract runs."""
    from .textlayer import graftable

    if page.finished:
        return page
    base = os.path.join(page.task.out_dir, f"p{page.task.index + 1:05d}.r{page.rotation}")
    graft = page.task.kind == "pdf" and not page.turned and page.graft_ok and graftable(page.task.path, page.task.index)
    image_pdf = None if graft else image_page_pdf(page, base + ".img.pdf")
    im = page.image if page.image.mode in ("1", "L") else page.image.convert("L")
    ocr_input = base + ".tif"
    im.save(ocr_input, compression="raw", dpi=page.dpi)  # measured: tesseract reads PGM 0.1 s/page slower
    return page.replace(image=None, ocr_input=ocr_input, image_pdf=image_pdf, graft=graft)


def discard_outputs(page: PageState) -> None:
    """Remove the files an OCR pass left (a pass that lost against a better one)."""
    for path in (page.pdf_path, page.image_pdf, page.ocr_input):
        if path and os.path.exists(path):
            os.unlink(path)


def load_image(page: PageState):
    """The page's pixels again (gray or bilevel), from what tesseract read."""
    from PIL import Image

    with Image.open(page.ocr_input) as im:
        im.load()
        return im


def parse_tsv(tsv: str) -> tuple[str, list[float]]:
    """Text with line and paragraph breaks, and the confidences of the recognised words."""
    lines: dict[tuple, list[str]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        word = (row.get("text") or "").strip()
        if not word:
            continue
        conf = float(row["conf"])
        if conf >= 0:
            confidences.append(conf)
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        lines.setdefault(key, []).append(word)
    out, previous = [], None
    for key in sorted(lines):
        if previous is not None and key[:2] != previous[:2]:
            out.append("")
        out.append(" ".join(lines[key]))
        previous = key
    return "\n".join(out), confidences


def _tesseract(image_path: str, base: str, page: PageState, *, text_only: bool) -> tuple[bytes, str]:
    """One tesseract run writing base.pdf and base.tsv; text_only: the PDF holds only the invisible text."""
    import pytesseract
    from pytesseract.pytesseract import run_tesseract

    config = f"--dpi {page.dpi[0]} -c tessedit_create_tsv=1" + (" -c textonly_pdf=1" if text_only else "")
    try:
        run_tesseract(
            image_path,
            base,
            extension="pdf",
            lang=page.task.config.lang,
            config=config,
            nice=0,
            timeout=page.task.config.tesseract_timeout,
        )
    except pytesseract.TesseractError as exc:
        raise IngestError(f"Texterkennung (OCR) fehlgeschlagen: {exc.message or exc}") from None
    except RuntimeError as exc:  # pytesseract's timeout
        raise IngestError(f"Texterkennung (OCR) fehlgeschlagen: {exc}") from None
    try:
        with open(base + ".pdf", "rb") as fh:
            pdf = fh.read()
        with open(base + ".tsv", encoding="utf-8") as fh:
            tsv = fh.read()
    finally:
        for ext in (".pdf", ".tsv"):
            if os.path.exists(base + ext):
                os.unlink(base + ext)
    return pdf, tsv


def ocr(page: PageState) -> PageState:
    """Stage: run tesseract once (text-only PDF + TSV) on what prepare_ocr wrote. The rendition page is the
    source PDF page (graft) or the page image PDF, with this invisible text layer on top."""
    if page.finished:
        return page
    base = os.path.join(page.task.out_dir, f"p{page.task.index + 1:05d}.r{page.rotation}")
    pdf, tsv = _tesseract(page.ocr_input, base + ".out", page, text_only=True)
    if isinstance(tsv, bytes):
        tsv = tsv.decode("utf-8")
    text, confidences = parse_tsv(tsv)
    pdf_path = base + ".pdf"
    with open(pdf_path + ".part", "wb") as fh:
        fh.write(pdf)
    os.replace(pdf_path + ".part", pdf_path)
    if page.blank:
        if not text_overrules_blank(page, confidences):  # specks read as letters are not the page's text
            return page.replace(text="", confidence=None, words=0, pdf_path=pdf_path)
        page = page.replace(
            blank=False, warnings=(*page.warnings, "sah für die Bildprüfung leer aus, die OCR fand aber Text: behalten")
        )
    mean = round(sum(confidences) / len(confidences), 2) if confidences else 0.0
    text = page.layer_text or text  # a born-digital page rendered for PDF/A keeps its exact text
    return page.replace(text=text, confidence=mean, words=len(confidences), pdf_path=pdf_path)
