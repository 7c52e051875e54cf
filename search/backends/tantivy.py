"""Embedded tantivy backend (`tantivy://PATH`). PATH/CURRENT names the live generation directory; `reindex`
builds a new generation beside it and swaps CURRENT atomically. Only one IndexWriter per generation at a time."""

import ctypes
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tantivy as tv

from . import base
from ._tantivy_compile import (
    DE,
    FACET_FIELDS,
    SNIPPET_CHARS,
    Compiler,
    PartFinder,
    build_analyzers,
    build_schema,
    snippet,
    stems_pattern,
    to_document,
)

WRITER_WAIT_SECONDS = 60
M_ARENA_MAX = -8  # glibc mallopt parameter


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


def _limit_malloc_arenas() -> None:
    """Bounded memory for reindex: glibc gives every indexing thread its own malloc arena, and freed segment
    buffers stay in them; two arenas keep the peak RSS within the heap budget plus the merge's file pages."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, 2)


def _release_free_memory() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


FIRST_GENERATION = "gen-initial"


class TantivyBackend(base.SearchBackend):
    name = "tantivy"
    options = frozenset({"heap_mb", "threads", "rebuild_heap_mb", "rebuild_threads"})

    def __init__(
        self,
        *,
        path: str,
        heap_mb: str | int = 50,
        threads: str | int = 1,
        rebuild_heap_mb: str | int = 100,
        rebuild_threads: str | int = 1,
        **options,
    ):
        super().__init__(**options)
        self.root = Path(path)
        self.heap, self.threads = int(heap_mb) * 1_000_000, int(threads)
        self.rebuild_heap, self.rebuild_threads = int(rebuild_heap_mb) * 1_000_000, int(rebuild_threads)
        self.analyzers = build_analyzers()
        self.schema = build_schema()
        self._lock = threading.RLock()
        self._index: tv.Index | None = None
        self._key = None
        self._building: dict[str, tuple[tv.Index, tv.IndexWriter]] = {}
        self._session: dict | None = None  # writer kept open by `writing()`

    # -- generations -----------------------------------------------------------------------------------
    def _current_key(self):
        try:
            st = os.stat(self.root / "CURRENT")
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_ino, st.st_size

    def _open(self, name: str) -> tv.Index:
        """Open (or create) a generation; the analyzers are registered again after every open (tantivy rule)."""
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        try:
            index = tv.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            raise base.SearchError(
                f"tantivy index {path}: {exc} (built by another version? run `manage.py reindex` to rebuild it)"
            ) from exc
        for analyzer_name, analyzer in self.analyzers.items():
            index.register_tokenizer(analyzer_name, analyzer)
        return index

    def _set_current(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name + "\n")
        os.replace(tmp, self.root / "CURRENT")

    def current_generation(self) -> str:
        try:
            return (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return ""

    def index(self) -> tv.Index:
        """The live index; reopened when another process swapped generations."""
        with self._lock:
            key = self._current_key()
            if self._index is None or key != self._key:
                name = self.current_generation()
                if not name:
                    name = FIRST_GENERATION
                    self._open(name)
                    self._set_current(name)
                    key = self._current_key()
                self._index, self._key = self._open(name), key
            return self._index

    def _open_writer(self, index: tv.Index) -> tv.IndexWriter:
        """The one IndexWriter: waits while another process holds the lock."""
        deadline = time.monotonic() + WRITER_WAIT_SECONDS
        while True:
            try:
                return index.writer(self.heap, self.threads)
            except ValueError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise base.SearchError(f"tantivy index {self.root}: cannot open the writer: {exc}") from exc
                time.sleep(0.1)

    @contextmanager
    def _writing(self):
        with self._lock:
            if self._session is not None:
                yield
                return
            self._session = {}
            try:
                yield
            finally:
                session, self._session = self._session, None
                if session:
                    session["writer"].wait_merging_threads()

    @contextmanager
    def _writer(self):
        """Yield the writer of the live generation, commit on success (roll back on error), refresh readers."""
        with self._lock:
            index = self.index()
            session = self._session
            if session is not None and session and session["index"] is not index:
                session.pop("writer").wait_merging_threads()  # reindex swapped generations meanwhile
                session.clear()
            if session is not None and not session:
                session.update(index=index, writer=self._open_writer(index))
            writer = session["writer"] if session else self._open_writer(index)
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                if not session:
                    writer.wait_merging_threads()
            index.reload()

    # -- writes ----------------------------------------------------------------------------------------
    def _add(self, writer: tv.IndexWriter, docs) -> None:
        for doc in docs:
            writer.delete_documents_by_term("doc_id", doc.document_id)
            writer.add_document(to_document(doc, base.stored_fields(doc)))

    def _apply(self, docs, document_ids) -> None:
        with self._writer() as writer:
            self._add(writer, docs)
            for doc_id in document_ids:
                writer.delete_documents_by_term("doc_id", doc_id)

    def _clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    def _rebuild_begin(self, generation: str) -> None:
        _limit_malloc_arenas()
        if generation == self.current_generation():
            raise base.SearchError(f"tantivy index {self.root}: generation {generation!r} is the live one")
        if generation not in self._building:
            index = self._open(generation)
            self._building[generation] = (index, index.writer(self.rebuild_heap, self.rebuild_threads))

    def _rebuild_write(self, generation: str, docs) -> None:
        self._add(self._building[generation][1], docs)

    def _rebuild_commit(self, generation: str) -> None:
        self._building[generation][1].commit()
        _release_free_memory()

    def _rebuild_remove(self, generation: str, document_ids) -> None:
        _, writer = self._building[generation]
        for doc_id in document_ids:
            writer.delete_documents_by_term("doc_id", doc_id)

    def _rebuild_finish(self, generation: str) -> None:
        _index, writer = self._building.pop(generation)
        writer.commit()
        writer.wait_merging_threads()
        old = self.current_generation()
        self._set_current(generation)
        with self._lock:
            self._index = None
        if old and old != generation:
            shutil.rmtree(self.root / old, ignore_errors=True)

    def _rebuild_suspend(self, generation: str) -> None:
        pair = self._building.pop(generation, None)
        if pair:
            pair[1].rollback()
            pair[1].wait_merging_threads()

    def _rebuild_abandon(self, generation: str) -> None:
        self._rebuild_suspend(generation)
        if generation != self.current_generation():
            shutil.rmtree(self.root / generation, ignore_errors=True)

    # -- reads -----------------------------------------------------------------------------------------
    def _search(self, query):
        searcher = self.index().searcher()
        compiler = Compiler(self.schema, searcher, self.analyzers)
        q = compiler.compile(query)
        if query.sort == "relevance":
            result = searcher.search(q, max(query.limit, 1), count=True, offset=query.offset)
        else:  # by the date's fast field; tantivy sorts documents without a date last either way
            order = tv.Order.Desc if query.sort == "date_desc" else tv.Order.Asc
            result = searcher.search(
                q, max(query.limit, 1), count=True, offset=query.offset, order_by_field="day", order=order
            )
        hits = result.hits[: query.limit]
        generator = pattern = parts = None
        if query.highlight and hits:
            generator = tv.SnippetGenerator.create(searcher, q, self.schema, "body")
            generator.set_max_num_chars(SNIPPET_CHARS)
            pattern = stems_pattern(compiler.highlight)
            parts = PartFinder(compiler.part_stems, self.analyzers[DE]) if compiler.part_stems else None
        raw_hits = []
        for score, address in hits:
            doc = searcher.doc(address)
            text, offset = (
                snippet(generator, doc.get_first("body") or "", pattern, parts) if query.highlight else ("", None)
            )
            meta = json.loads(doc.get_first("meta"))
            raw_hits.append(base.RawHit(doc.get_first("doc_id"), score, meta, text, offset))
        return result.count, raw_hits, self._facets(searcher, q, query.facets, result.count)

    def _facets(self, searcher: tv.Searcher, q: tv.Query, names, total: int) -> dict:
        if not names or not total:
            return {name: [] for name in names}
        aggs = {name: {"terms": {"field": FACET_FIELDS[name], "size": 100}} for name in names}
        result = searcher.aggregate(q, aggs)
        facets = {}
        for name in names:
            buckets = result.get(name, {}).get("buckets", [])
            facets[name] = [
                {"value": int(b["key"]) if name == "year" else b["key"], "count": b["doc_count"]}
                for b in buckets
                if b["key"] != ""
            ]
        return facets

    def _stamps(self, batch_size: int) -> Iterator[tuple[int, int]]:
        searcher = self.index().searcher()
        last = -1
        while True:
            q = tv.Query.range_query(
                self.schema, "doc_id", tv.FieldType.Integer, lower_bound=last + 1, upper_bound=2**62
            )
            hits = searcher.search(q, batch_size, count=False, order_by_field="doc_id", order=tv.Order.Asc).hits
            if not hits:
                return
            addresses = [a for _, a in hits]
            ids = searcher.fast_field_values("doc_id", addresses)
            stamps = searcher.fast_field_values("stamp", addresses)
            yield from zip(ids, stamps, strict=False)
            last = ids[-1]

    def _count(self) -> int:
        return self.index().searcher().num_docs


SearchBackend = TantivyBackend
__all__ = ["SearchBackend"]
