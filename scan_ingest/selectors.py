"""Reads for ingest batches: the JSON of `ingest --json` (docs/architecture.md) and the per-batch report."""

from __future__ import annotations

from django.db.models import Count, Q

from akten.models import Page

from .models import IngestBatch, IngestDocument, IngestItem

ERROR_KEY_PREFIX = "!"  # items that are only a refusal (unsafe ZIP member, bad manifest row)
UNFINISHED = "not finished: the run stopped before this file was done; run the same ingest again to resume"
INTERRUPTED_STORING = "interrupted while storing; nothing of it is visible; run the same ingest again to store it"


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
                    f"page {n}: blank part between separator sheets, in no document (kept in the original)"
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
    """Stored ingest documents flagged for review (pages left out as blank, low OCR confidence, no pages, an XFA
    form, a rendition that is not PDF/A; `review_reasons` says which), newest first; only documents the user
    may see (akten.access, the one access rule). What the scanning team's review queue lists."""
    from akten.access import documents_visible

    return (
        IngestDocument.objects.filter(
            status=IngestDocument.Status.STORED, qa_state="needs_review", document__in=documents_visible(user)
        )
        .select_related("item", "document")
        .order_by("-pk")
    )
