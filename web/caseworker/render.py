"""Page images of a document's rendition, rendered on the server with pypdfium2 and cached on disk, and the word
boxes of search terms on a page (from the rendition's text layer, no OCR at request time).

The cache lives under `DATA_DIR/render-cache/`: `pdf/ab/<sha256>.pdf` (a checked copy of the stored object) and
`img/ab/<sha256>-<page>-<width>.png|.jpg` (a page without colour as grayscale PNG: small and crisp for text; one
with colour as JPEG: a PNG of a colour scan costs ten times the time). Keys are content hashes, so a new version
never sees an old image and nothing needs invalidating. Files are written to a unique temporary name and renamed
into place, so concurrent requests for the same page at worst render it twice and never read half a file. PDFium
is not thread-safe: all calls into it hold one lock per process."""

import ctypes
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from PIL import ImageChops

from akten.content import document_content_open
from dms.audit import audit_record

THUMB = 160  # thumbnail width in pixels
ZOOMS = {"klein": 700, "mittel": 1000, "groß": 1400}  # page image widths offered by the zoom links
DEFAULT_ZOOM = "mittel"
WIDTHS = frozenset({THUMB, *ZOOMS.values()})
PDF_TYPES = frozenset({"application/pdf"})
JPEG_QUALITY = 85
PNG_LEVEL = 1  # zlib level: 3x faster than the default for a few percent more bytes
COLOUR_SPREAD = 24  # largest channel difference (0-255) on a small copy below which a page counts as grey
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}

_pdfium = threading.Lock()


def cache_root() -> Path:
    return Path(settings.DATA_DIR) / "render-cache"


def shown_object(version):
    """The stored object the viewer shows: the rendition, or the original where there is none."""
    return version.rendition or version.original


def viewable(obj) -> bool:
    return obj is not None and obj.media_type in PDF_TYPES


def _pdf_path(sha256: str) -> Path:
    return cache_root() / "pdf" / sha256[:2] / f"{sha256}.pdf"


def _image_path(sha256: str, page: int, width: int, ext: str) -> Path:
    return cache_root() / "img" / sha256[:2] / f"{sha256}-{page}-{width}{ext}"


