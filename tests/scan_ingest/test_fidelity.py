"""Issue 15, ingest fidelity: no page dropped unnoticed (light-on-dark pages, faint notes, all-blank files),
every rendition a PDF/A-2b that the validator accepts. Files come from scan_ingest.synth_cases."""

import difflib
import io
import json
from datetime import UTC

import pikepdf
import pytest

from akten.models import Document
from dms.storage import get_storage
from scan_ingest import synth, synth_cases
from scan_ingest.stages import PageTask, PipelineConfig, process_page
from scan_ingest.stages.blank import BLANK_BELOW, ink_ratio

from .conftest import page

pytestmark = pytest.mark.slow  # OCR-heavy: left out by `make test-fast`

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
    assert any("die OCR fand aber Text" in w for w in result.warnings)


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
    assert flag["id"] == document.pk and any("Seite 3: sieht leer aus" in r for r in flag["reasons"])


@pytest.mark.django_db
def test_an_all_blank_file_is_stored_for_review_instead_of_refused(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth.blank_page(dpi=150, seed=4).save(scans / "leer.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert result["errors"] == []
    document = stored(result)
    assert get_storage().read(document.current_version.original.key) == (scans / "leer.png").read_bytes()
    assert rendition_pages(document) == 1
    assert any("sehen leer aus" in r for r in result["report"]["needs_review"][0]["reasons"])


@pytest.mark.django_db
def test_blank_part_between_separator_sheets_is_listed_for_review(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    sep = lambda payload: synth.separator_page(payload, dpi=150)  # noqa: E731
    synth.save_pdf(
        [sep(f"DMS:AKTE:{AZ}"), page(1), sep("DMS:DOK"), synth.blank_page(dpi=150), sep("DMS:DOK"), page(2)],
        scans / "stapel.pdf",
        150,
    )
    result = ingest_run(path=scans, workers=1, user=org.scan)
    assert [d["source_pages"] for d in result["documents"]] == ["2-2", "6-6"]
    flags = [f for f in result["report"]["needs_review"] if f["id"] is None]
    assert flags == [
        {
            "id": None,
            "source": "stapel.pdf",
            "source_pages": "4",
            "mean_confidence": None,
            "reasons": ["Seite 4: leerer Teil zwischen Trennblättern, in keinem Dokument (im Original erhalten)"],
        }
    ]


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
    assert any("keine Seiten" in r for r in result["report"]["needs_review"][0]["reasons"])


@pytest.mark.django_db
def test_xfa_form_is_stored_and_flagged_as_an_xfa_form_not_as_blank(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    synth_cases.xfa_form_pdf(scans / "formular.pdf")
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = stored(result)
    reasons = result["report"]["needs_review"][0]["reasons"]
    assert reasons[0].startswith("XFA-Formular") and not any("leer" in r for r in reasons), reasons
    assert get_storage().read(document.current_version.original.key) == (scans / "formular.pdf").read_bytes()


# -- two-column pages ---------------------------------------------------------------------------------------


def cer(text: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    a, b = " ".join(text.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(1, len(b))


@pytest.mark.parametrize("gutter,offset,skew", [(0.1, 0.5, 0.7), (0.05, 0.5, 1.2), (0.07, 0.3, 1.8), (0.25, 0.0, -1.0)])
def test_skew_of_a_two_column_page_with_unaligned_baselines_is_measured_right(gutter, offset, skew):
    from scan_ingest.stages.geometry import multi_column, skew_angle

    left, right = synth_cases.column_texts(sentences=14)
    im = synth_cases.two_column_page(left, right, dpi=150, skew=skew, gutter_inch=gutter, offset=offset)
    angle = skew_angle(im, 150)
    assert angle == pytest.approx(-skew, abs=0.2)
    assert multi_column(im, 150, angle)


def test_one_column_page_and_a_short_line_are_not_taken_for_columns():
    from scan_ingest.stages.geometry import multi_column, skew_angle

    for im in (
        synth.text_page(synth.german_text(2, 8), dpi=150, seed=2, skew=1.0),
        synth.text_page("Seite 2", dpi=150, seed=1, skew=1.0),
    ):
        assert not multi_column(im, 150, skew_angle(im, 150))


def test_two_column_page_skewed_one_degree_is_deskewed_in_the_pixels_tesseract_reads(tmp_path):
    left, right = synth_cases.column_texts(sentences=14)
    synth_cases.two_column_page(left, right, dpi=150, skew=1.2, gutter_inch=0.05, offset=0.5).save(
        tmp_path / "c.png", dpi=(150, 150)
    )
    result = run(tmp_path / "c.png", "image", tmp_path)
    assert result.skew == pytest.approx(-1.2, abs=0.2) and result.view_rotation == 0.0
    assert any("columns" in n for n in result.notes)
    assert cer(result.text, left + "\n" + right) < 0.01, "columns read one after the other"


# -- rendition size -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gray-jpeg", "rgb-jpeg", "bilevel-ccitt"])
def test_scanned_pdf_rendition_keeps_the_source_images_and_is_not_larger_than_the_source(tmp_path, kind):
    """The source page carries tesseract's text-only layer (grafted): its image streams go into the rendition
    byte for byte; the rendition is at most the source plus the text layer (about 3 kB a page)."""
    from datetime import datetime

    from PIL import Image

    from scan_ingest.pdfa import rendition_problems
    from scan_ingest.pipeline import plan_documents
    from scan_ingest.writer import rendition_write

    pages = [synth.text_page(synth.german_text(i, 8), dpi=200, seed=i, point_size=11) for i in range(2)]
    source = tmp_path / "scan.pdf"
    if kind == "bilevel-ccitt":
        pages = [p.convert("1", dither=Image.Dither.NONE) for p in pages]
    elif kind == "rgb-jpeg":
        pages = [p.convert("RGB") for p in pages]
    extra = {} if kind == "bilevel-ccitt" else {"quality": 75}
    pages[0].save(source, "PDF", resolution=200, save_all=True, append_images=pages[1:], **extra)
    results = [run(source, "pdf", tmp_path, index=i) for i in range(2)]
    assert all(r.graft and r.words > 20 for r in results)
    (plan,), _ = plan_documents(results, aktenzeichen=AZ, title="t")
    out = tmp_path / "r.pdf"
    rendition_write(
        plan=plan,
        source=source,
        out_path=out,
        author="scan",
        subject=AZ,
        created=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert rendition_problems(out) == []

    def images(path):
        with pikepdf.open(path) as pdf:
            return [im.read_raw_bytes() for page in pdf.pages for im in page.get_images().values()]

    assert images(out) == images(source), "the scanned images are not re-encoded"
    assert out.stat().st_size <= source.stat().st_size * 1.0 + 3500 * len(pages)
    import subprocess

    text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True).stdout
    assert similarity(text, synth.german_text(0, 8) + synth.german_text(1, 8)) > 0.9


@pytest.mark.django_db
def test_the_whole_regression_set_is_stored_without_loss_and_flagged_where_it_must_be(aktenplan, org, tmp_path):
    """Every case of scan_ingest.synth_cases.REGRESSION_SET in one batch: each file stored (none refused), the
    cases that need a person flagged for review, every rendition checked (autouse fixture)."""
    from scan_ingest.services import ingest_run

    folder = synth_cases.write_regression_set(tmp_path / "set")
    result = ingest_run(path=folder, akte=AZ, workers=2, user=org.scan)
    assert result["errors"] == []
    assert sorted(d["source"] for d in result["documents"] if d["status"] == "stored") == sorted(
        synth_cases.REGRESSION_SET
    )
    flagged = {f["source"] for f in result["report"]["needs_review"]}
    assert {"leer.png", "ohne_seiten.pdf", "formular_xfa.pdf"} <= flagged
    assert "negativ.png" not in flagged and "scan_grau.pdf" not in flagged
    texts = {
        d["source"]: Document.objects.get(pk=d["id"]).current_version.pages.values_list("text", flat=True)
        for d in result["documents"]
    }
    assert "geprüft" in texts["bleistift.png"][0] and "Stadt Musterhausen" in texts["scan_mit_stempel.pdf"][0]


@pytest.mark.django_db
def test_review_queue_lists_flagged_documents_with_reasons_for_those_who_may_see_them(aktenplan, org, scans):
    from scan_ingest.selectors import review_queue
    from scan_ingest.services import ingest_run

    synth.save_pdf([page(1), synth.blank_page(dpi=150)], scans / "mit_leerseite.pdf", 150)
    page(2).save(scans / "gut.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    flagged = stored(result, "mit_leerseite.pdf")
    queue = list(review_queue(user=org.scan))
    by_doc = {entry.document: entry for entry in queue}
    clean = stored(result, "gut.png")
    assert set(by_doc) == {flagged, clean}, "the clean document is listed only for its file-name title"
    assert any("Seite 2: sieht leer aus" in r for r in by_doc[flagged].review_reasons)
    assert by_doc[clean].review_reasons == [] and by_doc[clean].review_hints == [
        "Titel ist nur der Dateiname: bitte einen Titel vergeben"
    ]
    assert list(review_queue(user=org.anna)) == queue and list(review_queue(user=org.bernd)) == [], (
        "department 63's caseworker sees it, department 32's does not"
    )
