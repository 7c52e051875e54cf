"""`ingest_run`: bulk ingest of a folder, file or ZIP (docs/architecture.md, `ingest`). Pages are worked on in parallel
(process pool or Celery); this process is the one writer for database and object store. Idempotent: a file
already in its Akte is a `duplicate`; an interrupted batch resumes where it stopped."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from dms.models import Department
from dms.storage.base import sha256_of_file

from .errors import IngestError
from .models import IngestBatch, IngestDocument, IngestItem
from .pipeline import plan_documents
from .scan_record import machine
from .selectors import ERROR_KEY_PREFIX, batch_report, batch_result
from .sources import SourceFile, ZipLimits, collect_sources
from .stages import load_result
from .stages.decode import probe
from .stages.types import PageResult, PageTask, PipelineConfig
from .workers import executor_for
from .writer import ItemContext, document_write, objects_discard


class IngestRunError(Exception):
    """The run cannot start (no such path, unknown department, unreadable manifest); nothing was written."""


def pipeline_config(*, force_ocr: bool = False) -> PipelineConfig:
    return PipelineConfig(
        lang=settings.DMS_OCR_LANG,
        max_pixels=settings.DMS_MAX_IMAGE_PIXELS,
        render_dpi=settings.DMS_INGEST_RENDER_DPI,
        osd_below_confidence=settings.DMS_OCR_OSD_BELOW,
        force_ocr=force_ocr,
    )


def ingest_area() -> Path:
    return Path(settings.DMS_INGEST_DIR)


def zip_limits() -> ZipLimits:
    return ZipLimits(
        max_members=settings.DMS_ZIP_MAX_MEMBERS,
        max_total_bytes=settings.DMS_ZIP_MAX_BYTES,
        max_ratio=settings.DMS_ZIP_MAX_RATIO,
    )


@dataclass
class _Work:
    """In-memory state of one item while its pages are processed."""

    item: IngestItem
    file: SourceFile
    format: str
    out_dir: Path
    results: dict[int, PageResult] = field(default_factory=dict)
    error: str | None = None
    notes: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    received: int = 0
    started: datetime = field(default_factory=timezone.now)

    @property
    def complete(self) -> bool:
        return self.received >= (self.item.pages or 0)


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def run_fingerprint(path, manifest, akte, department, *, force_ocr: bool = False, into_closed: bool = False) -> str:
    """What identifies a run: an unfinished batch with the same fingerprint is resumed (resolved paths)."""
    parts = [str(path), str(manifest or ""), akte or "", department or ""] + (["force-ocr"] if force_ocr else [])
    parts += ["into-closed"] if into_closed else []
    return _fingerprint(*parts)


def _validate(path, manifest, akte, department, user):
    path = Path(path).resolve()
    if not path.exists():
        raise IngestRunError(f"{path}: Datei oder Ordner nicht gefunden")
    manifest = Path(manifest).resolve() if manifest else None
    if manifest is not None and not manifest.is_file():
        raise IngestRunError(f"Manifest {manifest}: Datei nicht gefunden")
    dept = None
    if department:
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            raise IngestRunError(
                f"unbekannte Organisationseinheit {department!r} (--department erwartet ein Kürzel, z. B. 63)"
            )
    if akte:
        try:
            akte = str(Aktenzeichen.parse(akte))
        except AktenzeichenError as exc:
            raise IngestRunError(f"--akte: {exc}") from None
    if isinstance(user, str):
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            raise IngestRunError(f"unbekannter Benutzer {user!r}")
        user = found
    return path, manifest, akte or None, dept, user


def ingest_run(
    *,
    path,
    manifest=None,
    akte: str | None = None,
    department: str | None = None,
    workers: int | None = None,
    user=None,
    force_ocr: bool = False,
    into_closed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Ingest PATH; returns the JSON of the command-line contract (`batch`, `documents`, `errors`) plus
    `report`. With force_ocr every page is OCR'd, also those that carry a text layer. A closed (z.d.A.) Akte
    takes documents only with into_closed (legacy documents into a Bestandsakte; audited per document)."""
    path, manifest, akte, dept, user = _validate(path, manifest, akte, department, user)
    fingerprint = run_fingerprint(path, manifest, akte, department, force_ocr=force_ocr, into_closed=into_closed)
    area = ingest_area() / f"run-{fingerprint[:16]}"
    area.mkdir(parents=True, exist_ok=True)
    with open(area / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestRunError(f"{path} wird gerade von einem anderen Prozess eingelesen") from None
        return _ingest_locked(
            path, manifest, akte, dept, department, user, workers, progress, fingerprint, area, force_ocr, into_closed
        )


def _ingest_locked(
    path,
    manifest,
    akte,
    dept,
    department,
    user,
    workers,
    progress,
    fingerprint,
    area,
    force_ocr=False,
    into_closed=False,
) -> dict:
    """The run itself, while this process holds the ingest area's lock (released by the OS even on kill -9)."""
    try:
        plan = collect_sources(path, manifest, area, zip_limits())
    except IngestError as exc:
        raise IngestRunError(exc.reason) from None
    batch = (
        IngestBatch.objects.filter(
            fingerprint=fingerprint, state__in=(IngestBatch.State.QUEUED, IngestBatch.State.RUNNING)
        )
        .order_by("pk")
        .first()
    )
    if batch is None:
        batch = IngestBatch.objects.create(
            path=str(path),
            manifest=str(manifest or ""),
            akte=akte or "",
            department=department or "",
            fingerprint=fingerprint,
            operator=user,
            machine=machine(),
        )
    batch.runs += 1
    batch.state, batch.run_started_at, batch.pages_done = IngestBatch.State.RUNNING, timezone.now(), 0
    batch.save(update_fields=["runs", "state", "run_started_at", "pages_done"])
    _discard_unfinished(batch)
    run = _Run(
        batch=batch,
        akte=akte,
        dept=dept,
        user=user,
        area=area,
        config=pipeline_config(force_ocr=force_ocr),
        progress=progress,
        into_closed=into_closed,
    )
    run.execute(plan, workers)
    akten_history(batch, [f.row for f in plan.files if f.row], user)
    batch.state, batch.finished_at = IngestBatch.State.DONE, timezone.now()
    batch.save(update_fields=["state", "finished_at"])
    batch.report = batch_report(batch, pages_per_minute=run.pages_per_minute())
    batch.save(update_fields=["report"])
    shutil.rmtree(area, ignore_errors=True)
    return batch_result(batch)


def akten_history(batch: IngestBatch, rows: list, user) -> list[str]:
    """Bestandsakten keep their history: an Akte this batch created takes its Laufzeit from the manifest (Laufzeit
    von) or else its earliest document date, and a manifest z.d.A. date (else Laufzeit bis) closes it with that
    date, so its retention is computed from the real date. Akten that existed before the batch are not touched.
    Returns what could not be done (German), also recorded as the batch's errors in the report."""
    from django.db.models import Min

    from akten.models import Akte, AkteState
    from akten.services import AkteError, akte_close, akte_update

    by_az: dict[str, dict] = {}
    for row in rows:
        if not row.aktenzeichen:
            continue
        info = by_az.setdefault(row.aktenzeichen, {"opened": None, "close": None})
        if row.opened:
            info["opened"] = min(filter(None, (info["opened"], row.opened)))
        close = row.zda or row.until
        if close:
            info["close"] = max(filter(None, (info["close"], close)))
    stored = IngestDocument.objects.filter(item__batch=batch, status=IngestDocument.Status.STORED)
    akten = Akte.objects.filter(
        pk__in=stored.values("document__akte"), created_at__gte=batch.started_at, state=AkteState.OFFEN
    )
    problems = []
    for akte in akten:
        if akte.documents.exclude(created_by=user).exists() and user is not None:
            continue  # documents from elsewhere: not only this batch's Akte
        info = by_az.get(akte.aktenzeichen, {"opened": None, "close": None})
        earliest = akte.documents.aggregate(m=Min("date"))["m"]
        opened = info["opened"] or earliest
        try:
            if opened and opened != akte.opened_on:
                akte = akte_update(akte=akte, by=user, opened_on=opened)
            if info["close"]:
                akte_close(akte=akte, on=info["close"])
        except AkteError as exc:
            problems.append(str(exc))
    if problems:
        batch.failure = "; ".join(problems)[:5000]
        batch.save(update_fields=["failure"])
    return problems


def _discard_unfinished(batch: IngestBatch) -> None:
    """Objects a killed run put for documents whose transaction never committed are removed."""
    for doc in IngestDocument.objects.filter(item__batch=batch, status=IngestDocument.Status.STORING):
        objects_discard(doc.pending_objects)
        doc.pending_objects = []
        doc.save(update_fields=["pending_objects"])


@dataclass
class _Run:
    batch: IngestBatch
    akte: str | None
    dept: Department | None
    user: object
    area: Path
    config: PipelineConfig
    progress: Callable[[int, int], None] | None
    into_closed: bool = False
    total_pages: int = 0
    done_pages: int = 0
    processed_pages: int = 0
    started: float = field(default_factory=time.monotonic)
    _persisted_at: float = 0.0

    def pages_per_minute(self) -> float | None:
        elapsed = time.monotonic() - self.started
        return round(self.processed_pages / elapsed * 60, 1) if self.processed_pages and elapsed > 0 else None

    def _tick(self, n: int = 1) -> None:
        self.done_pages += n
        if self.progress and n:
            self.progress(self.done_pages, self.total_pages)
        self._persist()

    def _persist(self, force: bool = False) -> None:
        """Pages done / total on the batch row, at most once a second: what the batches page polls."""
        now = time.monotonic()
        if not force and now - self._persisted_at < 1.0:
            return
        self._persisted_at = now
        IngestBatch.objects.filter(pk=self.batch.pk).update(
            pages_done=min(self.done_pages, self.total_pages), pages_total=self.total_pages
        )

    # -- planning -------------------------------------------------------------------------------------
    def _items(self, plan) -> list[tuple[IngestItem, SourceFile]]:
        existing = {i.key: i for i in self.batch.items.all()}
        seq = len(existing)
        pairs = []
        for index, (source, reason) in enumerate(plan.errors):
            key = f"{ERROR_KEY_PREFIX}{index}:{source}"[:1100]
            if key not in existing:
                existing[key] = IngestItem.objects.create(
                    batch=self.batch,
                    key=key,
                    seq=seq,
                    source=source[:1000],
                    state=IngestItem.State.ERROR,
                    reason=reason,
                )
                seq += 1
        for file in plan.files:
            item = existing.get(file.key)
            if item is None:
                item = IngestItem.objects.create(
                    batch=self.batch, key=file.key[:1100], seq=seq, source=file.source[:1000]
                )
                seq += 1
            pairs.append((item, file))
        planned = {item.pk for item, _ in pairs}
        for item in existing.values():  # an item of an interrupted run whose file has gone meanwhile
            if item.state == IngestItem.State.PENDING and item.pk not in planned:
                item.state = IngestItem.State.ERROR
                item.reason = (
                    "die Datei war beim Start im Stapel, ist beim Fortsetzen aber nicht mehr da; nicht eingelesen"
                )
                item.save(update_fields=["state", "reason"])
        return pairs

    def _routing(self, file: SourceFile) -> str:
        return _fingerprint(
            self.akte or "", self.dept.code if self.dept else "", file.row.fingerprint() if file.row else None
        )

    def _probe(self, item: IngestItem, file: SourceFile) -> _Work | None:
        try:
            info = probe(str(file.path), self.config.max_pixels)
            item.sha256, item.pages = sha256_of_file(file.path), info.pages
        except IngestError as exc:
            item.state, item.reason = IngestItem.State.ERROR, exc.reason
        except OSError as exc:
            item.state, item.reason = IngestItem.State.ERROR, f"nicht lesbar: {exc.strerror or exc}"
        except Exception as exc:
            item.state, item.reason = IngestItem.State.ERROR, f"nicht lesbar: {type(exc).__name__}: {exc}"
        item.routing = self._routing(file)
        item.save(update_fields=["sha256", "pages", "state", "reason", "routing"])
        if item.state == IngestItem.State.ERROR:
            return None
        return _Work(
            item=item,
            file=file,
            format=info.format,
            out_dir=self.area / f"item-{item.pk}",
            notes=info.notes,
            review=info.review,
        )

    def _shortcut(self, item: IngestItem) -> bool:
        """The same file with the same routing was fully ingested before: its documents are duplicates now,
        without any page work."""
        prior = (
            IngestItem.objects.filter(sha256=item.sha256, routing=item.routing, state=IngestItem.State.DONE)
            .exclude(pk=item.pk)
            .order_by("-pk")
            .first()
        )
        if prior is None:
            return False
        docs = list(prior.documents.select_related("document"))
        if not docs or any(
            d.status not in (IngestDocument.Status.STORED, IngestDocument.Status.DUPLICATE) or d.document is None
            for d in docs
        ):
            return False
        for d in docs:
            IngestDocument.objects.update_or_create(
                item=item,
                source_pages=d.source_pages,
                defaults={
                    "aktenzeichen": d.aktenzeichen,
                    "title": d.title,
                    "pages": d.pages,
                    "department": d.department,
                    "status": IngestDocument.Status.DUPLICATE,
                    "document": d.document,
                    "pending_objects": [],
                    "reason": f"schon in Akte {d.aktenzeichen} als Dokument {d.document_id}",
                },
            )
        item.state = IngestItem.State.DONE
        item.save(update_fields=["state"])
        return True

    # -- execution ------------------------------------------------------------------------------------
    def execute(self, plan, workers: int | None) -> None:
        leaders, followers, seen = [], [], set()
        for item, file in self._items(plan):
            if item.state != IngestItem.State.PENDING:
                continue
            work = self._probe(item, file)
            if work is None or self._shortcut(item):
                continue
            signature = (item.sha256, item.routing)
            (followers if signature in seen else leaders).append(work)
            seen.add(signature)
        self.total_pages = sum(w.item.pages for w in leaders + followers)
        self._persist(force=True)
        self._dispatch(leaders, workers)
        rest = []
        for work in followers:
            if self._shortcut(work.item):
                self._tick(work.item.pages)
            else:
                rest.append(work)
        self._dispatch(rest, workers)
        self._persist(force=True)

    def _dispatch(self, works: list[_Work], workers: int | None) -> None:
        if not works:
            return
        by_dir: dict[str, _Work] = {}
        for work in works:
            work.out_dir.mkdir(parents=True, exist_ok=True)
            by_dir[str(work.out_dir)] = work
            for index in range(work.item.pages):
                cached = load_result(str(work.out_dir), index)
                if cached is not None:
                    work.results[index] = cached
                    work.received += 1
            self._tick(work.received)
        for work in works:
            if work.complete:
                self._finalize(work)

        def tasks():
            for work in works:
                for index in range(work.item.pages):
                    if work.item.state == IngestItem.State.PENDING and work.error is None and index not in work.results:
                        yield PageTask(
                            path=str(work.file.path),
                            kind="pdf" if work.format == "pdf" else "image",
                            index=index,
                            out_dir=str(work.out_dir),
                            config=self.config,
                        )

        executor = executor_for(workers)
        try:
            for task, result in executor.run(tasks()):
                work = by_dir[task.out_dir]
                work.received += 1
                self.processed_pages += 1
                self._tick()
                if result.error:
                    work.error = work.error or result.error
                else:
                    work.results[result.index] = result
                if work.complete:
                    self._finalize(work)
        finally:
            executor.close()
        for work in works:  # pages skipped after an earlier page of the same file failed
            if work.item.state == IngestItem.State.PENDING and work.error:
                self._tick(work.item.pages - work.received)
                self._finalize(work)

    def _finalize(self, work: _Work) -> None:
        """Store the item's documents; whatever goes wrong is that item's error and the batch goes on."""
        try:
            self._store_item(work)
        except Exception as exc:
            work.item.state = IngestItem.State.ERROR
            work.item.reason = f"Speichern fehlgeschlagen: {type(exc).__name__}: {exc}"
            work.item.save(update_fields=["state", "reason"])
            shutil.rmtree(work.out_dir, ignore_errors=True)
            work.results.clear()

    def _store_item(self, work: _Work) -> None:
        item = work.item
        if work.error:
            item.state, item.reason = IngestItem.State.ERROR, work.error
            item.save(update_fields=["state", "reason"])
            shutil.rmtree(work.out_dir, ignore_errors=True)
            return
        row = work.file.row
        title = row.title if row and row.title else Path(work.file.source).stem
        plans, skipped = plan_documents(
            list(work.results.values()),
            aktenzeichen=(row.aktenzeichen if row and row.aktenzeichen else self.akte),
            title=title,
        )
        stat = os.stat(work.file.path)
        ctx = ItemContext(
            batch_id=self.batch.pk,
            item=item,
            source=work.file.source,
            path=work.file.path,
            format=work.format,
            sha256=item.sha256,
            size=stat.st_size,
            mtime=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            row=row,
            department=self.dept,
            user=self.user,
            lang=self.config.lang,
            qa_threshold=settings.DMS_OCR_QA_THRESHOLD,
            work_dir=work.out_dir,
            started=work.started,
            finished=timezone.now(),
            notes=work.notes,
            review=work.review,
            into_closed=self.into_closed,
        )
        for plan in plans:
            document_write(ctx=ctx, plan=plan)
        item.state, item.skipped_blank_pages = IngestItem.State.DONE, skipped
        item.save(update_fields=["state", "skipped_blank_pages"])
        shutil.rmtree(work.out_dir, ignore_errors=True)
        work.results.clear()