def _encode(image):
    """(bytes writer, extension): grayscale PNG for a page without colour, JPEG for one with colour."""
    small = image.convert("RGB").resize((48, max(1, 48 * image.height // max(image.width, 1))))
    r, g, b = small.split()
    spread = max(ImageChops.difference(x, y).getextrema()[1] for x, y in ((r, g), (g, b), (r, b)))
    if spread < COLOUR_SPREAD:
        gray = image.convert("L")
        return (lambda out: gray.save(out, format="PNG", compress_level=PNG_LEVEL)), ".png"
    rgb = image.convert("RGB")
    return (lambda out: rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)), ".jpg"


def _write_atomic(path: Path, chunks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached_pdf(obj, *, verify: bool = True) -> Path | None:
    """The cached copy of `obj` if it is there and has its recorded size and (with `verify`, before anything is
    rendered from it) still hashes to its record; a damaged copy is dropped."""
    path = _pdf_path(obj.sha256)
    try:
        if not verify:
            return path if path.stat().st_size == obj.size else None
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    if size == obj.size and digest.hexdigest() == obj.sha256:
        return path
    path.unlink(missing_ok=True)
    return None


def _fetch_pdf(*, document, user, which: str, obj) -> Path:
    """Read the object through the one content path (permission-checked, hash-checked, audited) into the cache.
    Raises ContentRefused when the stored object is missing or altered."""
    content = document_content_open(document=document, user=user, which=which)
    _write_atomic(_pdf_path(obj.sha256), content.chunks)
    return _pdf_path(obj.sha256)


def open_for_view(*, document, user, version) -> Path | None:
    """The document page was opened: one audited read of the shown content (not one per page image). Returns the
    local checked copy of the PDF to render from, or None when the content is not a PDF."""
    obj = shown_object(version)
    which = "rendition" if version.rendition_id else "original"
    if not viewable(obj):
        return None
    cached = _cached_pdf(obj, verify=False)  # a size check only: renders check the hash (page_image)
    if cached is None:
        return _fetch_pdf(document=document, user=user, which=which, obj=obj)  # audited there
    audit_record(actor=user, action="document.read", obj=document, after={"object": obj.sha256, "which": which})
    return cached


class Unrenderable(Exception):
    """The stored file (checked against its hash) is not a PDF PDFium can open."""


def _open(pdf: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as exc:
        raise Unrenderable(str(exc)) from None


def page_count(pdf: Path) -> int:
    """Pages of the file; raises Unrenderable when PDFium cannot open it."""
    with _pdfium:
        doc = _open(pdf)
        try:
            return len(doc)
        finally:
            doc.close()


@dataclass(frozen=True)
class Rendered:
    path: Path
    cached: bool

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.path.suffix]


def page_image(*, document, user, version, page: int, width: int) -> Rendered:
    """The page (1-based, of the shown file) as an image `width` pixels wide, from the cache or rendered now. A page
    image requested without the document page (cache emptied, a bookmarked image) reads the content through
    the audited path. Raises IndexError for a page the file does not have, ContentRefused for bad content,
    Unrenderable for a file PDFium cannot open."""
    obj = shown_object(version)
    for ext in MEDIA_TYPES:
        target = _image_path(obj.sha256, page, width, ext)
        if target.exists():
            return Rendered(target, True)
    pdf = _cached_pdf(obj) or _fetch_pdf(
        document=document, user=user, which="rendition" if version.rendition_id else "original", obj=obj
    )
    with _pdfium:
        doc = _open(pdf)
        try:
            if not 1 <= page <= len(doc):
                raise IndexError(page)
            pdf_page = doc[page - 1]
            scale = width / pdf_page.get_width()
            image = pdf_page.render(scale=scale, grayscale=False).to_pil()
            pdf_page.close()
        finally:
            doc.close()
    write, ext = _encode(image)
    target = _image_path(obj.sha256, page, width, ext)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Rendered(target, False)


# -- hit boxes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A found word (or the found part of a compound) in percent of the page image (top-left origin)."""

    left: float
    top: float
    width: float
    height: float
    term: str


def _to_view(rect, box, rotation: int) -> tuple[float, float, float, float]:
    """A rectangle in PDF user space -> (left, top, right, bottom) as fractions of the page as shown (after the
    page's /Rotate, which turns clockwise)."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) or 1, (y1 - y0) or 1
    left, bottom, right, top = rect
    corners = [((x - x0) / w, (y1 - y) / h) for x in (left, right) for y in (bottom, top)]
    turn = {
        90: lambda u, v: (1 - v, u),
        180: lambda u, v: (1 - u, 1 - v),
        270: lambda u, v: (v, 1 - u),
    }.get(rotation % 360, lambda u, v: (u, v))
    points = [turn(u, v) for u, v in corners]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


OCR_FONT = "GlyphLessFont"  # tesseract's invisible text layer


def _font_name(textpage, index: int) -> str:
    size = pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, None, 0, None)
    if size <= 0:
        return ""
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, buffer, size, None)
    return buffer.value.decode("latin-1")


def _ocr_stretch(textpage, index: int):
    """Tesseract's text layer stretches each word so that the word and one space fill the word's box on the
    image: the n letters PDFium reports cover n/(n+1) of the printed word. For a match in such a word, a function
    that stretches a rectangle by (n+1)/n from the word's start along its reading direction; else None."""
    if OCR_FONT not in _font_name(textpage, index):
        return None
    total = textpage.count_chars()
    start = end = index
    while start > 0 and not textpage.get_text_range(start - 1, 1).isspace():
        start -= 1
    while end < total and not textpage.get_text_range(end, 1).isspace():
        end += 1
    n = end - start
    if n < 1:
        return None
    factor = (n + 1) / n
    first, last = textpage.get_charbox(start), textpage.get_charbox(end - 1)
    dx = (last[0] + last[2]) / 2 - (first[0] + first[2]) / 2
    dy = (last[1] + last[3]) / 2 - (first[1] + first[3]) / 2
    if abs(dx) >= abs(dy):  # horizontal: from the left edge (or the right one, right to left)
        axis, origin = 0, first[0] if dx >= 0 else first[2]
    else:  # a turned text layer: along y
        axis, origin = 1, first[1] if dy > 0 else first[3]

    def stretch(rect):
        out = list(rect)
        for i in (axis, axis + 2):
            out[i] = origin + (rect[i] - origin) * factor
        if out[axis] > out[axis + 2]:
            out[axis], out[axis + 2] = out[axis + 2], out[axis]
        return tuple(out)

    return stretch


def term_boxes(pdf: Path, page: int, terms: list[str], *, limit: int = 200) -> list[Box]:
    """Where the terms occur on the page (case-insensitive, also inside longer words: the matched part of a
    compound is boxed, not the whole compound)."""
    boxes: list[Box] = []
    with _pdfium:
        try:
            doc = _open(pdf)
        except Unrenderable:
            return []
        try:
            if not 1 <= page <= len(doc):
                return []
            pdf_page = doc[page - 1]
            textpage = pdf_page.get_textpage()
            cropbox = pdf_page.get_cropbox()
            rotation = pdf_page.get_rotation()
            for term in terms:
                searcher = textpage.search(term, match_case=False, match_whole_word=False)
                while len(boxes) < limit:
                    found = searcher.get_next()
                    if not found:
                        break
                    index, count = found
                    stretch = _ocr_stretch(textpage, index)
                    for i in range(textpage.count_rects(index, count)):
                        rect = stretch(textpage.get_rect(i)) if stretch else textpage.get_rect(i)
                        left, top, right, bottom = _to_view(rect, cropbox, rotation)
                        boxes.append(
                            Box(
                                round(left * 100, 3),
                                round(top * 100, 3),
                                round((right - left) * 100, 3),
                                round((bottom - top) * 100, 3),
                                term,
                            )
                        )
                searcher.close()
            textpage.close()
            pdf_page.close()
        finally:
            doc.close()
    return boxes
