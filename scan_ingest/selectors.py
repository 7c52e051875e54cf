"""Reads for ingest batches: the JSON of `ingest --json` (docs/architecture.md) and the per-batch report."""

from __future__ import annotations

from django.db.models import Count, Q

from akten.models import Page

from .models import IngestBatch, IngestDocument, IngestItem

ERROR_KEY_PREFIX = "!"  # items that are only a refusal (unsafe ZIP member, bad manifest row)
UNFINISHED = (
    "nicht fertig: der Lauf endete, bevor diese Datei fertig war; denselben Stapel erneut starten, um fortzusetzen"
)
INTERRUPTED_STORING = (
    "beim Speichern unterbrochen; nichts davon ist sichtbar; denselben Stapel erneut starten, um es zu speichern"
)


def _doc_entry(item: IngestItem, doc: IngestDocument) -> dict:
    return {
        "id": doc.document_id,
        "source": item.source,
        "source_pages": doc.source_pages or None,
        "aktenzeichen": doc.aktenzeichen or None,
        "title": doc.title or None,
        "department": doc.department or None,
        "pages": doc.pages,
        "sha256": item.sha256 or None,
        "status": doc.status,
        "reason": doc.reason or None,
    }


def batch_result(batch: IngestBatch) -> dict:
    """`{"batch", "documents": [...], "errors": [...]}` as the ingest contract (docs/architecture.md), plus the
    report."""
    documents, errors = [], []
    items = batch.items.prefetch_related("documents").order_by("seq")
    for item in items:
        if item.key.startswith(ERROR_KEY_PREFIX):
            errors.append({"source": item.source, "reason": item.reason})
            continue
        for doc in sorted(item.documents.all(), key=lambda d: (_first_page(d.source_pages), d.pk)):
            entry = _doc_entry(item, doc)
            if doc.status == IngestDocument.Status.STORING:  # never silently dropped: reported until redone
                entry.update(id=None, status="error", reason=INTERRUPTED_STORING)
            documents.append(entry)
            if entry["status"] == IngestDocument.Status.ERROR:
                label = f"{item.source} (Seiten {doc.source_pages})" if doc.source_pages else item.source
                errors.append(
                    {
                        "source": item.source,
                        "reason": entry["reason"] if not doc.source_pages else f"{label}: {entry['reason']}",
                    }
                )
        if item.state == IngestItem.State.DONE:
            continue
        reason = item.reason if item.state == IngestItem.State.ERROR else UNFINISHED
        documents.append(
            {
                "id": None,
                "source": item.source,
                "source_pages": None,
                "aktenzeichen": None,
                "title": None,
                "department": None,
                "pages": item.pages,
                "sha256": item.sha256 or None,
                "status": "error",
                "reason": reason,
            }
        )
        errors.append({"source": item.source, "reason": reason})
    return {"batch": batch.pk, "documents": documents, "errors": errors, "report": batch.report or batch_report(batch)}


def _first_page(source_pages: str) -> int:
    head = (source_pages or "0").split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def batch_report(batch: IngestBatch, *, pages_per_minute: float | None = None) -> dict:
    """Counts, duplicates, errors and QA flags of a batch."""
    docs = IngestDocument.objects.filter(item__batch=batch)
    counts = docs.aggregate(
        stored=Count("id", filter=Q(status=IngestDocument.Status.STORED)),
        duplicate=Count("id", filter=Q(status=IngestDocument.Status.DUPLICATE)),
        error=Count("id", filter=Q(status=IngestDocument.Status.ERROR)),
        storing=Count("id", filter=Q(status=IngestDocument.Status.STORING)),
    )
    items = batch.items.exclude(key__startswith=ERROR_KEY_PREFIX)
    refused = batch.items.filter(key__startswith=ERROR_KEY_PREFIX).count()
    stored_ids = docs.filter(status=IngestDocument.Status.STORED).values("document_id")
    pages = Page.objects.filter(version__document_id__in=stored_ids, version__number=1)
    review = docs.filter(status=IngestDocument.Status.STORED, qa_state="needs_review")
    duration = (batch.finished_at - batch.started_at).total_seconds() if batch.finished_at else None
    return {
        "sources": items.count(),
        "sources_failed": items.filter(state=IngestItem.State.ERROR).count(),
        "sources_unfinished": items.filter(state=IngestItem.State.PENDING).count(),
        "refused": refused,
        "documents": counts,
        "pages_stored": pages.count(),
        "blank_pages": pages.filter(blank=True).count(),
        "needs_review": [
            {
                "id": d.document_id,
                "source": d.item.source,
                "source_pages": d.source_pages or None,
                "mean_confidence": d.mean_confidence,
                "reasons": d.review_reasons,
            }
            for d in review.select_related("item")
        ]
        + [
            {
                "id": None,
                "source": item.source,
                "source_pages": ",".join(map(str, item.skipped_blank_pages)),
                "mean_confidence": None,
                "reasons": [
                    f"Seite {n}: leerer Teil zwischen Trennblättern, in keinem Dokument (im Original erhalten)"
                    for n in item.skipped_blank_pages
                ],
            }
            for item in items
            if item.skipped_blank_pages
        ],
        "errors": counts["error"] + counts["storing"] + items.exclude(state=IngestItem.State.DONE).count() + refused,
        "runs": batch.runs,
        "seconds": round(duration, 1) if duration is not None else None,
        "pages_per_minute": pages_per_minute,
    }


