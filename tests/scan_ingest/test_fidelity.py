"""Issue 15, ingest fidelity: no page dropped unnoticed (light-on-dark pages, faint notes, all-blank files),
every rendition a PDF/A-2b that the validator accepts. Files come from scan_ingest.synth_cases."""
import difflib
import io
import json

import pikepdf
import pytest

from dms.models import Document
from dms.storage import get_storage
from scan_ingest import synth, synth_cases
from scan_ingest.stages import PageTask, PipelineConfig, process_page
from scan_ingest.stages.blank import BLANK_BELOW, ink_ratio

from .conftest import page

AZ = "63.10.02-1998/0042"


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, " ".join(a.split()), " ".join(b.split())).ratio()


def run(path, kind, tmp_path, index=0, **config):
    return process_page(PageTask(str(path), kind, index, str(tmp_path), PipelineConfig(**config)))


def stored(result, source=None):
    docs = [d for d in result["documents"] if d["status"] == "stored" and (source is None or d["source"] == source)]
    assert docs, result
    return Document.objects.get(pk=docs[0]["id"])


def scan_record_of(document) -> dict:
    return json.loads(get_storage().read(document.current_version.scan_record.key))


def rendition_pages(document) -> int:
    with pikepdf.open(io.BytesIO(get_storage().read(document.current_version.rendition.key))) as pdf:
        return len(pdf.pages)


# -- blank pages ------------------------------------------------------------------------------------------

def test_white_text_on_black_is_content_not_blank(tmp_path):
    negative = synth_cases.negative_page()
    assert ink_ratio(negative, 150) > BLANK_BELOW * 10
    negative.save(tmp_path / "n.png", dpi=(150, 150))
    result = run(tmp_path / "n.png", "image", tmp_path)
    assert not result.blank and result.words > 20 and result.confidence > 80
    assert abs(result.skew) < 0.3, "deskew measures the light lines of a negative, not its dark ground"


def test_a_page_with_detectable_text_is_never_blank_even_when_the_image_check_says_so(tmp_path):
    faint = synth_cases.faint_page()
    assert ink_ratio(faint, 150) < BLANK_BELOW, "the image check alone would drop this page"
    faint.save(tmp_path / "f.png", dpi=(150, 150))
    result = run(tmp_path / "f.png", "image", tmp_path)
    assert not result.blank and "geprüft" in result.text
    assert any("OCR found text" in w for w in result.warnings)


def test_a_truly_blank_page_stays_blank_with_no_text(tmp_path):
    synth.blank_page(dpi=150, seed=2, noise=0.004).save(tmp_path / "b.png", dpi=(150, 150))
    result = run(tmp_path / "b.png", "image", tmp_path)
    assert result.blank and result.text == "" and result.words == 0


@pytest.mark.django_db
def test_dropped_blank_page_is_in_the_scan_record_and_flags_the_document_for_review(aktenplan, org, scans):
    synth.save_pdf([page(1), synth_cases.negative_page(), synth.blank_page(dpi=150)], scans / "a.pdf", 150)
    from scan_ingest.services import ingest_run

    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = stored(result)
    assert rendition_pages(document) == 2, "the negative page is in the rendition, the blank one is not"
    assert list(document.current_version.pages.values_list("blank", flat=True)) == [False, False, True]
    negative_text = document.current_version.pages.get(number=2).text
    assert similarity(negative_text, synth.german_text(3, 4)) > 0.95, negative_text
    record = scan_record_of(document)
    assert record["pages"]["blank"] == [3] and record["pages"]["in_rendition"] == 2
    assert record["qa"]["state"] == "needs_review"
    flag = result["report"]["needs_review"][0]
    assert flag["id"] == document.pk and any("page 3: looks blank" in r for r in flag["reasons"])


@pytest.mark.django_db
def test_an_all_blank_file_is_stored_for_review_instead_of_refused(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth.blank_page(dpi=150, seed=4).save(scans / "leer.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert result["errors"] == []
    document = stored(result)
    assert get_storage().read(document.current_version.original.key) == (scans / "leer.png").read_bytes()
    assert rendition_pages(document) == 1
    assert any("look blank" in r for r in result["report"]["needs_review"][0]["reasons"])


@pytest.mark.django_db
def test_blank_part_between_separator_sheets_is_listed_for_review(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    sep = lambda payload: synth.separator_page(payload, dpi=150)  # noqa: E731
    synth.save_pdf([sep(f"DMS:AKTE:{AZ}"), page(1), sep("DMS:DOK"), synth.blank_page(dpi=150), sep("DMS:DOK"),
                    page(2)], scans / "stapel.pdf", 150)
    result = ingest_run(path=scans, workers=1, user=org.scan)
    assert [d["source_pages"] for d in result["documents"]] == ["2-2", "6-6"]
    flags = [f for f in result["report"]["needs_review"] if f["id"] is None]
    assert flags == [{"id": None, "source": "stapel.pdf", "source_pages": "4", "mean_confidence": None,
                      "reasons": ["page 4: blank part between separator sheets, in no document (kept in the "
                                  "original)"]}]


# -- PDFs that were refused ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_owner_password_pdf_is_stored_bit_exact_with_an_unrestricted_rendition(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth_cases.owner_password_pdf(scans / "gesperrt.pdf", page(1))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = stored(result)
    version = document.current_version
    assert get_storage().read(version.original.key) == (scans / "gesperrt.pdf").read_bytes()
    with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
        assert not pdf.is_encrypted and len(pdf.pages) == 1
    assert similarity(version.pages.get().text, synth.german_text(1, 2)) > 0.9, "the page was read"
    assert "owner password" in scan_record_of(document)["source"]["notes"][0]


@pytest.mark.django_db
def test_pdf_without_pages_is_stored_as_original_only_and_flagged(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth_cases.empty_pdf(scans / "leer.pdf")
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert result["errors"] == []
    document = stored(result)
    version = document.current_version
    assert version.rendition is None and version.pages.count() == 0
    assert get_storage().read(version.original.key) == (scans / "leer.pdf").read_bytes()
    assert any("no pages" in r for r in result["report"]["needs_review"][0]["reasons"])


@pytest.mark.django_db
def test_xfa_form_is_stored_and_flagged_as_an_xfa_form_not_as_blank(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth_cases.xfa_form_pdf(scans / "formular.pdf")
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = stored(result)
    reasons = result["report"]["needs_review"][0]["reasons"]
    assert reasons[0].startswith("XFA form") and not any("blank" in r for r in reasons), reasons
    assert get_storage().read(document.current_version.original.key) == (scans / "formular.pdf").read_bytes()
