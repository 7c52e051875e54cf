"""OCR: one tesseract pass per page gives the text, the word confidences and the page of the searchable PDF."""
from __future__ import annotations

import csv
import io
import os

from ..errors import IngestError
from .blank import text_overrules_blank
from .page import PageState

JPEG_QUALITY = 85


def tesseract_input(page: PageState, base: str) -> str:
    """Bilevel pages go in as PNG (tesseract embeds them as CCITT G4), others as JPEG (embedded as is).
    An unchanged single-image PNG/JPEG source with its own resolution goes in as it is (no re-encoding)."""
    im = page.image
    if im.mode == "1":
        path = base + ".png"
        im.save(path, dpi=page.dpi)
    else:
        path = base + ".jpg"
        im.save(path, quality=JPEG_QUALITY, dpi=page.dpi)
    return path


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
        run_tesseract(image_path, base, extension="pdf", lang=page.task.config.lang, config=config, nice=0,
                      timeout=page.task.config.tesseract_timeout)
    except pytesseract.TesseractError as exc:
        raise IngestError(f"OCR failed: {exc.message or exc}") from None
    except RuntimeError as exc:  # pytesseract's timeout
        raise IngestError(f"OCR failed: {exc}") from None
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


def lossless_input(page: PageState, base: str) -> str:
    """For a grafted page tesseract's image is not kept: hand it over uncompressed (PBM/PGM/PPM)."""
    ext = {"1": ".pbm", "L": ".pgm"}.get(page.image.mode, ".ppm")
    path = base + ext
    page.image.save(path)
    return path


def ocr(page: PageState) -> PageState:
    """Stage: run tesseract once with pdf+tsv output. A PDF page whose pixels were not turned and that can be
    part of a PDF/A file is grafted: the rendition keeps the source page (its images as they are, no
    re-encoding) and gets tesseract's text-only layer on top; other pages get tesseract's image+text page."""
    from .textlayer import graftable

    if page.finished:
        return page
    base = os.path.join(page.task.out_dir, f"p{page.task.index + 1:05d}.r{page.rotation}")
    graft = page.task.kind == "pdf" and not page.turned and graftable(page.task.path, page.task.index)
    if graft:
        image_path = lossless_input(page, base)
    else:
        image_path = page.task.path if page.source_intact else tesseract_input(page, base)
    try:
        pdf, tsv = _tesseract(image_path, base + ".out", page, text_only=graft)
    finally:
        if image_path != page.task.path:
            os.unlink(image_path)
    if isinstance(tsv, bytes):
        tsv = tsv.decode("utf-8")
    text, confidences = parse_tsv(tsv)
    pdf_path = base + ".pdf"
    with open(pdf_path + ".part", "wb") as fh:
        fh.write(pdf)
    os.replace(pdf_path + ".part", pdf_path)
    page = page.replace(graft=graft)
    if page.blank:
        if not text_overrules_blank(page, confidences):  # specks read as letters are not the page's text
            return page.replace(text="", confidence=None, words=0, pdf_path=pdf_path)
        page = page.replace(blank=False, warnings=page.warnings + (
            "looked blank to the image check, but OCR found text on it: kept",))
    mean = round(sum(confidences) / len(confidences), 2) if confidences else 0.0
    text = page.layer_text or text  # a born-digital page rendered for PDF/A keeps its exact text
    return page.replace(text=text, confidence=mean, words=len(confidences), pdf_path=pdf_path)
