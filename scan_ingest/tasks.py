"""Celery tasks (used when DMS_BROKER_URL is set): the page stages (no database access) and a submitted batch."""

from celery import shared_task

from .stages import process_page as _process_page
from .stages.types import PageTask


@shared_task(name="scan_ingest.tasks.process_page", acks_late=True)
def process_page(task: dict) -> dict:
    """One page through every stage; the page PDF goes to the shared ingest area, the result comes back."""
    return _process_page(PageTask.from_json(task)).to_json()


@shared_task(name="scan_ingest.tasks.run_batch", acks_late=True)
def run_batch(batch_id: int) -> str:
    """A submitted batch (scan_ingest.submit) on a Celery worker; its pages go out as process_page tasks, so
    the worker pool needs a second slot (or a second worker) for them."""
    from .models import IngestBatch
    from .runner import batch_run

    batch = IngestBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.state not in (IngestBatch.State.QUEUED, IngestBatch.State.RUNNING):
        return "nothing to do"
    return "done" if batch_run(batch) else "busy"