def review_queue(*, user):
    """Stored ingest documents that need a person's look and were not accepted yet, newest first: flagged by the
    QA (pages left out as blank, low OCR confidence, no pages, an XFA form, a rendition that is not PDF/A;
    `review_reasons`) or with hints (pages turned or straightened, split from a batch scan, a title that is only
    the file name; `review_hints`); only documents the user may see (akten.access, the one access rule). What
    the scanning team's review queue (Prüfung) lists; index ingest_doc_review_queue."""
    from akten.access import documents_visible

    return (
        IngestDocument.objects.filter(
            review_open=True,
            status=IngestDocument.Status.STORED,
            document__in=documents_visible(user).filter(merged_into__isnull=True),
        )
        .select_related("item__batch", "document__akte")
        .order_by("-pk")
    )


STATE_BADGES = {  # state -> (word, badge kind of templates/includes/badge.html)
    IngestBatch.State.QUEUED: ("wartet", "open"),
    IngestBatch.State.RUNNING: ("läuft", "run"),
    IngestBatch.State.DONE: ("fertig", "done"),
    IngestBatch.State.FAILED: ("mit Fehlern", "error"),
}


def batch_progress(batch: IngestBatch, *, now=None) -> dict:
    """What the batches page shows and polls: state word and badge kind ("mit Fehlern" also for a finished batch
    with refused files), pages done / total, percent, and the time left estimated from this run's rate."""
    from django.utils import timezone

    state = batch.state
    errors = (batch.report or {}).get("errors") or (1 if batch.failure else 0)
    if state == IngestBatch.State.DONE and errors:
        state = IngestBatch.State.FAILED
    word, kind = STATE_BADGES.get(state, (state, ""))
    done, total = batch.pages_done or 0, batch.pages_total
    if batch.state == IngestBatch.State.DONE and total is not None:
        done = total
    seconds_left = None
    if batch.state == IngestBatch.State.RUNNING and total and done and batch.run_started_at:
        elapsed = ((now or timezone.now()) - batch.run_started_at).total_seconds()
        if elapsed > 0:
            seconds_left = max(0, round(elapsed / done * (total - done)))
    return {
        "state": state,
        "word": word,
        "kind": kind,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else (100 if batch.state == IngestBatch.State.DONE else 0),
        "seconds_left": seconds_left,
        "errors": errors,
        "active": batch.state in (IngestBatch.State.QUEUED, IngestBatch.State.RUNNING),
    }


# -- the Scanstelle workspace (web/scan) ---------------------------------------------------------------------


def batches_for(user, *, state: str = ""):
    """Batches the user may list, newest first: a scan operator their own (index ingest_batch_operator_id), an
    admin every batch. `state` filters as the badge says: `failed` ("mit Fehlern") also finds finished batches
    with refused files, `done` ("fertig") only those without."""
    from akten.access import may_administer

    batches = IngestBatch.objects.select_related("operator").order_by("-id")
    if not may_administer(user):
        batches = batches.filter(operator=user)
    failed = Q(state=IngestBatch.State.FAILED) | Q(state=IngestBatch.State.DONE, report__errors__gt=0)
    if state == IngestBatch.State.FAILED:  # "mit Fehlern", as the badge says: also finished with refused files
        batches = batches.filter(failed)
    elif state == IngestBatch.State.DONE:
        batches = batches.filter(state=state).exclude(failed)
    elif state in IngestBatch.State.values:
        batches = batches.filter(state=state)
    return batches


def batch_for(user, pk: int) -> IngestBatch | None:
    """One batch the user may see (their own; admins any), or None."""
    return batches_for(user).filter(pk=pk).first()


OUTCOME_WORDS = {"stored": "gespeichert", "duplicate": "Duplikat", "error": "abgelehnt", "pending": "in Arbeit"}


def batch_files(batch: IngestBatch, *, user) -> list[dict]:
    """Per source file of a batch: its outcome in German and its documents; a document link only where the user
    may see the document (a duplicate may be someone else's)."""
    from akten.access import documents_visible

    rows, doc_ids = [], set()
    items = batch.items.prefetch_related("documents").order_by("seq")
    for item in items:
        docs = sorted(item.documents.all(), key=lambda d: (_first_page(d.source_pages), d.pk))
        doc_ids.update(d.document_id for d in docs if d.document_id)
        entries = [
            {
                "id": d.document_id,
                "title": d.title,
                "pages": d.source_pages,
                "aktenzeichen": d.aktenzeichen,
                "status": "error" if d.status == IngestDocument.Status.STORING else d.status,
                "word": OUTCOME_WORDS.get(d.status, d.status),
                "reason": INTERRUPTED_STORING if d.status == IngestDocument.Status.STORING else d.reason,
                "review": d.qa_state == "needs_review",
            }
            for d in docs
        ]
        if item.state == IngestItem.State.ERROR:
            outcome = "error"
        elif item.state == IngestItem.State.PENDING:
            outcome = "pending"
        elif entries and all(e["status"] == "duplicate" for e in entries):
            outcome = "duplicate"
        elif any(e["status"] == "error" for e in entries):
            outcome = "error"
        else:
            outcome = "stored"
        rows.append(
            {
                "source": item.source,
                "pages": item.pages,
                "outcome": outcome,
                "word": OUTCOME_WORDS[outcome],
                "reason": item.reason,
                "documents": entries,
            }
        )
    visible = (
        dict(documents_visible(user).filter(pk__in=doc_ids).values_list("pk", "merged_into_id")) if doc_ids else {}
    )
    for row in rows:
        for entry in row["documents"]:
            entry["visible"] = entry["id"] in visible
            entry["merged_into"] = visible.get(entry["id"])  # merged into that document in the review
    return rows


def review_entry(*, user, document_id: int) -> IngestDocument | None:
    """The ingest record of a document the user may see, for the review page; None (a 404) otherwise."""
    from akten.access import documents_visible

    return (
        IngestDocument.objects.filter(document_id=document_id, document__in=documents_visible(user))
        .select_related("item__batch", "document__akte", "reviewed_by")
        .order_by("-pk")
        .first()
    )
