"""Enqueue index changes. Call inside the transaction that makes the change (docs/architecture.md, "Where each rule
lives": outbox)."""

from collections.abc import Iterable

from .models import OutboxEntry


def outbox_enqueue(*, document_ids: Iterable[int], op: str = OutboxEntry.Op.UPSERT) -> int:
    rows = [OutboxEntry(document_id=doc_id, op=op) for doc_id in document_ids]
    OutboxEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
