"""Blank-page detection: a blank page is kept in the original but left out of the rendition and of OCR."""
from __future__ import annotations

from PIL import Image, ImageFilter

from .page import PageState

ANALYSIS_DPI = 50
MARGIN = 0.04  # scanner edges and punch holes live in the outer 4 % of the sheet
DARKER_THAN_BACKGROUND = 60
BLANK_BELOW = 0.0001  # share of ink pixels at 50 dpi after despeckling; one short word is ~0.0003


def ink_ratio(im: Image.Image, dpi: int) -> float:
    """Share of pixels clearly darker than the paper, measured at 50 dpi after removing isolated specks."""
    gray = im.convert("L") if im.mode != "L" else im
    w, h = gray.size
    gray = gray.crop((int(w * MARGIN), int(h * MARGIN), int(w * (1 - MARGIN)), int(h * (1 - MARGIN))))
    factor = max(1, round(dpi / ANALYSIS_DPI))
    small = gray.reduce(factor).filter(ImageFilter.MedianFilter(3))
    hist = small.histogram()
    total = sum(hist)
    if not total:
        return 0.0
    half, seen, background = total / 2, 0, 255
    for value in range(255, -1, -1):  # median brightness = the paper
        seen += hist[value]
        if seen >= half:
            background = value
            break
    ink = sum(hist[: max(0, background - DARKER_THAN_BACKGROUND)])
    return ink / total


def detect_blank(page: PageState) -> PageState:
    """Stage: mark pages with (almost) no ink as blank."""
    if page.finished:
        return page
    return page.replace(blank=ink_ratio(page.preview, page.preview_dpi) < BLANK_BELOW)
