"""ingest_run end to end on the real database, object store, tesseract and pikepdf: documents become visible
complete (objects, rows, outbox, audit), batch scans split at separator sheets, Akten are created where
missing, duplicates are detected, and bad files are refused with a reason without leaving anything behind."""

import hashlib
import json
import subprocess

import pikepdf
import pytest
from PIL import Image

from akten.models import Akte, AkteState, Document, Page
from dms.audit import audit_verify
from dms.models import AuditEvent, OutboxEntry, StoredObject
from dms.storage import get_storage
from scan_ingest import synth, synth_cases
from scan_ingest.models import IngestBatch
from scan_ingest.services import IngestRunError, ingest_run

from .conftest import page

AZ = "63.10.02-1998/0042"
pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # OCR-heavy: left out by `make test-fast`


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def by_source(result) -> dict:
    return {(d["source"], d["source_pages"]): d for d in result["documents"]}


def rendition_of(document: Document) -> bytes:
    return get_storage().read(document.current_version.rendition.key)


def test_each_source_type_is_stored_with_original_rendition_scan_record_pages_outbox_and_audit(aktenplan, org, scans):
    synth.save_pdf([page(1), synth.blank_page(dpi=150)], scans / "akte.pdf", 150)
    (scans / "sub").mkdir()
    synth.save_tiff([page(2), page(3)], scans / "sub" / "multi.tif", 150)
    synth.save_tiff([page(4)], scans / "sub" / "g4.tif", 150, group4=True)
    page(5).save(scans / "brief.png", dpi=(150, 150))
    page(6).convert("RGB").save(scans / "foto.jpg", dpi=(150, 150), quality=90)
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)

    docs = by_source(result)
    assert set(docs) == {
        ("akte.pdf", None),
        ("sub/multi.tif", None),
        ("sub/g4.tif", None),
        ("brief.png", None),
        ("foto.jpg", None),
    }
    assert result["errors"] == [] and all(d["status"] == "stored" for d in docs.values())
    assert set(result) >= {"batch", "documents", "errors"}
    assert set(docs["brief.png", None]) == {
        "id",
        "source",
        "source_pages",
        "aktenzeichen",
        "title",
        "department",
        "pages",
        "sha256",
        "status",
        "reason",
    }
    for (source, _), entry in docs.items():
        document = Document.objects.get(pk=entry["id"])
        version = document.current_version
        assert entry["aktenzeichen"] == AZ and entry["department"] == "63" and document.source == source
        assert get_storage().read(version.original.key) == (scans / source).read_bytes(), "original bit-exact"
        assert version.original.sha256 == sha(scans / source) == entry["sha256"]
        assert document.created_by == org.scan
        assert OutboxEntry.objects.filter(document_id=document.pk, op="upsert").exists()
        assert AuditEvent.objects.filter(action="document.ingest", object_id=str(document.pk)).exists()
        assert get_storage().exists(version.rendition.key) and get_storage().exists(version.scan_record.key)
    multi = Document.objects.get(pk=docs["sub/multi.tif", None]["id"])
    assert multi.current_version.pages.count() == 2 and docs["sub/multi.tif", None]["pages"] == 2
    assert audit_verify()[1] is None


def test_rendition_is_searchable_pdfa_2b_without_blank_pages(aktenplan, org, scans, tmp_path):
    """PDF/A-2b identification in XMP, sRGB output intent, text extractable by pdftotext, blanks left out."""
    synth.save_pdf([page(1), synth.blank_page(dpi=150), page(2)], scans / "a.pdf", 150)
    result = ingest_run(path=scans / "a.pdf", akte=AZ, workers=1, user=org.scan)
    document = Document.objects.get(pk=result["documents"][0]["id"])
    (tmp_path / "r.pdf").write_bytes(rendition_of(document))
    with pikepdf.open(tmp_path / "r.pdf") as pdf:
        assert len(pdf.pages) == 2
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and int(intent.DestOutputProfile.N) == 3
        assert not pdf.is_encrypted
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Quadratmeter" in text or "Bescheid" in text or "Grundstück" in text
    pages = list(document.current_version.pages.values_list("number", "blank"))
    assert pages == [(1, False), (2, True), (3, False)], "the blank page is kept as a page row (and in the original)"


