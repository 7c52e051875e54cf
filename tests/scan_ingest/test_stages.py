"""Page stages on real tesseract, pdfium and zxing: decode refusals, separator sheets, blank pages, deskew,
orientation fix, text-layer PDFs, OCR accuracy on German text."""

import difflib
import io

import pikepdf
import pytest
from PIL import Image

from scan_ingest import synth, synth_cases
from scan_ingest.errors import IngestError
from scan_ingest.stages import PageTask, PipelineConfig, process_page
from scan_ingest.stages.blank import BLANK_BELOW, ink_ratio
from scan_ingest.stages.decode import probe, sniff
from scan_ingest.stages.geometry import skew_angle

from .conftest import page


def run(path, kind, tmp_path, index=0, **config):
    return process_page(PageTask(str(path), kind, index, str(tmp_path), PipelineConfig(**config)))


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, " ".join(a.split()), " ".join(b.split())).ratio()


def test_ocr_reads_rendered_german_text_with_umlauts_and_eszett_above_97_percent(tmp_path):
    """OCR accuracy rule: character similarity (difflib) > 97 % on German text with ä ö ü ß."""
    text = (
        "Die Größe der überbauten Fläche beträgt 450 Quadratmeter.\n"
        "Mit freundlichen Grüßen, Schäfer, Straßenverkehrsbehörde Müllerstraße 12.\n"
        "Übersendung des Bescheids: zügige Prüfung gemäß Satzung."
    )
    synth.text_page(text, dpi=200, seed=3).save(tmp_path / "p.png", dpi=(200, 200))
    result = run(tmp_path / "p.png", "image", tmp_path)
    assert result.error is None
    assert similarity(result.text, text) > 0.97, result.text
    assert "ß" in result.text and "ü" in result.text
    assert result.confidence > 80 and result.words >= 20


def test_one_tesseract_pass_gives_text_confidences_and_the_page_pdf(tmp_path):
    page(1).save(tmp_path / "p.png", dpi=(150, 150))
    result = run(tmp_path / "p.png", "image", tmp_path)
    assert result.pdf_path.endswith(".pdf")
    with pikepdf.open(result.pdf_path) as pdf:
        assert len(pdf.pages) == 1 and "/Font" in pdf.pages[0].Resources
    assert result.words > 5 and 0 < result.confidence <= 100


@pytest.mark.slow  # OSD: three full OCR passes
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_page_lying_sideways_or_upside_down_is_turned_upright_by_osd(tmp_path, turn):
    """Orientation rule: a page scanned at 90/180/270 degrees is fixed; the text is read correctly."""
    text = synth.german_text(7, 4)
    synth.text_page(text, dpi=150, seed=7).rotate(turn, expand=True).save(tmp_path / "r.png", dpi=(150, 150))
    result = run(tmp_path / "r.png", "image", tmp_path)
    assert result.rotation == turn  # turned clockwise by as much as it lay counter-clockwise
    assert similarity(result.text, text) > 0.9
    with pikepdf.open(result.pdf_path) as pdf:
        box = pdf.pages[0].mediabox
        assert box[3] > box[2], "the rendition page is upright (portrait)"


@pytest.mark.slow
def test_skewed_page_is_straightened(tmp_path):
    im = synth.text_page(synth.german_text(2, 4), dpi=150, seed=2, skew=3.0)
    assert skew_angle(im, 150) == pytest.approx(-3.0, abs=0.35)
    straight = synth.text_page(synth.german_text(2, 4), dpi=150, seed=2)
    assert abs(skew_angle(straight, 150)) < 0.35
    im.save(tmp_path / "s.png", dpi=(150, 150))
    result = run(tmp_path / "s.png", "image", tmp_path)
    assert result.skew == pytest.approx(-3.0, abs=0.35) and result.confidence > 80


def test_blank_page_with_scanner_specks_is_blank_without_text(tmp_path):
    """Blank pages are OCR'd too (text found would overrule), but specks read as letters are not kept."""
    blank = synth.blank_page(dpi=150, seed=5, noise=0.004)
    assert ink_ratio(blank, 150) < BLANK_BELOW
    blank.save(tmp_path / "b.png", dpi=(150, 150))
    result = run(tmp_path / "b.png", "image", tmp_path)
    assert result.blank and result.text == "" and result.words == 0


def test_page_with_a_single_short_line_is_not_blank():
    one_word = synth.text_page("Seite 2", dpi=150, seed=1)
    assert ink_ratio(one_word, 150) > BLANK_BELOW


@pytest.mark.parametrize("qr", [True, False], ids=["qr", "code128"])
def test_separator_sheet_is_recognised_by_qr_or_code128(tmp_path, qr):
    synth.save_pdf([synth.separator_page("DMS:AKTE:63.10.02-1998/0042", dpi=150, qr=qr)], tmp_path / "s.pdf", 150)
    result = run(tmp_path / "s.pdf", "pdf", tmp_path)
    assert result.separator == "DMS:AKTE:63.10.02-1998/0042"
    assert result.pdf_path is None and result.text == ""


