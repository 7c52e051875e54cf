"""Whether a PDF page's existing text layer is kept (the page goes into the rendition as it is, no OCR) or the
page is rendered and OCR'd: decided per page by how much of it the text covers against the scanned image
(a one-line stamp on a scan is not the page's text), and by whether the page can be part of a PDF/A file
(fonts embedded, ...) after `pdfa_check.normalise_page`. `force_ocr` OCRs every page."""

from __future__ import annotations

from dataclasses import dataclass

TEXT_LAYER_MIN_CHARS = 20  # fewer letters/digits than this: no text layer (scanner noise, a page number)
SCAN_COVERS = 0.5  # images over at least half the page: the page is a scan
TEXT_COVERS_SCAN_BELOW = 0.01  # share of the page under glyph boxes; a full page of 12 pt text covers 8-15 %,
# a one-line stamp or a Bates number well under 1 %


@dataclass(frozen=True)
class TextLayerVerdict:
    keep: bool
    why_ocr: str = ""  # for the scan record: why a page with text was OCR'd anyway
    conformance: bool = False  # OCR'd only because the page could not be PDF/A: its own text stays the text
    graft_ok: bool = True  # the source page may carry the new OCR layer (not when it has a text layer of its
    # own that the OCR replaces: the text would be there twice)


def _area(box, page_w: float, page_h: float) -> float:
    left, bottom, right, top = box
    w = max(0.0, min(right, page_w) - max(left, 0.0))
    h = max(0.0, min(top, page_h) - max(bottom, 0.0))
    return w * h


def coverage(pdf_page, textpage) -> tuple[float, float]:
    """(share of the page under glyph boxes, share under images), both 0..1 (image overlaps counted once
    per image, capped at 1)."""
    import pypdfium2.raw as raw

    page_w, page_h = pdf_page.get_size()
    page_area = page_w * page_h or 1.0
    text_area = 0.0
    for i in range(textpage.count_chars()):
        if not textpage.get_text_range(i, 1).isspace():
            text_area += _area(textpage.get_charbox(i), page_w, page_h)
    image_area = 0.0
    for obj in pdf_page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            image_area += _area(obj.get_bounds(), page_w, page_h)
        except Exception:
            continue
    return min(1.0, text_area / page_area), min(1.0, image_area / page_area)


def text_layer_verdict(path: str, index: int, pdf_page, textpage, text: str, *, force_ocr: bool) -> TextLayerVerdict:
    printable = sum(1 for ch in text if ch.isalnum())
    if printable < TEXT_LAYER_MIN_CHARS:
        return TextLayerVerdict(False)
    if force_ocr:
        return TextLayerVerdict(False, "OCR forced (--force-ocr or redo)", graft_ok=False)
    text_share, image_share = coverage(pdf_page, textpage)
    if image_share >= SCAN_COVERS and text_share < TEXT_COVERS_SCAN_BELOW:
        return TextLayerVerdict(
            False, f"scan with little text ({printable} characters covering {text_share:.1%} of the page): OCR'd"
        )
    problems = pdfa_problems_of(path, index)
    if problems:
        return TextLayerVerdict(
            False, "rendered and OCR'd for PDF/A: " + "; ".join(problems), conformance=True, graft_ok=False
        )
    return TextLayerVerdict(True)


def pdfa_problems_of(path: str, index: int) -> list[str]:
    """What would keep the page, copied and normalised as the rendition does it, out of a PDF/A file."""
    import pikepdf

    from ..pdfa_check import normalise_page, page_problems

    with pikepdf.open(path) as pdf:
        page = pdf.pages[index]
        normalise_page(page)
        return page_problems(page)


def graftable(path: str, index: int) -> bool:
    """Whether the source page itself can carry the OCR text in the rendition: upright (/Rotate 0, no
    UserUnit) and PDF/A-conformant once normalised, so its images go in as they are (rendition no larger
    than the source)."""
    import pikepdf

    from ..pdfa_check import normalise_page, page_problems

    try:
        with pikepdf.open(path) as pdf:
            page = pdf.pages[index]
            if int(page.obj.get("/Rotate", 0)) % 360 or float(page.obj.get("/UserUnit", 1)) != 1:
                return False
            normalise_page(page)
            return not page_problems(page)
    except (pikepdf.PdfError, ValueError, TypeError):
        return False
