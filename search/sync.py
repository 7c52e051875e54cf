"""Keeping the index and the database in step: reindex (resumable, generation swap) and drift checks."""
from .models import ReindexCatchup, ReindexRun


def reindex_note_changes(*, document_ids) -> None:
    """While a rebuild is under way, remember documents changed in the live index so the new one re-reads them."""
    run = ReindexRun.objects.filter(finished_at__isnull=True).first()
    if run is None or not document_ids:
        return
    ReindexCatchup.objects.bulk_create(
        [ReindexCatchup(run=run, document_id=d) for d in document_ids], ignore_conflicts=True, batch_size=1000
    )