def test_slightly_skewed_page_is_straight_in_the_rendition_without_resampling(aktenplan, org, scans, tmp_path):
    """Below 2 degrees the rendition page is turned by a PDF transformation: rendered, its lines are level."""
    import pypdfium2

    from scan_ingest.stages.geometry import skew_angle

    synth.text_page(synth.german_text(5, 6), dpi=150, seed=5, skew=1.2).save(scans / "s.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = Document.objects.get(pk=result["documents"][0]["id"])
    record = json.loads(get_storage().read(document.current_version.scan_record.key))
    assert record["pages"]["detail"][0]["view_rotation"] == pytest.approx(-1.2, abs=0.3)
    (tmp_path / "r.pdf").write_bytes(rendition_of(document))
    rendered = pypdfium2.PdfDocument(tmp_path / "r.pdf")[0].render(scale=150 / 72).to_pil()
    assert abs(skew_angle(rendered, 150)) < 0.3
    extracted = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    long_words = {w.strip(".,;") for w in document.current_version.pages.get().text.split() if len(w) > 8}
    assert long_words and all(w in extracted for w in long_words), "the turned text layer is still extractable"


def test_scan_record_is_a_hashed_transfervermerk(aktenplan, org, scans):
    page(1).save(scans / "p.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    version = Document.objects.get(pk=result["documents"][0]["id"]).current_version
    raw = get_storage().read(version.scan_record.key)
    assert hashlib.sha256(raw).hexdigest() == version.scan_record.sha256
    record = json.loads(raw)
    assert record["batch"] == result["batch"] and record["operator"] == "scan" and record["machine"]
    assert record["source"]["file"] == "p.png" and record["source"]["sha256"] == sha(scans / "p.png")
    assert record["tools"]["tesseract"].startswith("5") and "pikepdf" in record["tools"]
    assert record["pages"]["count"] == 1 and record["resolution_dpi"] == [150, 150]
    assert record["ocr"]["language"] == "deu" and record["ocr"]["mean_confidence"] > 70
    assert record["qa"]["state"] == "passed" and record["rendition"]["sha256"] == version.rendition.sha256
    assert set(record["timestamps"]) == {"processing_started", "processing_finished", "recorded"}


def test_low_ocr_confidence_flags_the_document_for_review(aktenplan, org, scans, settings):
    settings.DMS_OCR_QA_THRESHOLD = 99.5
    page(1).save(scans / "p.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert result["report"]["needs_review"][0]["id"] == result["documents"][0]["id"]


def test_batch_scan_is_split_at_separator_sheets_with_page_ranges(aktenplan, org, scans):
    """DMS:AKTE starts a document in that Akte (created if missing, led by the unit's department),
    DMS:DOK a new document in the current Akte; separator sheets are not stored; source_pages 1-based."""
    sep = lambda payload: synth.separator_page(payload, dpi=150)  # noqa: E731
    synth.save_pdf(
        [
            page(1),
            sep("DMS:AKTE:63.10.02-1998/0005"),
            page(2),
            synth.blank_page(dpi=150),
            page(3),
            sep("DMS:DOK:Anlage zum Antrag"),
            page(4),
            sep("DMS:AKTE:32-2001/0007"),
            page(5),
        ],
        scans / "stapel.pdf",
        150,
    )
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    got = [
        (d["source_pages"], d["aktenzeichen"], d["department"], d["pages"], d["status"]) for d in result["documents"]
    ]
    assert got == [
        ("1-1", AZ, "63", 1, "stored"),
        ("3-5", "63.10.02-1998/0005", "63", 3, "stored"),
        ("7-7", "63.10.02-1998/0005", "63", 1, "stored"),
        ("9-9", "32-2001/0007", "32", 1, "stored"),
    ]
    assert Akte.objects.get(aktenzeichen="32-2001/0007").lead_department == org.d32
    anlage = Document.objects.get(pk=result["documents"][2]["id"])
    assert anlage.title == "Anlage zum Antrag" and anlage.source_pages == "7-7"
    middle = Document.objects.get(pk=result["documents"][1]["id"])
    assert list(middle.current_version.pages.values_list("blank", flat=True)) == [False, True, False]
    with pikepdf.open(__import__("io").BytesIO(rendition_of(middle))) as pdf:
        assert len(pdf.pages) == 2
    assert Page.objects.filter(text__contains="TRENNBLATT").count() == 0


def test_batch_scan_without_akte_before_first_separator_reports_those_pages(aktenplan, org, scans):
    synth.save_pdf(
        [page(1), synth.separator_page("DMS:AKTE:63.10.02-1998/0005", dpi=150), page(2)], scans / "s.pdf", 150
    )
    result = ingest_run(path=scans, department="32", workers=1, user=org.scan)
    first, second = result["documents"]
    assert first["status"] == "error" and "vor dem ersten Trennblatt DMS:AKTE" in first["reason"]
    assert second["status"] == "stored" and second["department"] == "32", "--department leads the new Akte"


def test_manifest_sets_akte_metadata_and_reports_bad_rows(aktenplan, org, scans):
    for i, name in enumerate(("a.pdf", "b.pdf", "c.png")):
        (
            synth.save_pdf([page(i)], scans / name, 150)
            if name.endswith(".pdf")
            else page(i).save(scans / name, dpi=(150, 150))
        )
    (scans / "manifest.csv").write_bytes(
        (
            "Datei;Aktenzeichen;Titel;Organisationseinheit;Datum;Dokumentart\n"
            "a.pdf;63.10.02-1999/0001;Bauantrag Müller;Ordnungsamt;24.12.1999;Antrag\n"
            "b.pdf;63.10.02-1999/XX-1;Falsch;;;\n"
            "fehlt.pdf;63.10.02-1999/0002;Fehlt;;;\n"
            "c.png;32-1999/0003;Bescheid;32;1999-05-31;Bescheid\n"
        ).encode("cp1252")
    )
    result = ingest_run(path=scans, manifest=scans / "manifest.csv", workers=1, user=org.scan)
    docs = by_source(result)
    a = Document.objects.get(pk=docs["a.pdf", None]["id"])
    assert (a.title, a.document_type, a.date.isoformat(), a.akte.aktenzeichen) == (
        "Bauantrag Müller",
        "Antrag",
        "1999-12-24",
        "63.10.02-1999/0001",
    )
    assert a.akte.lead_department == org.d32, "manifest department (by name) leads the new Akte"
    assert docs["c.png", None]["department"] == "32"
    reasons = {e["source"]: e["reason"] for e in result["errors"]}
    assert reasons["b.pdf"].startswith("Manifest Zeile 3:") and "ungültiges Aktenzeichen" in reasons["b.pdf"]
    assert reasons["fehlt.pdf"].startswith("Manifest Zeile 4:") and "nicht gefunden" in reasons["fehlt.pdf"]
    assert ("b.pdf", None) not in docs, "a file whose manifest row was refused is not ingested without it"


def test_same_file_twice_in_one_akte_is_a_duplicate_and_stored_once(aktenplan, org, scans):
    synth.save_pdf([page(1)], scans / "a.pdf", 150)
    (scans / "kopie.pdf").write_bytes((scans / "a.pdf").read_bytes())
    first = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert sorted(d["status"] for d in first["documents"]) == ["duplicate", "stored"]
    objects = StoredObject.objects.count()
    again = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert again["batch"] != first["batch"]
    assert [d["status"] for d in again["documents"]] == ["duplicate", "duplicate"]
    assert {d["id"] for d in again["documents"]} == {d["id"] for d in first["documents"] if d["status"] == "stored"}
    assert Document.objects.count() == 1 and StoredObject.objects.count() == objects
    other = ingest_run(path=scans / "a.pdf", akte="63.10.02-1998/0043", workers=1, user=org.scan)
    assert other["documents"][0]["status"] == "stored", "the same file in another Akte is a new document"
    assert StoredObject.objects.filter(sha256=sha(scans / "a.pdf")).count() == 1


BAD_FILES = {
    "leer.pdf": (b"", "leere Datei"),
    "programm.tif": (b"\x7fELF\x02\x01\x01" + b"\0" * 64, "kein Bild und kein PDF"),
    "kaputt.pdf": (b"%PDF-1.4\n" + b"junk " * 50, "beschädigtes PDF"),
}


def test_bad_files_are_refused_with_reasons_and_leave_no_rows_or_objects(aktenplan, org, scans, settings):
    for name, (data, _) in BAD_FILES.items():
        (scans / name).write_bytes(data)
    png = scans / "abgeschnitten.png"
    page(1).save(png, dpi=(150, 150))
    png.write_bytes(png.read_bytes()[:3000])
    Image.new("1", (3000, 2000), 1).save(scans / "bombe.png")
    synth.save_pdf([page(2)], scans / "ok.pdf", 150)
    with pikepdf.open(scans / "ok.pdf") as pdf:
        pdf.save(scans / "geheim.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    (scans / "ok.pdf").unlink()
    settings.DMS_MAX_IMAGE_PIXELS = 5_000_000
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    reasons = {e["source"]: e["reason"] for e in result["errors"]}
    for name, (_, why) in BAD_FILES.items():
        assert why in reasons[name]
    assert "abgeschnittenes oder beschädigtes Bild" in reasons["abgeschnitten.png"]
    assert "Dekompressionsbombe" in reasons["bombe.png"]
    assert "verschlüsseltes PDF" in reasons["geheim.pdf"]
    assert all(d["status"] == "error" for d in result["documents"])
    assert Document.objects.count() == 0 and StoredObject.objects.count() == 0
    assert list(get_storage().keys()) == []
    assert IngestBatch.objects.get(pk=result["batch"]).state == "done"


def test_zip_ingest_refuses_unsafe_member_and_stores_the_rest_named_by_member(aktenplan, org, scans, tmp_path):
    import zipfile

    page(1).save(tmp_path / "p.png", dpi=(150, 150))
    with zipfile.ZipFile(scans / "lieferung.zip", "w") as zf:
        zf.write(tmp_path / "p.png", "ordner/brief.png")
        zf.writestr("../../ausbruch.png", (tmp_path / "p.png").read_bytes())
    result = ingest_run(path=scans / "lieferung.zip", akte=AZ, workers=1, user=org.scan)
    assert [(d["source"], d["status"]) for d in result["documents"]] == [("ordner/brief.png", "stored")]
    assert result["errors"][0]["source"] == "../../ausbruch.png" and "'..'" in result["errors"][0]["reason"]
    assert not list(tmp_path.parent.glob("**/ausbruch.png"))


def test_akte_already_destroyed_or_without_unit_is_refused(aktenplan, org, scans):
    akte = Akte.objects.create(
        aktenzeichen="63.10.02-1990/0001",
        title="alt",
        unit=aktenplan.u631002,
        lead_department=org.d63,
        state=AkteState.VERNICHTET,
    )
    page(1).save(scans / "p.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=akte.aktenzeichen, workers=1, user=org.scan)
    assert "vernichtet" in result["documents"][0]["reason"]
    result = ingest_run(path=scans, akte="99.1-2000/1", workers=1, user=org.scan)
    assert "keine Einheit des Aktenplans" in result["documents"][0]["reason"]
    assert Document.objects.count() == 0 and not Akte.objects.filter(aktenzeichen="99.1-2000/1").exists()


def test_run_level_errors_are_refused_before_anything_is_written(aktenplan, org, scans):
    with pytest.raises(IngestRunError, match="nicht gefunden"):
        ingest_run(path=scans / "nope", workers=1)
    with pytest.raises(IngestRunError, match="unbekannte Organisationseinheit"):
        ingest_run(path=scans, department="77", workers=1)
    with pytest.raises(IngestRunError, match="--akte: ungültiges Aktenzeichen"):
        ingest_run(path=scans, akte="kein-AZ", workers=1)
    assert IngestBatch.objects.count() == 0


def test_process_pool_gives_the_same_result_as_inline(aktenplan, org, scans):
    for i in range(3):
        page(i).save(scans / f"p{i}.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=2, user=org.scan)
    assert [d["status"] for d in result["documents"]] == ["stored"] * 3
    assert all(Document.objects.get(pk=d["id"]).current_version.pages.get().text for d in result["documents"])


def test_a_second_concurrent_run_of_the_same_ingest_is_refused(aktenplan, org, scans, settings):
    import fcntl
    from pathlib import Path

    from scan_ingest.services import _fingerprint, ingest_area

    page(1).save(scans / "p.png", dpi=(150, 150))
    area = ingest_area() / f"run-{_fingerprint(str(scans.resolve()), '', AZ, '')[:16]}"
    area.mkdir(parents=True)
    with open(Path(area) / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(IngestRunError, match="wird gerade von einem anderen Prozess eingelesen"):
            ingest_run(path=scans, akte=AZ, workers=1)
    assert ingest_run(path=scans, akte=AZ, workers=1)["documents"][0]["status"] == "stored"


def test_pdf_with_text_layer_keeps_its_pages_and_text_in_the_rendition(aktenplan, org, scans, tmp_path):
    """Born-digital pages are not OCR'd: their text is stored as is and the page goes into the PDF/A."""
    synth_cases.born_digital_pdf(scans / "digital.pdf", ["Bescheid über die Genehmigung Nr. 4711"])
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    document = Document.objects.get(pk=result["documents"][0]["id"])
    stored_page = document.current_version.pages.get()
    assert "Genehmigung Nr. 4711" in stored_page.text and stored_page.confidence is None
    (tmp_path / "r.pdf").write_bytes(rendition_of(document))
    assert (
        "Genehmigung Nr. 4711"
        in subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    )


def test_progress_reports_pages_done_up_to_the_total(aktenplan, org, scans):
    synth.save_pdf([page(1), page(2)], scans / "a.pdf", 150)
    page(3).save(scans / "b.png", dpi=(150, 150))
    calls = []
    ingest_run(path=scans, akte=AZ, workers=1, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3) and [done for done, _ in calls] == [1, 2, 3]


def test_failure_inside_the_document_transaction_leaves_no_rows_and_no_objects(aktenplan, org, scans, monkeypatch):
    """Fault injected after the objects are put (the outbox write fails): rows roll back, objects are removed,
    the document is reported as an error and the batch goes on with the next file."""
    from akten import documents

    page(1).save(scans / "a.png", dpi=(150, 150))
    page(2).save(scans / "b.png", dpi=(150, 150))
    real = documents.outbox_enqueue

    def failing_once(**kwargs):
        if not getattr(failing_once, "failed", False):
            failing_once.failed = True
            raise RuntimeError("index outbox unavailable")
        return real(**kwargs)

    monkeypatch.setattr(documents, "outbox_enqueue", failing_once)  # the document service's outbox write
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    first, second = result["documents"]
    assert first["status"] == "error" and "Speichern fehlgeschlagen: index outbox unavailable" in first["reason"]
    assert second["status"] == "stored"
    assert Document.objects.count() == 1 and Akte.objects.filter(aktenzeichen=AZ).count() == 1
    assert sorted(get_storage().keys()) == sorted(StoredObject.objects.values_list("key", flat=True))
    assert StoredObject.objects.count() == 3
