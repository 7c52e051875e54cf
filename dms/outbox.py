"""Enqueue index changes, and the index port. Call `outbox_enqueue` inside the transaction that makes the change
(docs/architecture.md, "Where each rule lives": outbox). The kernel holds the outbox so every layer may enqueue; the
search app drains it.

The index port lets lower layers ask the index for the two things that cannot wait for the indexer, without
importing the search app: remove documents at once (Aussonderung: a destroyed document is never found while the
indexer lags) and drain the outbox now (`ingest`: new documents are searchable when the command returns). The
search app registers its implementation when it is ready (`search.apps.SearchConfig.ready`); without one (search
not installed) both are no-ops and the outbox rows stay for an indexer."""

from collections.abc import Callable, Iterable

from .models import OutboxEntry

_index_port: dict[str, Callable] = {}


def outbox_enqueue(*, document_ids: Iterable[int], op: str = OutboxEntry.Op.UPSERT) -> int:
    rows = [OutboxEntry(document_id=doc_id, op=op) for doc_id in document_ids]
    OutboxEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def index_port_register(*, remove_documents: Callable, drain: Callable) -> None:
    """The search app's implementation: `remove_documents(document_ids=[...])`, `drain() -> rows applied`."""
    _index_port.update(remove_documents=remove_documents, drain=drain)


def index_remove_now(*, document_ids: Iterable[int]) -> bool:
    """Remove documents from the index at once (besides the outbox delete rows); False when no index is registered."""
    remove = _index_port.get("remove_documents")
    if remove is None:
        return False
    remove(document_ids=list(document_ids))
    return True


def index_drain() -> int | None:
    """Apply the pending outbox rows now; None when no index is registered."""
    drain = _index_port.get("drain")
    return None if drain is None else drain()
