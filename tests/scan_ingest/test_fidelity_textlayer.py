"""Issue 15, ingest fidelity of pages that carry a text layer: a copied layer must make a valid PDF/A (fonts,
glyph widths, annotations) or the page is rendered and OCR'd keeping its own text; a stamp on a scan is OCR'd;
--force-ocr and re-OCR. Files come from scan_ingest.synth_cases."""

import io
from datetime import UTC

import pikepdf
import pytest

from scan_ingest import synth, synth_cases

from .test_fidelity import AZ, run, scan_record_of, similarity, stored

pytestmark = pytest.mark.slow  # OCR-heavy: left out by `make test-fast`


# -- pages with a text layer --------------------------------------------------------------------------------

LINES = [
    "Bescheid über die Genehmigung Nr. 4711",
    "Der Bauantrag vom 12. März 1999 wird genehmigt.",
    "Gebühr: 312,50 Euro gemäß Verwaltungskostensatzung.",
]


def test_born_digital_page_with_embedded_font_keeps_its_text_layer_and_gets_a_printable_link(tmp_path):
    from scan_ingest.pdfa import RenditionPage, assemble_pdfa, rendition_problems

    synth_cases.born_digital_pdf(tmp_path / "d.pdf", LINES, link=True)
    result = run(tmp_path / "d.pdf", "pdf", tmp_path)
    assert result.text_layer and result.pdf_path is None and "Genehmigung Nr. 4711" in result.text
    with pikepdf.open(tmp_path / "d.pdf") as pdf:
        from scan_ingest.pdfa_check import page_problems

        assert any("Link annotation not printable" in p for p in page_problems(pdf.pages[0]))
    from datetime import datetime

    assemble_pdfa(
        pages=[RenditionPage(str(tmp_path / "d.pdf"))],
        out_path=tmp_path / "r.pdf",
        title="t",
        author="scan",
        created=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert rendition_problems(tmp_path / "r.pdf") == []
    with pikepdf.open(tmp_path / "r.pdf") as pdf:
        assert int(pdf.pages[0].Annots[0].F) & 4, "the link prints"


def test_page_whose_font_is_not_embedded_is_rendered_and_ocrd_but_keeps_its_own_text(tmp_path):
    synth_cases.born_digital_pdf(tmp_path / "h.pdf", LINES, embed=False)
    result = run(tmp_path / "h.pdf", "pdf", tmp_path)
    assert not result.text_layer and result.pdf_path, "rendered and OCR'd for the rendition"
    assert "font Helvetica not embedded" in result.notes[0]
    assert result.text.split("\n")[0] == LINES[0], "the stored text is the page's own, not the OCR's"


def test_scan_with_a_short_text_stamp_is_ocrd_not_taken_as_text(tmp_path):
    scan = synth.text_page(synth.german_text(8, 5), dpi=150, seed=8)
    synth_cases.born_digital_pdf(tmp_path / "s.pdf", ["Eingegangen am 14.03.1999 Stadt Musterhausen"], scan=scan)
    result = run(tmp_path / "s.pdf", "pdf", tmp_path)
    assert not result.text_layer and result.pdf_path and "scan with little text" in result.notes[0]
    assert similarity(result.text, synth.german_text(8, 5)) > 0.8, "the scanned text is read"


def test_force_ocr_ocrs_a_page_that_has_a_good_text_layer(tmp_path):
    synth_cases.born_digital_pdf(tmp_path / "d.pdf", LINES)
    result = run(tmp_path / "d.pdf", "pdf", tmp_path, force_ocr=True)
    assert not result.text_layer and result.pdf_path and "OCR forced" in result.notes[0]
    assert "Genehmigung Nr. 4711" in result.text


@pytest.mark.django_db
def test_ingest_force_ocr_option_and_mixed_text_layer_pdf_give_valid_renditions(aktenplan, org, scans, tmp_path):
    """Embedded-font page kept, Helvetica page rendered, link printable: the rendition passes the check
    (the autouse fixture checks every rendition of every ingest test as well)."""
    from scan_ingest.services import ingest_run

    synth_cases.born_digital_pdf(tmp_path / "a.pdf", LINES, link=True)
    synth_cases.born_digital_pdf(tmp_path / "b.pdf", LINES[::-1], embed=False)
    with pikepdf.open(tmp_path / "a.pdf") as a, pikepdf.open(tmp_path / "b.pdf") as b:
        a.pages.extend(b.pages)
        a.save(scans / "gemischt.pdf")
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = stored(result)
    record = scan_record_of(document)
    assert record["rendition"]["format"] == "PDF/A-2b"
    assert [p["text_layer"] for p in record["pages"]["detail"]] == [True, False]
    forced = ingest_run(path=scans, akte="63.10.02-1998/0043", workers=1, user=org.scan, force_ocr=True)
    detail = scan_record_of(stored(forced))["pages"]["detail"]
    assert [p["text_layer"] for p in detail] == [False, False] and "OCR forced" in detail[0]["notes"][0]


def test_pdfa_check_names_what_a_copied_page_breaks(tmp_path):
    from scan_ingest.pdfa_check import normalise_page, page_problems

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.Contents = pdf.make_stream(b"0 0 0 1 k 0 0 10 10 re f")
    lzw = pikepdf.Stream(pdf, b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01")
    lzw.Filter = pikepdf.Name.LZWDecode
    lzw.Subtype, lzw.Width, lzw.Height = pikepdf.Name.Image, 1, 1
    lzw.ColorSpace, lzw.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=lzw))
    page.Annots = pikepdf.Array(
        [
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=[0, 0, 10, 10],
                    F=2,
                    A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"),
                )
            )
        ]
    )
    problems = page_problems(page)
    assert "DeviceCMYK colour without a CMYK output intent" in problems
    assert any("LZWDecode" in p for p in problems)
    assert "Link annotation not printable (flags 2)" in problems
    assert "Link annotation with a JavaScript action" in problems
    normalise_page(page)
    assert not any("annotation" in p for p in page_problems(page)), "annotations repaired"


