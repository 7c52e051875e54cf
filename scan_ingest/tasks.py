"""Celery tasks (used when DMS_BROKER_URL is set): thin wrappers over the page stages; no database access."""

from celery import shared_task

from .stages import process_page as _process_page
from .stages.types import PageTask


@shared_task(name="scan_ingest.tasks.process_page", acks_late=True)
def process_page(task: dict) -> dict:
    """One page through every stage; the page PDF goes to the shared ingest area, the result comes back."""
    return _process_page(PageTask.from_json(task)).to_json()
