"""batch_submit (scan_ingest/submit.py): the upload is spooled and a `wartet` batch exists at once, without any
page work in the caller; the ingest worker (scan_ingest/runner.py) runs it with live progress, resumes a batch
whose worker died, and refusals carry their reason in German."""

import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest

from akten.models import Akte, Document
from akten.services import akte_close
from dms.models import AuditEvent
from scan_ingest import synth
from scan_ingest.models import IngestBatch, IngestItem
from scan_ingest.runner import run_pending, worker_loop
from scan_ingest.selectors import batch_progress, batch_result
from scan_ingest.submit import SubmitError, batch_submit
from tests import factories

from .conftest import page

AZ = "63.10.02-1998/0042"
pytestmark = pytest.mark.django_db(transaction=True)


def png(seed: int) -> bytes:
    out = io.BytesIO()
    page(seed).save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def test_submit_returns_a_waiting_batch_with_the_files_spooled_and_nothing_processed(aktenplan, org):
    batch = batch_submit(files=[("brief.png", png(1)), ("../../boese.png", png(2))], by=org.scan, akte=AZ)
    assert batch.state == IngestBatch.State.QUEUED and batch.background and batch.operator == org.scan
    assert batch_progress(batch)["word"] == "wartet"
    spooled = sorted(p.name for p in (Path(batch.spool) / "files").iterdir())
    assert spooled == ["boese.png", "brief.png"], "only base names: nothing is written outside the spool"
    assert not IngestItem.objects.filter(batch=batch).exists() and not Document.objects.exists()
    event = AuditEvent.objects.get(action="ingest.submit", object_id=str(batch.pk))
    assert event.actor == "scan" and event.after["akte"] == AZ


def test_the_worker_runs_the_batch_with_progress_and_removes_the_spool(aktenplan, org):
    batch = batch_submit(files=[("a.png", png(1)), ("b.png", png(2))], by=org.scan, akte=AZ)
    assert run_pending(workers=1) == 1
    batch.refresh_from_db()
    assert batch.state == IngestBatch.State.DONE and (batch.pages_done, batch.pages_total) == (2, 2)
    progress = batch_progress(batch)
    assert progress["word"] == "fertig" and progress["percent"] == 100 and not progress["active"]
    docs = Document.objects.filter(akte__aktenzeichen=AZ)
    assert docs.count() == 2 and {d.created_by for d in docs} == {org.scan}
    assert not Path(batch.spool).exists(), "the originals are in the object store; the spool is removed"
    assert run_pending(workers=1) == 0, "a finished batch is not run again"


def test_a_refused_file_has_its_reason_in_german_and_the_batch_shows_mit_fehlern(aktenplan, org):
    batch = batch_submit(files=[("gut.png", png(1)), ("kaputt.pdf", b"%PDF-1.4\n" + b"x" * 40)], by=org.scan, akte=AZ)
    run_pending(workers=1)
    batch.refresh_from_db()
    reasons = {e["source"]: e["reason"] for e in batch_result(batch)["errors"]}
    assert reasons["kaputt.pdf"].startswith("beschädigtes PDF")
    assert batch_progress(batch)["word"] == "mit Fehlern"


def test_a_zip_with_a_manifest_is_ingested_member_by_member(aktenplan, org):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("ordner/eins.png", png(1))
        zf.writestr("zwei.png", png(2))
    manifest = "Datei;Aktenzeichen;Titel;Datum\nordner/eins.png;63.10.02-1998/0042;Bauantrag;12.03.1998\n"
    batch = batch_submit(files=[("stapel.zip", data.getvalue())], by=org.scan, akte=AZ, manifest=manifest.encode())
    run_pending(workers=1)
    docs = {d["source"]: d for d in batch_result(IngestBatch.objects.get(pk=batch.pk))["documents"]}
    assert set(docs) == {"ordner/eins.png", "zwei.png"} and all(d["status"] == "stored" for d in docs.values())
    antrag = Document.objects.get(pk=docs["ordner/eins.png"]["id"])
    assert antrag.title == "Bauantrag" and antrag.date == date(1998, 3, 12)


def test_a_batch_whose_worker_died_is_resumed_by_the_next_worker(aktenplan, org):
    batch = batch_submit(files=[("a.png", png(1))], by=org.scan, akte=AZ)
    IngestBatch.objects.filter(pk=batch.pk).update(state=IngestBatch.State.RUNNING, runs=1)  # as a kill leaves it
    worker_loop(until_idle=True, workers=1)
    batch.refresh_from_db()
    assert batch.state == IngestBatch.State.DONE and batch.runs == 2
    assert Document.objects.filter(akte__aktenzeichen=AZ).count() == 1


def test_submit_into_a_closed_akte_is_refused_at_once_in_german(aktenplan, org):
    akte = factories.akte(AZ, "Neubau", opened_on=date(1998, 3, 3))
    akte_close(akte=akte, on=date(2000, 8, 1))
    with pytest.raises(SubmitError, match=r"zu den Akten verfügt \(z\.d\.A\. am 01\.08\.2000\)"):
        batch_submit(files=[("a.png", png(1))], by=org.scan, akte=Akte.objects.get(pk=akte.pk))
    with pytest.raises(SubmitError, match="Keine Datei ausgewählt"):
        batch_submit(files=[], by=org.scan, akte=AZ)
    with pytest.raises(SubmitError, match="ungültig"):
        batch_submit(files=[("a.png", png(1))], by=org.scan, akte="kein Aktenzeichen")