@pytest.mark.django_db
def test_redo_ocr_makes_a_new_version_with_the_same_original_ocrd_audited_and_queued(aktenplan, org, scans):
    from django.core.management import call_command

    from dms.models import AuditEvent, OutboxEntry
    from scan_ingest.redo import RedoRefused, document_reocr
    from scan_ingest.services import ingest_run

    synth_cases.born_digital_pdf(scans / "d.pdf", LINES)
    document = stored(ingest_run(path=scans, akte=AZ, workers=1, user=org.scan))
    first = document.current_version
    assert scan_record_of(document)["pages"]["detail"][0]["text_layer"] is True
    with pytest.raises(RedoRefused):
        document_reocr(document=document, by=org.bernd)
    OutboxEntry.objects.all().delete()
    call_command("ocr_redo", str(document.pk), "--user", "scan", stdout=io.StringIO())
    document.refresh_from_db()
    second = document.current_version
    assert second.number == 2 and second.original_id == first.original_id
    assert second.rendition_id != first.rendition_id
    detail = scan_record_of(document)["pages"]["detail"][0]
    assert detail["text_layer"] is False and detail["confidence"] > 80
    assert "Genehmigung Nr. 4711" in second.pages.get().text
    assert AuditEvent.objects.filter(action="document.reocr", object_id=str(document.pk)).exists()
    assert OutboxEntry.objects.filter(document_id=document.pk).exists()


def test_glyph_widths_that_disagree_with_the_embedded_font_are_found_and_the_page_is_rendered(tmp_path):
    from scan_ingest.pdfa_check import page_problems

    synth_cases.born_digital_pdf(tmp_path / "d.pdf", LINES)
    with pikepdf.open(tmp_path / "d.pdf") as pdf:
        assert page_problems(pdf.pages[0]) == []
        font = pdf.pages[0].Resources.Font.F1
        widths = list(font.Widths)
        widths[ord("B") - 32] = 300  # "B" is 686/1000 em in DejaVu Sans
        font.Widths = pikepdf.Array(widths)
        assert any("glyph widths differ" in p and "code 66" in p for p in page_problems(pdf.pages[0]))
        pdf.save(tmp_path / "w.pdf")
    result = run(tmp_path / "w.pdf", "pdf", tmp_path)
    assert not result.text_layer and "glyph widths differ" in result.notes[0]
    assert result.text.split("\n")[0] == LINES[0]


def test_scanners_own_invisible_ocr_layer_in_a_font_not_embedded_is_kept_as_it_is(tmp_path):
    """Text in render mode 3 draws no glyph: its font need not be embedded (ISO 19005-2 6.2.11.4.1), so a
    scanner's searchable PDF keeps its layer; with --force-ocr it is OCR'd on a rendered page, not on the
    source page (the text would be there twice)."""
    scan = synth.text_page(synth.german_text(8, 5), dpi=150, seed=8)
    lines = synth.german_text(8, 5).split("\n")
    synth_cases.born_digital_pdf(tmp_path / "s.pdf", lines, embed=False, invisible=True, scan=scan)
    kept = run(tmp_path / "s.pdf", "pdf", tmp_path)
    assert kept.text_layer and kept.pdf_path is None and kept.notes == ()
    forced = run(tmp_path / "s.pdf", "pdf", tmp_path, force_ocr=True)
    assert not forced.text_layer and not forced.graft and forced.image_pdf
