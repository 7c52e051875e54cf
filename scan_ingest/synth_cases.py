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
        pdf.save(
            path,
            encryption=pikepdf.Encryption(
                owner="amt", user="", allow=pikepdf.Permissions(extract=False, print_highres=False, modify_other=False)
            ),
        )
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


def born_digital_pdf(
    path: str | Path,
    lines: list[str],
    *,
    embed: bool = True,
    link: bool = False,
    scan: Image.Image | None = None,
    dpi: int = 150,
    invisible: bool = False,
) -> Path:
    """A born-digital page: `lines` typeset in DejaVu Sans embedded as TrueType with /Widths from the font's
    own advances (Pillow at 1000 px per em), or in Helvetica not embedded (`embed=False`, as office exports
    and old scanner software write it). `link` adds a link annotation without the print flag; `scan` puts a
    full-page scanned image under the text (a scan with a stamp); `invisible` writes the text in render mode 3
    (a scanner's own OCR layer over its scan)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    if embed:
        from PIL import ImageFont

        font_path = synth.FONT_CANDIDATES[0]  # DejaVu Sans (Debian: fonts-dejavu-core)
        measure = ImageFont.truetype(font_path, 1000)
        widths = [round(measure.getlength(bytes([c]).decode("cp1252", "replace"))) for c in range(32, 256)]
        program = pdf.make_stream(Path(font_path).read_bytes())
        program.Length1 = len(Path(font_path).read_bytes())
        descriptor = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor,
                FontName=pikepdf.Name.DejaVuSans,
                Flags=32,
                FontBBox=pikepdf.Array([-1021, -463, 1793, 1232]),
                ItalicAngle=0,
                Ascent=928,
                Descent=-236,
                CapHeight=729,
                StemV=80,
                FontFile2=program,
            )
        )
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name.DejaVuSans,
            FirstChar=32,
            LastChar=255,
            Widths=pikepdf.Array(widths),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=descriptor,
        )
    else:
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(font)))
    content = b""
    if scan is not None:
        gray = scan.convert("L")
        image = pikepdf.Stream(pdf, gray.tobytes())
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = gray.size
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        resources.XObject = pikepdf.Dictionary(Im0=image)
        content += b"q 595 0 0 842 0 0 cm /Im0 Do Q\n"
    content += b"BT /F1 11 Tf 72 770 Td 14 TL\n" + (b"3 Tr\n" if invisible else b"")
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content += b"(" + escaped.encode("cp1252") + b") Tj T*\n"
    content += b"ET\n"
    page.Resources = resources
    page.Contents = pdf.make_stream(content)
    if link:
        page.Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    pdf.make_indirect(
                        pikepdf.Dictionary(
                            Type=pikepdf.Name.Annot,
                            Subtype=pikepdf.Name.Link,
                            Rect=pikepdf.Array([72, 760, 300, 775]),
                            Border=pikepdf.Array([0, 0, 0]),
                            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/")),
                        )
                    )
                ]
            )
        )
    pdf.save(path)
    return Path(path)


def two_column_page(
    left: str,
    right: str,
    *,
    dpi: int = 150,
    skew: float = 0.0,
    seed: int = 0,
    point_size: float = 10,
    gutter_inch: float = 0.25,
    offset: float = 0.0,
) -> Image.Image:
    """A newsletter or Amtsblatt page: two text columns with a narrow gutter, the right column's lines `offset`
    line heights lower than the left's, scanned `skew` degrees askew."""
    from PIL import ImageDraw

    w, h = int(synth.A4_INCH[0] * dpi), int(synth.A4_INCH[1] * dpi)
    im = Image.new("L", (w, h), 250)
    draw = ImageDraw.Draw(im)
    fnt = synth.font(int(point_size / 72 * dpi))
    margin, gutter = int(dpi * 0.7), int(dpi * gutter_inch)
    col_w = (w - 2 * margin - gutter) // 2
    step = point_size / 72 * dpi * 1.35
    for x, text, shift in ((margin, left, 0.0), (margin + col_w + gutter, right, offset)):
        y = dpi * 0.9 + step * shift
        for line in synth._wrap(text, fnt, col_w, draw):
            draw.text((x, int(y)), line, font=fnt, fill=20)
            y += step
    synth.add_noise(im, seed, 0.001)
    if skew:
        im = im.rotate(skew, resample=Image.BICUBIC, fillcolor=250)
    im.info["dpi"] = (dpi, dpi)
    return im


def column_texts(seed: int = 11, sentences: int = 9) -> tuple[str, str]:
    return synth.german_text(seed, sentences), synth.german_text(seed + 1, sentences)


REGRESSION_SET = {  # file name: what went wrong once (issue 15)
    "negativ.png": "white text on black taken for blank",
    "bleistift.png": "faint note taken for blank",
    "leer.png": "all-blank file refused",
    "gesperrt.pdf": "owner-password PDF refused",
    "ohne_seiten.pdf": "PDF without pages refused",
    "formular_xfa.pdf": "XFA form refused as blank",
    "digital_link.pdf": "link annotation without print flag in the PDF/A",
    "digital_helvetica.pdf": "font not embedded in the PDF/A",
    "scan_mit_stempel.pdf": "scan with a text stamp not OCR'd",
    "zweispaltig.png": "two-column page skewed 1.2 degrees",
    "scan_grau.pdf": "rendition 1.26x the scanned source",
}


def write_regression_set(folder: str | Path, dpi: int = 150) -> Path:
    """Write every case of REGRESSION_SET into `folder` (small: about 1 MB in all)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Bescheid über die Genehmigung Nr. 4711", "Der Bauantrag vom 12. März 1999 wird genehmigt."]
    negative_page(dpi=dpi).save(folder / "negativ.png", dpi=(dpi, dpi))
    faint_page(dpi=dpi).save(folder / "bleistift.png", dpi=(dpi, dpi))
    synth.blank_page(dpi=dpi, seed=4).save(folder / "leer.png", dpi=(dpi, dpi))
    owner_password_pdf(folder / "gesperrt.pdf", synth.text_page(synth.german_text(1, 2), dpi=dpi, seed=1), dpi)
    empty_pdf(folder / "ohne_seiten.pdf")
    xfa_form_pdf(folder / "formular_xfa.pdf")
    born_digital_pdf(folder / "digital_link.pdf", lines, link=True)
    born_digital_pdf(folder / "digital_helvetica.pdf", lines, embed=False)
    born_digital_pdf(
        folder / "scan_mit_stempel.pdf",
        ["Eingegangen am 14.03.1999 Stadt Musterhausen"],
        scan=synth.text_page(synth.german_text(8, 5), dpi=dpi, seed=8),
    )
    left, right = column_texts(sentences=10)
    two_column_page(left, right, dpi=dpi, skew=1.2, gutter_inch=0.05, offset=0.5).save(
        folder / "zweispaltig.png", dpi=(dpi, dpi)
    )
    pages = [synth.text_page(synth.german_text(20 + i, 6), dpi=dpi, seed=20 + i) for i in range(2)]
    pages[0].save(folder / "scan_grau.pdf", "PDF", resolution=dpi, save_all=True, append_images=pages[1:], quality=75)
    return folder
