"""The ingest fidelity regression set (issue 15): one small generated file per case that once went wrong,
built in code so the project ships it without licence questions. Used by the tests and bench/ingest.py."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from . import synth


def negative_page(seed: int = 3, dpi: int = 150) -> Image.Image:
    """White text on black, as a microfilm negative or a page that renders as a negative."""
    im = ImageOps.invert(synth.text_page(synth.german_text(seed, 4), dpi=dpi, seed=seed))
    im.info["dpi"] = (dpi, dpi)
    return im


def faint_page(text: str = "Vermerk: Akte geprüft am 12.03.1999", dpi: int = 150) -> Image.Image:
    """A pale pencil note: readable, but no pixel 60 gray levels away from the paper."""
    im = synth.text_page(text, dpi=dpi, seed=3, noise=0.0).point(lambda v: 196 + v * 52 // 255)
    im.info["dpi"] = (dpi, dpi)
    return im
