"""Keeping the index and the database in step: reindex (resumable, bounded memory, generation swap) and the
drift check behind `search_check`."""

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akten.models import Document
from dms.models import OutboxEntry

from .backends import get_backend
from .indexdoc import index_docs_for, iter_index_docs
from .models import ReindexCatchup, ReindexRun
from .parts_pool import PARALLEL_MIN_DOCS, with_parts

DRIFT_LIST_LIMIT = 1000


def reindex_note_changes(*, document_ids) -> None:
    """While a rebuild is under way, remember documents changed in the live index so the new one re-reads them.
    Call before writing to the live index: it waits while a rebuild is swapping generations."""
    if not document_ids:
        return
    with transaction.atomic():
        run = ReindexRun.objects.select_for_update().filter(finished_at__isnull=True).first()
        if run is not None:
            ReindexCatchup.objects.bulk_create(
                [ReindexCatchup(run=run, document_id=d) for d in document_ids],
                ignore_conflicts=True,
                batch_size=1000,
            )


def _catch_up(backend, run: ReindexRun, batch_size: int) -> int:
    done = 0
    while True:
        rows = list(ReindexCatchup.objects.filter(run=run).order_by("id")[:batch_size])
        if not rows:
            return done
        ids = [r.document_id for r in rows]
        docs = index_docs_for(ids)
        backend.rebuild_write(run.generation, docs)
        backend.rebuild_remove(run.generation, set(ids) - {d.document_id for d in docs})
        backend.rebuild_commit(run.generation)
        ReindexCatchup.objects.filter(pk__in=[r.pk for r in rows]).delete()
        done += len(ids)


def search_reindex(
    *,
    batch_size: int = 1000,
    commit_every: int = 20_000,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    total_hint: Callable[[int], None] | None = None,
    stop_after: int | None = None,
) -> dict:
    """Rebuild the whole index into a new generation and swap it in. An interrupted run resumes after the last
    commit (every `commit_every` documents: each commit waits for the indexing threads, so rarer commits keep
    them busy while the next batch is read); documents changed meanwhile in the live index are re-read before
    the swap.
    `stop_after` (documents) interrupts on purpose, as a crash would (tests)."""
    backend = get_backend()
    started = time.monotonic()
    run = ReindexRun.objects.filter(finished_at__isnull=True).first()
    if run is not None and restart:
        backend.rebuild_abandon(run.generation)
        run.delete()
        run = None
    resumed = run is not None
    if run is None:
        run = ReindexRun.objects.create(generation=f"gen-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}")
    backend.rebuild_begin(generation=run.generation)
    try:
        result = _rebuild(backend, run, batch_size, commit_every, progress, total_hint, stop_after)
    except BaseException:
        backend.rebuild_suspend(run.generation)
        raise
    result.update(resumed=resumed, seconds=round(time.monotonic() - started, 2))
    return result


def _checkpoint(backend, run: ReindexRun, last_id: int, count: int) -> None:
    """Commit the generation, then record where a resume continues."""
    backend.rebuild_commit(run.generation)
    run.last_document_id, run.indexed = last_id, run.indexed + count
    ReindexRun.objects.filter(pk=run.pk).update(last_document_id=run.last_document_id, indexed=run.indexed)


def _rebuild(backend, run: ReindexRun, batch_size: int, commit_every: int, progress, total_hint, stop_after) -> dict:
    remaining = Document.objects.filter(pk__gt=run.last_document_id).count()
    if total_hint:
        total_hint(remaining)
    written = uncommitted = 0
    last_id = run.last_document_id
    workers = settings.DMS_INDEX_WORKERS if remaining >= PARALLEL_MIN_DOCS else 1
    batches = with_parts(iter_index_docs(after_id=run.last_document_id, batch_size=batch_size), workers=workers)
    with closing(batches):  # an early return stops the workers at once
        for docs in batches:
            if stop_after is not None and written >= stop_after:
                backend.rebuild_suspend(run.generation)  # as a crash would: what was not committed is lost
                return {"generation": run.generation, "indexed": run.indexed, "finished": False}
            backend.rebuild_write(run.generation, docs)
            written += len(docs)
            uncommitted += len(docs)
            last_id = docs[-1].document_id
            if uncommitted >= commit_every:
                _checkpoint(backend, run, last_id, uncommitted)
                uncommitted = 0
            if progress:
                progress(len(docs))
    _checkpoint(backend, run, last_id, uncommitted)
    _catch_up(backend, run, batch_size)
    with transaction.atomic():
        run = ReindexRun.objects.select_for_update().get(pk=run.pk)  # drains wait until the swap is done
        caught_up = _catch_up(backend, run, batch_size)
        backend.rebuild_finish(run.generation)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return {"generation": run.generation, "indexed": run.indexed, "caught_up": caught_up, "finished": True}


def _db_stamps(batch_size: int) -> Iterator[tuple[int, int]]:
    for docs in iter_index_docs(batch_size=batch_size):
        for d in docs:
            yield d.document_id, d.stamp


def search_check(*, batch_size: int = 1000) -> dict:
    """Drift between database and index: `missing` (in the database, not indexed), `stale` (indexed content differs
    from what the database would index now), `orphan` (indexed, gone from the database). Documents with pending
    outbox rows are counted as `pending`, not as drift. Both sides are walked in id order (bounded memory)."""
    pending = set(OutboxEntry.objects.values_list("document_id", flat=True).distinct())
    report = {"documents": 0, "indexed": 0, "missing": [], "stale": [], "orphan": [], "pending": len(pending)}
    counts = {"missing": 0, "stale": 0, "orphan": 0}

    def note(kind, doc_id):
        if doc_id in pending:
            return
        counts[kind] += 1
        if len(report[kind]) < DRIFT_LIST_LIMIT:
            report[kind].append(doc_id)

    db, ix = _db_stamps(batch_size), get_backend().stamps(batch_size=batch_size * 5)
    a, b = next(db, None), next(ix, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            report["documents"] += 1
            note("missing", a[0])
            a = next(db, None)
        elif a is None or b[0] < a[0]:
            report["indexed"] += 1
            note("orphan", b[0])
            b = next(ix, None)
        else:
            report["documents"] += 1
            report["indexed"] += 1
            if a[1] != b[1]:
                note("stale", a[0])
            a, b = next(db, None), next(ix, None)
    report.update({f"{k}_count": v for k, v in counts.items()})
    report["ok"] = not any(counts.values())
    return report


def search_repair(report: dict) -> int:
    """Enqueue every drifting document the check listed, for the indexer to fix; returns how many."""
    from dms.outbox import outbox_enqueue

    ids = report["missing"] + report["stale"] + report["orphan"]
    with transaction.atomic():
        return outbox_enqueue(document_ids=ids)