def test_a_spool_that_vanished_ends_the_batch_with_a_german_reason(aktenplan, org):
    import shutil

    batch = batch_submit(files=[("a.png", png(1))], by=org.scan, akte=AZ)
    shutil.rmtree(batch.spool)
    run_pending(workers=1)
    batch.refresh_from_db()
    assert batch.state == IngestBatch.State.FAILED and "nicht mehr im Zwischenspeicher" in batch.failure
    assert batch_progress(batch)["word"] == "mit Fehlern"


def test_synthetic_pdf_progress_counts_every_page(aktenplan, org, tmp_path):
    synth.save_pdf([page(1), page(2), page(3)], tmp_path / "drei.pdf", 150)
    with open(tmp_path / "drei.pdf", "rb") as fh:
        batch = batch_submit(files=[("drei.pdf", fh)], by=org.scan, akte=AZ)
    run_pending(workers=1)
    batch.refresh_from_db()
    assert (batch.pages_done, batch.pages_total) == (3, 3)


def test_legacy_documents_go_into_a_closed_akte_only_explicitly_and_audited(aktenplan, org):
    akte = factories.akte(AZ, "Neubau", opened_on=date(1998, 3, 3))
    akte_close(akte=akte, on=date(2000, 8, 1))
    batch = batch_submit(files=[("alt.png", png(1))], by=org.scan, akte=AZ, into_closed=True)
    run_pending(workers=1)
    doc = Document.objects.get(akte=akte)
    event = AuditEvent.objects.get(action="document.ingest", object_id=str(doc.pk))
    assert event.after["into_closed_akte"] is True and batch.into_closed


def test_the_writer_refuses_a_closed_akte_without_the_explicit_flag(aktenplan, org, scans):
    from scan_ingest.services import ingest_run

    akte = factories.akte(AZ, "Neubau", opened_on=date(1998, 3, 3))
    akte_close(akte=akte, on=date(2000, 8, 1))
    page(1).save(scans / "p.png", dpi=(150, 150))
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    assert "ist zu den Akten verfügt" in result["errors"][0]["reason"]
    assert not Document.objects.filter(akte=akte).exists()


def test_several_files_with_a_zip_among_them_unpack_the_zip(aktenplan, org):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("innen.png", png(2))
        zf.writestr("../raus.png", png(3))
    manifest = "Datei;Aktenzeichen;Titel\npaket.zip/innen.png;63.10.02-1998/0042;Aus dem ZIP\n"
    batch = batch_submit(
        files=[("einzeln.png", png(1)), ("paket.zip", data.getvalue())],
        by=org.scan,
        akte=AZ,
        manifest=manifest.encode(),
    )
    run_pending(workers=1)
    result = batch_result(IngestBatch.objects.get(pk=batch.pk))
    docs = {d["source"]: d for d in result["documents"] if d["status"] == "stored"}
    assert set(docs) == {"einzeln.png", "paket.zip/innen.png"}
    assert Document.objects.get(pk=docs["paket.zip/innen.png"]["id"]).title == "Aus dem ZIP"
    assert [e["source"] for e in result["errors"]] == ["paket.zip/../raus.png"]


def test_the_celery_task_runs_a_submitted_batch_and_skips_a_finished_one(aktenplan, org):
    from scan_ingest.tasks import run_batch

    batch = batch_submit(files=[("a.png", png(1))], by=org.scan, akte=AZ)
    assert run_batch.apply(args=[batch.pk]).get() == "done"
    assert IngestBatch.objects.get(pk=batch.pk).state == IngestBatch.State.DONE
    assert run_batch.apply(args=[batch.pk]).get() == "nothing to do"


def test_no_second_worker_is_started_while_one_holds_the_lock(settings):
    import fcntl

    from scan_ingest.submit import spool_root, worker_running

    assert not worker_running()
    spool_root().mkdir(parents=True, exist_ok=True)
    with open(spool_root() / ".worker.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert worker_running()
        worker_loop(until_idle=True, workers=1)  # returns at once: the other worker has the lock
    assert not worker_running()


@pytest.mark.skipif(
    "postgres" not in os.environ.get("DMS_DATABASE_URL", ""),
    reason="the worker process needs a database it can open (PostgreSQL; the SQLite test database is in memory)",
)
def test_the_worker_process_started_by_the_upload_runs_the_batch_on_its_own(aktenplan, org, settings):
    import time

    settings.DMS_INGEST_AUTOSTART = True
    batch = batch_submit(files=[("a.png", png(1))], by=org.scan, akte=AZ)  # commits: the worker is started
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        # the worker marks the batch done, then removes its spool folder: wait for both
        if batch.state == IngestBatch.State.DONE and not Path(batch.spool).exists():
            break
        time.sleep(0.5)
    assert batch.state == IngestBatch.State.DONE and Document.objects.filter(akte__aktenzeichen=AZ).count() == 1
    assert not Path(batch.spool).exists()
