"""Deskew (projection profile) and orientation (tesseract OSD, 90/180/270 degrees)."""

from __future__ import annotations

import functools
import itertools
import os
import re

from PIL import Image, ImageFilter, ImageStat

from ..errors import IngestError
from .page import PageState

ANALYSIS_DPI = 75  # measured on generated pages: 40 dpi misjudged skews below 1 degree by up to 0.4 degrees
MAX_SKEW = 6
MIN_CORRECTION = 0.3  # degrees; below this rotating the full image costs more than it helps
PIXEL_ROTATION_FROM = 2.0  # measured: tesseract 5 reads 1.5 degrees skew at 99.5 %, 3 degrees at 97 %
SIDEWAYS_RATIO = 1.5  # column profile this much sharper than the row profile: text lines run vertically
GUTTER_MIN_INCH = 0.04  # about 1 mm
STRIPS = 2  # left and right half judged apart: two-column pages whose baselines differ are measured right
OSD_MIN_CONFIDENCE = 1.5  # low on purpose: the re-OCR must also come out more confident to be kept


def _profile_sharpness(ink: Image.Image, angle: float, strips: int = 1) -> float:
    """How sharply the ink falls into rows at this angle: the row profiles of `strips` vertical bands, each
    judged on its own, so columns whose lines do not line up with each other do not blur one profile."""
    turned = ink.rotate(angle, resample=Image.NEAREST, fillcolor=0) if angle else ink  # no blur: fair to 0
    total, width = 0.0, turned.width
    for k in range(strips):
        band = turned.crop((width * k // strips, 0, width * (k + 1) // strips, turned.height))
        rows = band.resize((1, band.height), Image.BOX).tobytes()
        total += float(sum((b - a) ** 2 for a, b in itertools.pairwise(rows)))
    return total


def _ink(im: Image.Image, dpi: int) -> Image.Image:
    """Text pixels as 255 at the analysis resolution; on a dark page (a negative) the light pixels are the text."""
    gray = im.convert("L") if im.mode != "L" else im
    small = gray.reduce(max(1, round(dpi / ANALYSIS_DPI)))
    if ImageStat.Stat(small).median[0] < 96:
        return small.point(lambda v: 255 if v > 95 else 0)
    return small.point(lambda v: 255 if v < 160 else 0)


def skew_analysis(im: Image.Image, dpi: int) -> tuple[float, bool]:
    """(rotation in degrees counter-clockwise that makes text lines horizontal, whether the lines run
    vertically — a page lying sideways). Projection profiles at 75 dpi: a coarse search in 2 degree steps,
    then a hill climb with halving steps down to 0.125 degrees (about 16 profiles per page)."""
    ink = _ink(im, dpi)
    if not ink.getbbox():
        return 0.0, False
    score = functools.lru_cache(maxsize=None)(lambda a: _profile_sharpness(ink, a, STRIPS))
    best = max(range(-MAX_SKEW, MAX_SKEW + 1, 2), key=score)
    if _profile_sharpness(ink.rotate(90, expand=True), 0, STRIPS) > SIDEWAYS_RATIO * score(best):
        return 0.0, True
    step = 1.0
    while step >= 0.125:
        best = max((best - step, best, best + step), key=score)
        step /= 2
    return round(best, 2), False


def skew_angle(im: Image.Image, dpi: int) -> float:
    return skew_analysis(im, dpi)[0]


def multi_column(im: Image.Image, dpi: int, angle: float) -> bool:
    """Whether the page, turned by `angle`, has a text gutter: an empty vertical band of at least
    GUTTER_MIN_INCH inside the text area with at least a fifth of the ink on either side. Tesseract's layout
    analysis then needs level lines (skewed lines of two columns run into each other)."""
    ink = _ink(im, dpi).filter(ImageFilter.MedianFilter(3))  # specks would fill any gutter
    turned = ink.rotate(angle, resample=Image.NEAREST, fillcolor=0) if angle else ink
    w, h = turned.size  # scanner edges and punch holes live in the outer 4 % (as for blank pages)
    turned = turned.crop((int(w * 0.04), int(h * 0.04), int(w * 0.96), int(h * 0.96)))
    box = turned.getbbox()
    if not box or box[3] - box[1] < ANALYSIS_DPI:  # under an inch of text: a word space is no gutter
        return False
    profile = turned.crop(box).resize((box[2] - box[0], 1), Image.BOX).tobytes()
    total, width = sum(profile), len(profile)
    min_gap = max(2, round(GUTTER_MIN_INCH * ANALYSIS_DPI))
    seen, run = 0, 0
    for x, value in enumerate(profile):
        if value == 0:
            run += 1
            if run >= min_gap and 0.2 * width <= x <= 0.8 * width and 0.2 <= seen / total <= 0.8:
                return True
        else:
            run = 0
        seen += value
    return False


def rotate_image(im: Image.Image, angle: float, *, expand: bool = False) -> Image.Image:
    white = 1 if im.mode == "1" else (255 if im.mode == "L" else (255, 255, 255))
    resample = Image.NEAREST if im.mode == "1" or angle % 90 == 0 else Image.BILINEAR
    return im.rotate(angle, resample=resample, expand=expand, fillcolor=white)


def deskew(page: PageState) -> PageState:
    """Stage: straighten a page scanned askew (up to 6 degrees). Below 2 degrees tesseract reads a one-column
    page as it is and the rendition page is turned by a PDF transformation (no resampling, no re-encoding);
    from 2 degrees on (where OCR accuracy starts to drop), and for pages in columns from 0.3 degrees on
    (layout analysis needs level lines), the pixels are rotated before OCR."""
    if page.finished:
        return page
    angle, sideways = skew_analysis(page.preview, page.preview_dpi)
    if sideways:
        return page.replace(sideways=True)
    if abs(angle) < MIN_CORRECTION:
        return page.replace(skew=angle)
    if abs(angle) < PIXEL_ROTATION_FROM:
        if not multi_column(page.preview, page.preview_dpi, angle):
            return page.replace(skew=angle, view_rotation=angle)
        page = page.replace(notes=(*page.notes, "text in columns: deskewed in the pixels before OCR"))
    return page.with_image(
        rotate_image(page.image, angle), skew=angle, view_rotation=0.0, source_intact=False, turned=True
    )


def osd_rotation(page: PageState) -> tuple[int, float]:
    """Tesseract OSD: (degrees clockwise to turn the page upright, confidence); (0, 0) when it cannot tell."""
    import pytesseract

    if page.image is None:  # after prepare_ocr: what tesseract read
        path, own = page.ocr_input, False
    else:
        path, own = os.path.join(page.task.out_dir, f"p{page.task.index + 1:05d}.osd.png"), True
        gray = page.image.convert("L") if page.image.mode not in ("1", "L") else page.image
        gray.save(path, dpi=page.dpi)
    try:
        out = pytesseract.image_to_osd(
            path, config=f"--psm 0 --dpi {page.dpi[0]}", timeout=page.task.config.tesseract_timeout
        )
    except pytesseract.TesseractError:
        return 0, 0.0  # e.g. "Too few characters": nothing to turn by
    except RuntimeError as exc:
        raise IngestError(f"Lageerkennung fehlgeschlagen: {exc}") from None
    finally:
        if own and os.path.exists(path):
            os.unlink(path)
    rotate = re.search(r"Rotate: (\d+)", out)
    conf = re.search(r"Orientation confidence: ([\d.]+)", out)
    return (int(rotate.group(1)) if rotate else 0), (float(conf.group(1)) if conf else 0.0)


def orient(page: PageState) -> PageState:
    """Stage (before OCR): a page whose text lines run vertically is asked to OSD and turned upright
    (clockwise by `rotation`) and deskewed, so its one OCR pass reads it the right way up."""
    if page.finished or not page.sideways:
        return page
    rotate, confidence = osd_rotation(page)
    page = page.replace(sideways=False, osd_checked=True)
    if rotate not in (90, 180, 270) or confidence < OSD_MIN_CONFIDENCE:
        return page
    return deskew(
        page.with_image(
            rotate_image(page.image, -rotate, expand=True),
            rotation=rotate,
            skew=0.0,
            view_rotation=0.0,
            source_intact=False,
            turned=True,
        )
    )


def fix_orientation(page: PageState) -> PageState:
    """Stage (after OCR): a page whose OCR came back unsure (e.g. upside down) is checked with OSD; if OSD
    says it lies at 90/180/270 degrees it is turned, deskewed and OCR'd again, and kept only if the new pass
    is more confident. OSD costs a third to half of an OCR pass, so confident pages (nearly all) skip it."""
    from .ocr import discard_outputs, load_image, ocr, prepare_ocr

    if page.finished or page.blank or page.pdf_path is None or page.osd_checked:
        return page
    if page.words >= 5 and (page.confidence or 0) >= page.task.config.osd_below_confidence:
        return page
    rotate, confidence = osd_rotation(page)
    if rotate not in (90, 180, 270) or confidence < OSD_MIN_CONFIDENCE:
        return page.replace(osd_checked=True)
    turned = page.with_image(
        rotate_image(load_image(page), -rotate, expand=True),
        rotation=rotate,
        skew=0.0,
        view_rotation=0.0,
        pdf_path=None,
        image_pdf=None,
        osd_checked=True,
        source_intact=False,
        turned=True,
        graft=False,
    )
    turned = ocr(prepare_ocr(deskew(turned)))
    if (turned.confidence or 0) > (page.confidence or 0):
        discard_outputs(page)
        return turned
    discard_outputs(turned)
    return page.replace(
        osd_checked=True, warnings=(*page.warnings, f"OSD suggested {rotate} degrees; OCR was not better")
    )
