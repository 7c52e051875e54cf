"""Celery task (with DMS_BROKER_URL): drain the outbox on a worker. Thin: the service does the work."""

from celery import shared_task

from .services import outbox_drain


@shared_task(name="search.outbox_drain")
def outbox_drain_task(batch_size: int = 500) -> int:
    return outbox_drain(batch_size=batch_size)
