"""Execution of an approved run in the background, never in the request: the page starts it and polls its
progress (htmx). The work is the existing, resumable `run_execute`, or `run_complete` (removing the Akten the
archive's 0506 confirmed, after an upload); here is only how it is started and watched.

A process (`python -m web.archive.worker`) in its own session, with the server's database, object store and index
settings in its environment, so it keeps running when the request (or the server) ends and a reload of the page
shows the same state. Its status (pid, running/finished/failed, error) is a small JSON file beside the run's
files; the progress itself is read from the database (items finished / items), so it is right after a crash too.
An in-memory SQLite database (the SQLite test suite's) can be shared neither with another process nor, safely,
with another thread (shared-cache table locks fail at once instead of waiting): there, and only there, the worker
function runs to its end before the request returns ("inline"); on PostgreSQL or an SQLite file the tests run the
real background process."""

import fcntl
import json
import os
import threading
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from akten.aussonderung.execute import UNFINISHED
from akten.models import DisposalRun
from dms.background import in_memory_database, spawn_detached

_lock = threading.Lock()


class JobError(Exception):
    """The background execution cannot be started; the message says why (German)."""


def out_dir() -> Path:
    """Where the archive workspace writes the run's xdomea files and protocols."""
    path = Path(settings.DATA_DIR) / "aussonderung"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _status_path(run: DisposalRun) -> Path:
    path = out_dir() / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path / f"run-{run.pk}-{run.uuid}.json"  # the ProzessID too: run numbers repeat across databases


def status_write(run: DisposalRun, **fields) -> None:
    path = _status_path(run)
    current = status_read(run) or {}
    current.update(fields)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, default=str))
    os.replace(tmp, path)


def status_read(run: DisposalRun) -> dict | None:
    try:
        return json.loads(_status_path(run).read_text())
    except (FileNotFoundError, ValueError):
        return None


def lock_path(run: DisposalRun) -> Path:
    """The file a worker holds an exclusive lock (flock) on while it executes the run: one worker per run, across
    server processes; the kernel releases it when the worker ends, however it ends."""
    return _status_path(run).with_suffix(".lock")


def _locked(run: DisposalRun) -> bool:
    fd = os.open(lock_path(run), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


STARTING_SECONDS = 20  # a process just started may not hold its lock yet


def running(run: DisposalRun) -> bool:
    """An execution of the run is going on: its worker holds the lock, or was started moments ago."""
    status = status_read(run)
    if not status or status.get("state") != "läuft":
        return False
    if _locked(run):
        return True
    started = status.get("started")
    if status.get("mode") == "process" and started:
        age = (timezone.now() - datetime.fromisoformat(started)).total_seconds()
        return age < STARTING_SECONDS and status.get("pid") is not None and _pid_alive(status["pid"])
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child not yet reaped is a zombie: not running
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


WORKS = ("execute", "complete")  # run_execute; run_complete (remove what a 0506 confirmed)


def execute_start(run: DisposalRun, by, work: str = "execute") -> str:
    """Start the execution of `run` (`work="complete"`: only the removal of the Akten the archive confirmed) in
    the background as `by`; returns "process" or "inline". Refused while work on this run is still running."""
    if work not in WORKS:
        raise ValueError(f"unknown work {work!r}")
    with _lock:
        if running(run):
            raise JobError(f"Aussonderung {run.pk} wird bereits durchgeführt; bitte warten.")
        started = timezone.now().isoformat()
        target = str(out_dir())
        # what is left to do when it starts: the progress of a removal after a 0506 counts from here
        todo = run.items.filter(state__in=UNFINISHED).count()
        fields = {"started": started, "error": "", "work": work, "todo": todo, "finished": ""}
        if in_memory_database():
            from .worker import execute

            status_write(run, state="läuft", mode="inline", pid=None, **fields)
            execute(run.pk, by.pk, target, work)
            return "inline"
        status_write(run, state="läuft", mode="process", pid=None, **fields)
        child = spawn_detached(
            ["-m", "web.archive.worker", str(run.pk), str(by.pk), target, work],
            log=_status_path(run).with_suffix(".log"),
        )
        status_write(run, pid=child.pid)
        threading.Thread(target=child.wait, daemon=True).start()  # reaps the child when it ends (no zombie)
        return "process"
