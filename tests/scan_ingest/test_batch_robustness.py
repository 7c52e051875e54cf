"""Issue 9, "ingest never aborts a batch for one file": a truncated multi-page TIFF, names that are not UTF-8
or hold control characters, symbolic links leading out of the ingest folder and manifest rows naming files
outside it are each that file's error (reason named, name escaped), and the rest of the batch is stored.
Items of an interrupted run are never dropped from the report when it resumes."""

import json
import os

import pytest

from akten.models import Document
from scan_ingest import synth
from scan_ingest.models import IngestBatch
from scan_ingest.selectors import batch_result
from scan_ingest.services import ingest_run
from scan_ingest.sources.names import escaped

from .conftest import page

AZ = "63.10.02-1998/0042"
pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # OCR-heavy: left out by `make test-fast`


def reasons(result) -> dict:
    return {e["source"]: e["reason"] for e in result["errors"]}


def stored_sources(result) -> list:
    return sorted(d["source"] for d in result["documents"] if d["status"] == "stored")


def test_truncated_multipage_tiff_is_its_own_error_and_the_rest_is_stored(aktenplan, org, scans):
    synth.save_tiff([page(1), page(2), page(3)], scans / "mehrseitig.tif", 150)
    data = (scans / "mehrseitig.tif").read_bytes()
    (scans / "mehrseitig.tif").write_bytes(data[: int(len(data) * 0.6)])
    page(4).save(scans / "gut.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert stored_sources(result) == ["gut.png"]
    why = reasons(result)["mehrseitig.tif"]
    assert "abgeschnittenes oder beschädigtes" in why or "beschädigtes Bild" in why
    assert Document.objects.filter(source="mehrseitig.tif").count() == 0
    assert IngestBatch.objects.get(pk=result["batch"]).state == "done"


def test_names_not_utf8_or_with_control_characters_are_refused_escaped_and_the_rest_is_stored(aktenplan, org, scans):
    good = scans / "gut.png"
    page(1).save(good, dpi=(150, 150))
    data = good.read_bytes()
    for raw in (b"caf\xe9.png", b"zeile\numbruch.png", b"farbe\x1b[31m.png"):
        with open(os.path.join(os.fsencode(scans), raw), "wb") as fh:
            fh.write(data)
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert stored_sources(result) == ["gut.png"]
    why = reasons(result)
    assert "kein gültiges UTF-8" in why["caf\\xe9.png"]
    assert "Steuerzeichen (\\n)" in why["zeile\\numbruch.png"]
    assert "Steuerzeichen (\\x1b)" in why["farbe\\x1b[31m.png"]
    shown = json.dumps(result, ensure_ascii=False)
    assert "\x1b" not in shown and "\udce9" not in shown, "no raw control character or undecodable byte"


def test_escaped_names_are_unambiguous():
    assert escaped("a\\nb") != escaped("a\nb")
    assert escaped("Müller Straße.pdf") == "Müller Straße.pdf"


def test_symlinks_leading_out_of_the_ingest_folder_are_not_followed(aktenplan, org, scans, tmp_path):
    outside = tmp_path / "fremd"
    outside.mkdir()
    page(1).save(outside / "geheim.png", dpi=(150, 150))
    page(2).save(scans / "innen.png", dpi=(150, 150))
    (scans / "link_raus.png").symlink_to(outside / "geheim.png")
    (scans / "ordner_raus").symlink_to(outside, target_is_directory=True)
    (scans / "kaputt.png").symlink_to(tmp_path / "gibt-es-nicht.png")
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert stored_sources(result) == ["innen.png"]
    why = reasons(result)
    assert "außerhalb des Eingangsordners" in why["link_raus.png"]
    assert "außerhalb des Eingangsordners" in why["ordner_raus"]
    assert "defekter symbolischer Link" in why["kaputt.png"]
    assert not Document.objects.filter(source__contains="geheim").exists()


def test_manifest_rows_naming_files_outside_the_ingest_root_are_errors(aktenplan, org, scans, tmp_path):
    page(1).save(tmp_path / "daneben.png", dpi=(150, 150))
    page(2).save(scans / "drin.png", dpi=(150, 150))
    (scans / "manifest.csv").write_text(
        f"Datei;Aktenzeichen\n../daneben.png;63.10.02-1998/0001\ndrin.png;{AZ}\n", encoding="utf-8"
    )
    result = ingest_run(path=scans, manifest=scans / "manifest.csv", workers=1, user=org.scan)
    assert stored_sources(result) == ["drin.png"]
    why = reasons(result)["../daneben.png"]
    assert why.startswith("Manifest Zeile 2:") and "außerhalb des eingelesenen Pfads" in why


def test_items_of_an_interrupted_run_stay_in_the_report_when_it_resumes(aktenplan, org, scans, monkeypatch):
    """The first run dies after storing one file (a BaseException, as a kill would end it); its unfinished
    items are reported as such; on resume a file that vanished meanwhile is an error, not left out."""
    from scan_ingest import services

    for name in ("a.png", "b.png", "c.png"):
        page(ord(name[0])).save(scans / name, dpi=(150, 150))
    real, calls = services.document_write, []

    def dies_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated crash")
        return real(**kwargs)

    monkeypatch.setattr(services, "document_write", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    monkeypatch.setattr(services, "document_write", real)
    batch = IngestBatch.objects.get()
    interrupted = batch_result(batch)
    assert {d["source"]: d["status"] for d in interrupted["documents"]} == {
        "a.png": "stored",
        "b.png": "error",
        "c.png": "error",
    }
    assert "nicht fertig" in reasons(interrupted)["c.png"]

    (scans / "c.png").unlink()
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert result["batch"] == batch.pk
    assert {d["source"]: d["status"] for d in result["documents"]} == {
        "a.png": "stored",
        "b.png": "stored",
        "c.png": "error",
    }
    assert "beim Fortsetzen aber nicht mehr da" in reasons(result)["c.png"]
    assert result["report"]["errors"] == 1


def test_an_unexpected_failure_while_storing_one_file_does_not_end_the_batch(aktenplan, org, scans, monkeypatch):
    from scan_ingest import services

    page(1).save(scans / "a.png", dpi=(150, 150))
    page(2).save(scans / "b.png", dpi=(150, 150))
    real = services.plan_documents

    def fails_for_a(results, *, aktenzeichen, title):
        if title == "a":
            raise ValueError("unexpected")
        return real(results, aktenzeichen=aktenzeichen, title=title)

    monkeypatch.setattr(services, "plan_documents", fails_for_a)
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert stored_sources(result) == ["b.png"]
    assert "Speichern fehlgeschlagen: ValueError: unexpected" in reasons(result)["a.png"]
