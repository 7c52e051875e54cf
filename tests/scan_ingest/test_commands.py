"""The `ingest` and `demo_ingest` commands: JSON on stdout with --json, exit code 2 when a file was refused,
errors on stderr, and the index is fed (outbox drained) after storing."""

import json

import pytest
from django.core.management import CommandError, call_command

from akten.models import Document
from dms.models import OutboxEntry
from scan_ingest import synth
from search.services import search_documents

from .conftest import page

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # OCR
def test_ingest_command_prints_the_json_and_feeds_the_index(aktenplan, org, scans, capsys):
    synth.save_pdf([page(1)], scans / "a.pdf", 150)
    call_command("ingest", str(scans), "--akte", "63.10.02-1998/0042", "--user", "scan", "--workers", "1", "--json")
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"batch", "documents", "errors"}
    assert result["documents"][0]["status"] == "stored" and result["errors"] == []
    assert OutboxEntry.objects.count() == 0, "the command drained the outbox after storing"
    word = max(Document.objects.get().current_version.pages.get().text.split(), key=len).strip(".,;")
    hits = search_documents(user=org.anna, query=word)
    assert hits.total >= 1 and hits.hits[0]["document_id"] == result["documents"][0]["id"]


def test_ingest_command_exits_2_and_names_refused_files_on_stderr(aktenplan, org, scans, capsys):
    (scans / "leer.tif").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest", str(scans), "--akte", "63.10.02-1998/0042", "--workers", "1")
    assert exit_info.value.code == 2
    assert "leer.tif: leere Datei" in capsys.readouterr().err


def test_ingest_command_refuses_unknown_department_before_any_work(aktenplan, scans):
    with pytest.raises(CommandError, match="unbekannte Organisationseinheit '77'"):
        call_command("ingest", str(scans), "--department", "77")


@pytest.mark.slow  # OCR of the demo archive, twice
def test_demo_ingest_needs_demo_setup_then_is_idempotent(db, tmp_path, capsys):
    with pytest.raises(CommandError, match="demo_setup"):
        call_command("demo_ingest", "--out", str(tmp_path / "demo"))
    call_command("demo_setup")
    capsys.readouterr()
    call_command("demo_ingest", "--out", str(tmp_path / "demo"), "--workers", "2", "--json")
    first = json.loads(capsys.readouterr().out)
    assert first["errors"] == [] and {d["status"] for d in first["documents"]} == {"stored"}
    assert {d["department"] for d in first["documents"]} >= {"63", "32", "50", "20", "33", "10"}
    assert [d["source_pages"] for d in first["documents"] if d["source"].startswith("stapel/")] == [
        "2-3",
        "5-5",
        "7-7",
        "9-9",
    ]
    count = Document.objects.count()
    call_command("demo_ingest", "--out", str(tmp_path / "demo"), "--workers", "1", "--json")
    second = json.loads(capsys.readouterr().out)
    assert {d["status"] for d in second["documents"]} == {"duplicate"} and Document.objects.count() == count
