"""Blank-page detection by content, whatever the polarity: a page is blank when (almost) nothing on it stands
out from its background, darker (ink on paper) or lighter (white text on black: microfilm negatives, photos on a
dark ground). A blank page is still OCR'd (cheap: tesseract finds no lines); if that finds text, the page is not
blank. A page that stays blank is kept in the original and the page list, left out of the rendition, and listed
for review."""

from __future__ import annotations

from PIL import Image, ImageFilter

from .page import PageState

ANALYSIS_DPI = 50
MARGIN = 0.04  # scanner edges and punch holes live in the outer 4 % of the sheet
STANDS_OUT = 60  # gray levels away from the background, either way
BLANK_BELOW = 0.0001  # share of content pixels at 50 dpi after despeckling; one short word is ~0.0003
TEXT_FOUND_WORDS = 2  # confident OCR words (>= TEXT_FOUND_CONFIDENCE) that make a "blank" page a text page
TEXT_FOUND_CONFIDENCE = 60


def ink_ratio(im: Image.Image, dpi: int) -> float:
    """Share of pixels clearly darker or lighter than the background (the median), at 50 dpi after removing
    isolated specks."""
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
    for value in range(255, -1, -1):  # median brightness = the paper (or the film)
        seen += hist[value]
        if seen >= half:
            background = value
            break
    darker = sum(hist[: max(0, background - STANDS_OUT)])
    lighter = sum(hist[min(256, background + STANDS_OUT + 1) :])
    return (darker + lighter) / total


def detect_blank(page: PageState) -> PageState:
    """Stage: mark pages where nothing stands out from the background as blank (OCR may still overrule)."""
    if page.finished:
        return page
    return page.replace(blank=ink_ratio(page.preview, page.preview_dpi) < BLANK_BELOW)


def text_overrules_blank(page: PageState, confidences: list[float]) -> bool:
    """A page with detectable text is never blank: OCR found some confident words on it."""
    return sum(c >= TEXT_FOUND_CONFIDENCE for c in confidences) >= TEXT_FOUND_WORDS
