"""The page travelling through the stages: a frozen dataclass; each stage returns a changed copy."""

from __future__ import annotations

import dataclasses
import os
import socket
from dataclasses import dataclass
from typing import Any

from .types import PageResult, PageTask

PREVIEW_DPI = 150


@dataclass(frozen=True)
class PageState:
    task: PageTask
    image: Any = None  # PIL.Image.Image while the page is being worked on; dropped before tesseract runs
    size_px: tuple[int, int] | None = None
    ocr_input: str | None = None  # the gray or bilevel file tesseract reads (uncompressed TIFF), kept until done
    image_pdf: str | None = None  # the page image as a one-page PDF (the rendition page under the OCR text)
    preview: Any = None  # the page in gray at about 150 dpi, for the analyses (separator, blank, skew)
    dpi: tuple[int, int] | None = None
    text_layer: bool = False
    source_intact: bool = False  # the page is the source file itself, unchanged: tesseract may read it directly
    separator: str | None = None
    blank: bool = False
    skew: float = 0.0
    view_rotation: float = 0.0  # degrees counter-clockwise the rendition page is turned (small skews)
    sideways: bool = False  # text lines run vertically: the orientation stage asks OSD
    osd_checked: bool = False
    rotation: int = 0
    text: str = ""
    confidence: float | None = None
    words: int = 0
    pdf_path: str | None = None
    warnings: tuple[str, ...] = ()  # each flags the document for review
    notes: tuple[str, ...] = ()  # for the scan record only (why a page with text was OCR'd)
    turned: bool = False  # the pixels were rotated (deskew, orientation): they no longer match the source page
    graft: bool = False  # the rendition page is the source PDF page with pdf_path's text-only layer on top
    graft_ok: bool = True  # decode: the source page has no text layer of its own that the OCR replaces
    layer_text: str = ""  # the page's own text when it was OCR'd only for PDF/A: stored instead of the OCR's

    def replace(self, **changes) -> PageState:
        return dataclasses.replace(self, **changes)

    def with_image(self, image, **changes) -> PageState:
        """A new page image, and its preview made from it."""
        gray = image if image.mode == "L" else image.convert("L")
        factor = max(1, round(self.dpi[0] / PREVIEW_DPI))
        return self.replace(
            image=image, preview=gray.reduce(factor) if factor > 1 else gray, size_px=image.size, **changes
        )

    @property
    def preview_dpi(self) -> int:
        return round(self.dpi[0] * self.preview.width / self.size_px[0])

    @property
    def finished(self) -> bool:
        """Separator sheets and pages with a text layer need no further image work (blank pages are OCR'd:
        text found there overrules the blank check)."""
        return bool(self.separator) or self.text_layer

    def result(self, seconds: float = 0.0) -> PageResult:
        size = self.size_px
        return PageResult(
            index=self.task.index,
            separator=self.separator,
            blank=self.blank,
            text=self.text,
            confidence=self.confidence,
            words=self.words,
            text_layer=self.text_layer,
            pdf_path=self.pdf_path,
            rotation=self.rotation,
            skew=self.skew,
            view_rotation=self.view_rotation,
            dpi=self.dpi,
            size_px=size,
            seconds=round(seconds, 3),
            worker=f"{socket.gethostname()}:{os.getpid()}",
            warnings=self.warnings,
            notes=self.notes,
            graft=self.graft,
            image_pdf=self.image_pdf,
        )