def test_barcode_without_dms_prefix_is_an_ordinary_page(tmp_path):
    im = synth.text_page(synth.german_text(4, 2), dpi=150, seed=4)
    im.paste(synth.barcode_image("INVENTAR-4711", scale=4), (100, 900))
    im.save(tmp_path / "p.png", dpi=(150, 150))
    result = run(tmp_path / "p.png", "image", tmp_path)
    assert result.separator is None and result.words > 5


def test_pdf_with_a_text_layer_keeps_it_and_skips_ocr(tmp_path):
    synth_cases.born_digital_pdf(tmp_path / "digital.pdf", ["Born digital Bescheid vom Bauordnungsamt"])
    result = run(tmp_path / "digital.pdf", "pdf", tmp_path)
    assert result.text_layer and "Born digital Bescheid" in result.text
    assert result.pdf_path is None and result.confidence is None


def test_multipage_and_group4_tiff_pages_are_decoded(tmp_path):
    synth.save_tiff([page(1), page(2)], tmp_path / "g4.tif", dpi=150, group4=True)
    assert probe(str(tmp_path / "g4.tif"), 10**8).pages == 2
    with Image.open(tmp_path / "g4.tif") as im:
        assert im.info.get("compression") == "group4"
    result = run(tmp_path / "g4.tif", "image", tmp_path, index=1)
    assert result.error is None and result.words > 5


# -- refusals ---------------------------------------------------------------------------------------------


def _bytes_of(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "e.pdf").write_bytes(b"")
    with pytest.raises(IngestError, match="leere Datei"):
        probe(str(tmp_path / "e.pdf"), 10**8)


def test_elf_binary_named_tif_is_refused_as_not_an_image(tmp_path):
    (tmp_path / "scan.tif").write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 200)
    with pytest.raises(IngestError, match=r"kein Bild und kein PDF.*ELF"):
        sniff(str(tmp_path / "scan.tif"))


@pytest.mark.parametrize("fmt,suffix", [("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif")])
def test_truncated_image_is_refused_with_a_reason(tmp_path, fmt, suffix):
    data = _bytes_of(page(1).convert("L"), fmt, **({"compression": "tiff_lzw"} if fmt == "TIFF" else {}))
    path = tmp_path / f"t.{suffix}"
    path.write_bytes(data[: len(data) // 2])
    try:
        probe(str(path), 10**8)
    except IngestError as exc:  # a TIFF cut before its directory fails already here
        assert "beschädigt" in exc.reason
        return
    result = run(path, "image", tmp_path)
    assert result.error and "abgeschnittenes oder beschädigtes Bild" in result.error


def test_decompression_bomb_is_refused_at_the_configured_pixel_limit(tmp_path):
    Image.new("1", (2000, 1000), 1).save(tmp_path / "bomb.png")
    with pytest.raises(IngestError, match="Dekompressionsbombe"):
        probe(str(tmp_path / "bomb.png"), 1_000_000)
    assert probe(str(tmp_path / "bomb.png"), 3_000_000).pages == 1


def test_pdf_page_rendering_beyond_the_pixel_limit_is_refused(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14400, 14400))  # 200 x 200 inch
    pdf.save(tmp_path / "huge.pdf")
    result = run(tmp_path / "huge.pdf", "pdf", tmp_path)
    assert result.error and "Dekompressionsbombe" in result.error


def test_pdf_needing_a_password_is_refused_but_owner_restricted_pdf_is_accepted(tmp_path):
    synth.save_pdf([page(1)], tmp_path / "p.pdf", 150)
    with pikepdf.open(tmp_path / "p.pdf") as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
        pdf.save(tmp_path / "owner.pdf", encryption=pikepdf.Encryption(owner="o", user=""))
    with pytest.raises(IngestError, match="verschlüsseltes PDF abgelehnt: es lässt sich nur mit Passwort"):
        probe(str(tmp_path / "locked.pdf"), 10**8)
    owner_only = probe(str(tmp_path / "owner.pdf"), 10**8)
    assert owner_only.pages == 1 and "owner password" in owner_only.notes[0], "opens without a password"


def test_broken_and_truncated_pdfs_are_refused(tmp_path):
    synth.save_pdf([page(1)], tmp_path / "p.pdf", 150)
    data = (tmp_path / "p.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4\n" + b"junk " * 200)
    for name in ("cut.pdf", "junk.pdf"):
        with pytest.raises(IngestError, match="beschädigtes PDF") as info:
            probe(str(tmp_path / name), 10**8)
        assert str(tmp_path) not in info.value.reason


@pytest.mark.slow
def test_bilevel_pdf_scan_turned_in_the_pixels_stays_bilevel_in_the_page_pdf(tmp_path):
    """A black-and-white scan whose pixels must be turned (3 degrees askew, so the source page cannot carry
    the text) is rendered without smoothing and kept 1 bit deep, not re-encoded as JPEG."""
    im = synth.text_page(synth.german_text(1, 3), dpi=150, seed=1, noise=0, skew=3.0).convert(
        "1", dither=Image.Dither.NONE
    )
    im.save(tmp_path / "bw.pdf", "PDF", resolution=150)
    result = run(tmp_path / "bw.pdf", "pdf", tmp_path)
    assert result.error is None and result.words > 5 and not result.graft
    with pikepdf.open(result.image_pdf) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        assert int(image.BitsPerComponent) == 1 and image.Filter != "/DCTDecode"
