"""`batch_submit`: files from the browser (the Scanstelle's upload, the caseworker's upload) or the consume folder
become an ingest batch that runs in the background. The files are spooled under DMS_SPOOL_DIR, the IngestBatch
row exists at once (state `queued`, "wartet"), and the existing pipeline (`services.ingest_run`) runs it in the
ingest worker (`runner.py`: a local process, started here when none runs) or as a Celery task when
DMS_BROKER_URL is set. The web request never waits for page work; progress is on the batch row
(`pages_done`/`pages_total`, `selectors.batch_progress`)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from dms.audit import audit_record
from dms.background import spawn_detached

from .models import IngestBatch
from .scan_record import machine
from .services import run_fingerprint
from .sources.names import escaped, name_problem

MANIFEST_NAME = ".manifest.csv"  # hidden: the folder walk leaves it out; rows name files beside it
CHUNK = 1024 * 1024


class SubmitError(Exception):
    """The submission is refused as a whole (no files, a bad Aktenzeichen, a closed Akte); German message."""


def spool_root() -> Path:
    return Path(settings.DMS_SPOOL_DIR)


def _safe_name(raw: str, taken: set[str]) -> str:
    """The base name of an uploaded file (no folders, no leading dot), unique within the batch."""
    name = PurePosixPath(str(raw).replace("\\", "/")).name.strip().lstrip(".") or "Datei"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    taken.add(candidate.lower())
    return candidate


def _write(target: Path, content) -> int:
    """Write bytes, a Django UploadedFile (`chunks()`) or a binary file object to target; returns the size."""
    written = 0
    with open(target, "wb") as out:
        if isinstance(content, bytes | bytearray | memoryview):
            out.write(content)
            return len(content)
        if hasattr(content, "chunks"):
            for chunk in content.chunks():
                out.write(chunk)
                written += len(chunk)
            return written
        while chunk := content.read(CHUNK):
            out.write(chunk)
            written += len(chunk)
    return written


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _aktenzeichen(akte, *, into_closed: bool = False) -> str:
    """The Aktenzeichen of an Akte object or string; a closed Akte or one in a disposal run is refused at once."""
    from .writer import akte_refusal

    if akte is None or akte == "":
        return ""
    if hasattr(akte, "aktenzeichen"):
        az = akte.aktenzeichen
    else:
        try:
            az = str(Aktenzeichen.parse(str(akte)))
        except AktenzeichenError as exc:
            raise SubmitError(f"Aktenzeichen {str(akte)!r} ist ungültig: {exc}") from None
    reason = akte_refusal(az, into_closed=into_closed)
    if reason:
        raise SubmitError(reason)
    return az


def batch_submit(
    *,
    files: list[tuple[str, object]],
    by,
    akte=None,
    manifest: bytes | None = None,
    source_label: str = "Upload",
    department: str | None = None,
    into_closed: bool = False,
) -> IngestBatch:
    """Spool the files (and the manifest CSV), create the batch (`wartet`) and hand it to the background worker;
    returns at once. A single ZIP is ingested as a ZIP (manifest rows name its members); several files are one
    folder. Refused as a whole (SubmitError, German) without files or with a bad/closed target Akte (a closed one
    only with into_closed: legacy documents into a Bestandsakte, audited)."""
    if not files:
        raise SubmitError("Keine Datei ausgewählt: bitte mindestens eine Datei (PDF, TIFF, PNG, JPEG oder ZIP) wählen.")
    az = _aktenzeichen(akte, into_closed=into_closed)
    token = uuid.uuid4().hex
    root = spool_root() / token
    folder = root / "files"
    folder.mkdir(parents=True)
    taken: set[str] = set()
    stored = []
    for raw_name, content in files:
        problem = name_problem(str(raw_name))
        name = _safe_name(escaped(str(raw_name)) if problem else raw_name, taken)
        size = _write(folder / name, content)
        stored.append({"name": name, "size": size})
    manifest_path = None
    if manifest:
        manifest_path = folder / MANIFEST_NAME
        manifest_path.write_bytes(manifest)
    path = folder
    if len(stored) == 1 and _is_zip(folder / stored[0]["name"]):
        path = folder / stored[0]["name"]
    path = path.resolve()
    fingerprint = run_fingerprint(
        path, manifest_path.resolve() if manifest_path else None, az, department, into_closed=into_closed
    )
    with transaction.atomic():
        batch = IngestBatch.objects.create(
            path=str(path),
            manifest=str(manifest_path.resolve()) if manifest_path else "",
            akte=az,
            department=department or "",
            fingerprint=fingerprint,
            operator=by,
            machine=machine(),
            state=IngestBatch.State.QUEUED,
            source_label=source_label[:100],
            background=True,
            into_closed=into_closed,
            spool=str(root),
        )
        audit_record(
            actor=by,
            action="ingest.submit",
            obj=batch,
            after={
                "source": source_label,
                "files": stored,
                "manifest": bool(manifest),
                "akte": az or None,
                **({"into_closed": True} if into_closed else {}),
            },
        )
        transaction.on_commit(lambda: dispatch(batch.pk))
    return batch


def dispatch(batch_id: int) -> None:
    """Hand a committed batch to whoever runs batches: a Celery task with DMS_BROKER_URL, else the local ingest
    worker (started unless one is running; DMS_INGEST_AUTOSTART=0 leaves that to `make run` / an operator)."""
    if settings.DMS_BROKER_URL:
        from .tasks import run_batch

        run_batch.delay(batch_id)
    elif settings.DMS_INGEST_AUTOSTART and not worker_running():
        worker_spawn()


def worker_running() -> bool:
    """A worker holds the worker lock (it picks new batches up itself: no process to start)."""
    import fcntl

    path = spool_root() / ".worker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def worker_spawn() -> subprocess.Popen:
    """Start `manage.py ingest_worker --until-idle` detached from the web process (own session: it survives the
    request and a restart of the web server). A second worker exits at once while one holds the worker lock;
    the running one picks the new batch up."""
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    return spawn_detached([manage, "ingest_worker", "--until-idle"], log=spool_root() / "worker.log")
