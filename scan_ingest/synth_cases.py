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


def owner_password_pdf(path: str | Path, page: Image.Image, dpi: int = 150) -> Path:
    """Opens without a password; an owner password forbids copying and printing in high resolution."""
    import pikepdf

    plain = Path(path).with_suffix(".plain.pdf")
    synth.save_pdf([page], plain, dpi)
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="amt", user="", allow=pikepdf.Permissions(
            extract=False, print_highres=False, modify_other=False)))
    plain.unlink()
    return Path(path)


def empty_pdf(path: str | Path) -> Path:
    """A PDF with a page tree but no page (exported by a broken scanner driver)."""
    import pikepdf

    pikepdf.new().save(path)
    return Path(path)


def xfa_form_pdf(path: str | Path) -> Path:
    """An XFA form: one empty placeholder page; the form lives in the XFA packet of the AcroForm."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    xfa = pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa))
    pdf.save(path)
    return Path(path)
