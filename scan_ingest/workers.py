"""Where page work runs: a local process pool (default, one process per core, OMP_THREAD_LIMIT=1; with one
worker the pages run in this process), or Celery
workers when DMS_BROKER_URL is set. Both take PageTasks and yield (task, PageResult) as pages finish; the
caller (the one writer) stores. Workers write page PDFs into the ingest area, which they must share."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from .stages import process_page
from .stages.types import PageResult, PageTask

TASK_NAME = "scan_ingest.tasks.process_page"


def _worker_init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


class InlineExecutor:
    """One worker: pages run in this process, one after another (no pool to start)."""

    def run(self, tasks: Iterable[PageTask]) -> Iterator[tuple[PageTask, PageResult]]:
        for task in tasks:
            yield task, process_page(task)

    def close(self) -> None:
        pass


class LocalExecutor:
    """A pool of spawned processes (no inherited database connections); a dead worker fails only its pages."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.window = self.workers * 2
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
        )

    def run(self, tasks: Iterable[PageTask]) -> Iterator[tuple[PageTask, PageResult]]:
        pending: dict[Future, PageTask] = {}
        source = iter(tasks)
        while True:
            for task in islice(source, max(0, self.window - len(pending))):
                pending[self._pool.submit(process_page, task)] = task
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    yield task, future.result()
                except BrokenProcessPool:
                    yield (
                        task,
                        PageResult(
                            index=task.index, error=f"page {task.index + 1}: the worker process died (out of memory?)"
                        ),
                    )
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
                    for other in list(pending):
                        retry = pending.pop(other)
                        pending[self._pool.submit(process_page, retry)] = retry

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class CeleryExecutor:
    """The same stages as Celery tasks on the broker's workers; results come back through the result backend."""

    def __init__(self, broker_url: str, window: int, queue: str, timeout: float = 3600):
        from celery import Celery

        self.app = Celery("eakte-ingest-client", broker=broker_url, backend=broker_url)
        self.app.conf.update(
            task_serializer="json",
            result_serializer="json",
            accept_content=["json"],
            broker_connection_retry_on_startup=True,
        )
        self.window, self.queue, self.timeout = max(1, window), queue, timeout

    def run(self, tasks: Iterable[PageTask]) -> Iterator[tuple[PageTask, PageResult]]:
        pending: list[tuple[PageTask, object, float]] = []
        source = iter(tasks)
        while True:
            for task in islice(source, max(0, self.window - len(pending))):
                async_result = self.app.send_task(TASK_NAME, args=[task.to_json()], queue=self.queue)
                pending.append((task, async_result, time.monotonic()))
            if not pending:
                return
            still = []
            for task, async_result, sent in pending:
                if async_result.ready():
                    yield task, self._result(task, async_result)
                elif time.monotonic() - sent > self.timeout:
                    async_result.revoke()
                    yield (
                        task,
                        PageResult(
                            index=task.index,
                            error=f"page {task.index + 1}: no Celery worker answered within {self.timeout:.0f} s",
                        ),
                    )
                else:
                    still.append((task, async_result, sent))
            if len(still) == len(pending):
                time.sleep(0.05)
            pending = still

    @staticmethod
    def _result(task: PageTask, async_result) -> PageResult:
        try:
            value = async_result.get(propagate=True, disable_sync_subtasks=False)
            return PageResult.from_json(value)
        except Exception as exc:
            return PageResult(index=task.index, error=f"page {task.index + 1}: Celery task failed: {exc}")
        finally:
            async_result.forget()

    def close(self) -> None:
        self.app.close()


def executor_for(workers: int | None):
    """Celery when DMS_BROKER_URL is set, else the local pool with `workers` processes (default: cores)."""
    from django.conf import settings

    workers = workers or os.cpu_count() or 1
    if settings.DMS_BROKER_URL:
        return CeleryExecutor(
            settings.DMS_BROKER_URL,
            window=workers * 2,
            queue=settings.DMS_INGEST_QUEUE,
            timeout=settings.DMS_INGEST_TASK_TIMEOUT,
        )
    return InlineExecutor() if workers == 1 else LocalExecutor(workers)
