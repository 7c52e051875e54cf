"""The archival rendition: one searchable PDF/A-2b per document, assembled with pikepdf from the OCR'd pages
(tesseract's image + invisible text layer) and from pages that already carried a text layer."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf

from .pdfa_check import document_problems, normalise_page

PDFA_PART, PDFA_CONFORMANCE = "2", "B"
SRGB_INFO = "sRGB IEC61966-2.1"


@dataclass(frozen=True)
class RenditionPage:
    """Page `index` of the PDF at `path` (a tesseract page PDF, or the source PDF for text-layer pages)."""

    path: str
    index: int = 0
    rotate: float = 0.0  # degrees counter-clockwise about the page centre (deskew without resampling)
    overlay: str | None = None  # a text-only PDF page laid over this page (the OCR of a grafted scan page)


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB ICC profile made by LittleCMS through Pillow (no file to ship, nothing to download)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _output_intent(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    profile = pdf.make_stream(srgb_icc())
    profile.N = 3
    profile.Alternate = pikepdf.Name.DeviceRGB
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=SRGB_INFO,
            Info=SRGB_INFO,
            RegistryName="http://www.color.org",
            DestOutputProfile=profile,
        )
    )


def assemble_pdfa(
    *,
    pages: list[RenditionPage],
    out_path: str | Path,
    title: str,
    author: str,
    created: datetime,
    subject: str = "",
    claim: bool = True,
) -> Path:
    """Write the pages as one PDF/A-2b file (identification in XMP, sRGB output intent, no encryption);
    pages copied from a source are normalised (`pdfa_check.normalise_page`). With claim=False the same file
    without the PDF/A identification (for a rendition the check rejects: never a false claim).
    Output depends only on the inputs and `created`, so a redone document gives the same bytes."""
    if not pages:
        raise ValueError("a rendition needs at least one page")
    out_path = Path(out_path)
    sources: dict[str, pikepdf.Pdf] = {}
    pdf = pikepdf.new()
    try:
        for page in pages:
            src = sources.get(page.path)
            if src is None:
                src = sources[page.path] = pikepdf.open(page.path)
            pdf.pages.append(src.pages[page.index])
            normalise_page(pdf.pages[-1])
            if page.overlay:
                text = sources.get(page.overlay)
                if text is None:
                    text = sources[page.overlay] = pikepdf.open(page.overlay)
                target = pdf.pages[-1]
                target.add_overlay(text.pages[0], pikepdf.Rectangle(target.cropbox))
            if page.rotate:
                _turn(pdf, pdf.pages[-1], page.rotate)
        _share_ocr_fonts(pdf)
        stamp = pikepdf.String(_pdf_date(created))
        pdf.docinfo = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(title),
                Author=pikepdf.String(author),
                Subject=pikepdf.String(subject),
                Creator=pikepdf.String("eAkte scan_ingest"),
                Producer=pikepdf.String(f"pikepdf {pikepdf.__version__}"),
                CreationDate=stamp,
                ModDate=stamp,
            )
        )
        pdf.Root.OutputIntents = pikepdf.Array([_output_intent(pdf)])
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=False)
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(pdf.docinfo)
            if claim:
                meta["pdfaid:part"] = PDFA_PART
                meta["pdfaid:conformance"] = PDFA_CONFORMANCE
            meta["xmp:CreateDate"] = created.isoformat()
            meta["xmp:ModifyDate"] = created.isoformat()
            meta["xmp:MetadataDate"] = created.isoformat()
        tmp = out_path.with_suffix(out_path.suffix + ".part")
        pdf.save(
            tmp,
            deterministic_id=True,
            min_version="1.7",
            fix_metadata_version=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        tmp.replace(out_path)
    finally:
        pdf.close()
        for src in sources.values():
            src.close()
    return out_path


def _share_ocr_fonts(pdf: pikepdf.Pdf) -> None:
    """Every tesseract page brings its own copy of the same GlyphLessFont (about 0.8 kB): all pages use the
    first copy, the others are not written."""
    shared: dict[bytes, pikepdf.Object] = {}

    def fold(resources) -> None:
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        for name, font in list((fonts or {}).items()):
            if str(font.get("/BaseFont")) != "/GlyphLessFont" or "/DescendantFonts" not in font:
                continue
            descendant = font.DescendantFonts[0]
            key = b"\0".join(
                [
                    stream.read_raw_bytes() if isinstance(stream, pikepdf.Stream) else b"-"
                    for stream in (
                        descendant.FontDescriptor.get("/FontFile2"),
                        descendant.get("/CIDToGIDMap"),
                        font.get("/ToUnicode"),
                    )
                ]
                + [repr(descendant.get(k)).encode() for k in ("/W", "/DW", "/CIDSystemInfo")]
            )
            fonts[name] = shared.setdefault(key, font)

    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fold(resources)
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            if xobject.get("/Subtype") == pikepdf.Name.Form:
                fold(xobject.get("/Resources"))


def _turn(pdf: pikepdf.Pdf, page: pikepdf.Page, degrees: float) -> None:
    """Wrap the page's content in a rotation about the centre of its MediaBox (image and text layer alike)."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    e, f = cx - (c * cx - s * cy), cy - (s * cx + c * cy)
    page.contents_add(
        pdf.make_stream(f"q {c:.6f} {s:.6f} {-s:.6f} {c:.6f} {e:.4f} {f:.4f} cm\n".encode()), prepend=True
    )
    page.contents_add(pdf.make_stream(b"\nQ\n"), prepend=False)


def _pdf_date(value: datetime) -> str:
    offset = value.strftime("%z") or "+0000"
    return value.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


def rendition_problems(path: str | Path) -> list[str]:
    """The PDF/A-2b check of a written rendition (empty: conformant)."""
    with pikepdf.open(path) as pdf:
        return document_problems(pdf)
