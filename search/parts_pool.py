"""Compound parts for a large rebuild, computed in worker processes (docs/architecture.md, "From scanner to search
hit", step 5).

The splitter (search/compounds.py) is pure Python and takes most of a rebuild's CPU, so a rebuild of a large archive
hands each batch's texts to `DMS_INDEX_WORKERS` processes while the main process reads the next batch from the
database and writes the previous one to the index. Small rebuilds and the outbox drain compute parts inline, in the
backend, as before: starting the workers costs about a second each (they load the word list once)."""

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from itertools import chain
from multiprocessing import get_context

from .compounds import index_parts_many, lexicon
from .indexdoc import IndexDoc

PARALLEL_MIN_DOCS = 5_000  # below this a rebuild is done before the workers would have started


def parts_text(doc: IndexDoc) -> str:
    """The text whose compound parts the index holds for a document: its title and its pages."""
    return f"{doc.title}\n{doc.body}"


def _joined(docs: list[IndexDoc], futures: list[Future]) -> list[IndexDoc]:
    parts = chain.from_iterable(f.result() for f in futures)
    return [replace(doc, parts=p) for doc, p in zip(docs, parts, strict=True)]


def with_parts(batches: Iterable[list[IndexDoc]], *, workers: int) -> Iterator[list[IndexDoc]]:
    """The batches again, each document with its `parts` filled in by `workers` processes, one batch ahead of the
    caller. With fewer than two workers the batches pass through unchanged (the backend computes the parts)."""
    if workers < 2:
        yield from batches
        return
    # forkserver: the workers start from a clean interpreter, not from a copy of this process with its database
    # connection and the index writer's threads.
    pool = ProcessPoolExecutor(workers, mp_context=get_context("forkserver"), initializer=lexicon)
    try:
        pending = None
        for docs in batches:
            texts = [parts_text(doc) for doc in docs]
            step = -(-len(texts) // workers) or 1
            futures = [pool.submit(index_parts_many, texts[i : i + step]) for i in range(0, len(texts), step)]
            if pending is not None:
                yield _joined(*pending)
            pending = (docs, futures)
        if pending is not None:
            yield _joined(*pending)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
