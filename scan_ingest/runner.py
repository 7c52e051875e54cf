"""The ingest worker: runs submitted batches (`submit.batch_submit`) one after another, in a process of its own
(`manage.py ingest_worker`, started by batch_submit when none runs, or beside the web server in `make run`).
A batch survives a restart: a batch still `wartet` or `läuft` (its worker was killed) is resumed by the next
worker, and the pipeline resumes it where it stopped (services.ingest_run, "Crash safety"). One worker at a time
holds the worker lock (the page work inside uses every core)."""

from __future__ import annotations

import fcntl
import logging
import shutil
import threading
import time
from pathlib import Path

from django.db import close_old_connections
from django.utils import timezone

from .models import IngestBatch
from .selectors import batch_report
from .services import IngestRunError, ingest_run

log = logging.getLogger(__name__)
BUSY = "wird gerade von einem anderen Prozess eingelesen"


def pending_batches():
    """Background batches not finished yet, oldest first (index ingest_batch_state_bg)."""
    return IngestBatch.objects.filter(
        background=True, state__in=(IngestBatch.State.QUEUED, IngestBatch.State.RUNNING)
    ).order_by("pk")


def _fail(batch: IngestBatch, reason: str) -> None:
    batch.state, batch.failure, batch.finished_at = IngestBatch.State.FAILED, reason, timezone.now()
    batch.save(update_fields=["state", "failure", "finished_at"])
    batch.report = batch_report(batch)
    batch.save(update_fields=["report"])


def batch_run(batch: IngestBatch, *, workers: int | None = None) -> bool:
    """Run (or resume) one submitted batch to its end; False when another process is running it right now.
    A batch that cannot run at all ends `mit Fehlern` with the reason in German."""
    if batch.path and not Path(batch.path).exists():
        _fail(batch, "Die hochgeladenen Dateien sind nicht mehr im Zwischenspeicher; bitte erneut hochladen.")
        return True
    try:
        ingest_run(
            path=batch.path,
            manifest=batch.manifest or None,
            akte=batch.akte or None,
            department=batch.department or None,
            user=batch.operator,
            workers=workers,
            into_closed=batch.into_closed,
        )
    except IngestRunError as exc:
        if BUSY in str(exc):
            return False
        _fail(IngestBatch.objects.get(pk=batch.pk), f"Stapel konnte nicht eingelesen werden: {exc}")
    except Exception as exc:  # the worker goes on with the next batch; the reason is on this one
        log.exception("ingest batch %s failed", batch.pk)
        _fail(IngestBatch.objects.get(pk=batch.pk), f"Interner Fehler beim Einlesen: {type(exc).__name__}: {exc}")
    batch.refresh_from_db()
    if batch.spool and batch.state in (IngestBatch.State.DONE, IngestBatch.State.FAILED):
        shutil.rmtree(batch.spool, ignore_errors=True)  # the originals are in the object store now
    return True


def run_pending(*, workers: int | None = None, stop: threading.Event | None = None) -> int:
    """Run every pending batch once (oldest first); the number run. Batches another process runs are skipped."""
    done, busy = 0, set()
    while not (stop and stop.is_set()):
        batch = pending_batches().exclude(pk__in=busy).first()
        if batch is None:
            break
        if batch_run(batch, workers=workers):
            done += 1
        else:
            busy.add(batch.pk)
    return done


def worker_loop(
    *, until_idle: bool, poll: float = 2.0, workers: int | None = None, stop: threading.Event | None = None
) -> None:
    """Hold the worker lock and run pending batches. until_idle: return once nothing is pending (a worker
    started by a submission); otherwise poll for ever (`make run`). Without the lock (another worker runs):
    until_idle returns at once, the other keeps polling."""
    from .submit import spool_root

    root = spool_root()
    root.mkdir(parents=True, exist_ok=True)
    while not (stop and stop.is_set()):
        close_old_connections()
        with open(root / ".worker.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if until_idle:
                    return
                _sleep(poll, stop)
                continue
            try:
                run_pending(workers=workers, stop=stop)
            except Exception:  # the database went away a moment: the next round tries again
                if until_idle:
                    raise
                log.exception("ingest worker: looking for batches failed")
        # re-checked after the lock is released: a batch submitted while this worker finished is not left behind
        if until_idle and not pending_batches().exists():
            return
        if not until_idle:
            _sleep(poll, stop)


def _sleep(seconds: float, stop: threading.Event | None) -> None:
    if stop:
        stop.wait(seconds)
    else:
        time.sleep(seconds)
