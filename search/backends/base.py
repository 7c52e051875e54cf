"""Search backends: the public API is defined once here; each backend fills the private hooks."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..indexdoc import IndexDoc, page_at
from ..query import SearchQuery, SearchResult


class SearchError(Exception):
    """A search backend could not do what was asked; the message names the backend and the reason."""


@dataclass(frozen=True)
class RawHit:
    """What a backend returns per hit before the base turns it into the result dict."""

    document_id: int
    score: float
    stored: dict  # the display fields written by `stored_fields`
    snippet: str
    fragment_offset: int | None  # character offset of the snippet in the body, to find the page


def stored_fields(doc: IndexDoc) -> dict:
    """The display data kept with each index entry (what a hit shows, and where its pages start)."""
    return {
        "akte_id": doc.akte_id,
        "aktenzeichen": doc.aktenzeichen,
        "title": doc.title,
        "department": doc.department,
        "source": doc.source,
        "source_pages": doc.source_pages,
        "pages": [n for n, _ in doc.pages],
        "page_starts": doc.page_starts,
        "date": doc.date.isoformat() if doc.date else None,
        "document_type": doc.document_type,
    }


class SearchBackend:
    """One index of documents. Writers: `upsert`/`remove` (the single indexer), `rebuild_*` (reindex)."""

    name = "base"
    options: frozenset[str] = frozenset()

    def __init__(self, **options):
        unknown = set(options) - set(self.options)
        if unknown:
            raise SearchError(f"Invalid setting(s) for search backend {self.name!r}: {', '.join(sorted(unknown))}")

    # -- public API ------------------------------------------------------------------------------------
    def apply(self, *, upsert: Sequence[IndexDoc] = (), remove: Iterable[int] = ()) -> None:
        """Replace the entries of `upsert` (one entry per document) and drop those of `remove`, committed together."""
        docs, ids = list(upsert), sorted(set(remove))
        if docs or ids:
            self._apply(docs, ids)

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        self.apply(upsert=docs)

    def remove(self, document_ids: Iterable[int]) -> None:
        self.apply(remove=document_ids)

    @contextmanager
    def writing(self):
        """Keep the writer open across several `apply` calls (the outbox drain); each call still commits."""
        with self._writing():
            yield self

    def search(self, query: SearchQuery) -> SearchResult:
        """Deny by default: without principals nothing is searched at all; nor without any word or filter."""
        if not query.principals or not (query.must or query.filters or query.dated):
            return SearchResult(total=0, hits=[], facets={f: [] for f in query.facets})
        total, raw_hits, facets = self._search(query)
        return SearchResult(
            total=total, hits=[self._hit(h, query.offset + n) for n, h in enumerate(raw_hits, 1)], facets=facets
        )

    def stamps(self, *, batch_size: int = 5000) -> Iterator[tuple[int, int]]:
        """(document_id, stamp) of every entry, in document id order (for `search_check`)."""
        return self._stamps(batch_size)

    def count(self) -> int:
        return self._count()

    def rebuild_begin(self, *, generation: str) -> None:
        """Start (or resume) building a fresh index named `generation` beside the live one."""
        self._rebuild_begin(generation)

    def rebuild_write(self, generation: str, docs: Sequence[IndexDoc]) -> None:
        """Add documents to the generation being built (durable after the next `rebuild_commit`)."""
        if docs:
            self._rebuild_write(generation, list(docs))

    def rebuild_commit(self, generation: str) -> None:
        """Make everything written to the generation so far durable (a resume continues after it)."""
        self._rebuild_commit(generation)

    def rebuild_remove(self, generation: str, document_ids: Iterable[int]) -> None:
        """Remove documents from the generation being built (they vanished while it was being built)."""
        ids = sorted(set(document_ids))
        if ids:
            self._rebuild_remove(generation, ids)

    def rebuild_suspend(self, generation: str) -> None:
        """Stop writing to the generation for now (interrupted run); what was written stays for the resume."""
        self._rebuild_suspend(generation)

    def rebuild_abandon(self, generation: str) -> None:
        """Drop a half-built generation (never the live one)."""
        self._rebuild_abandon(generation)

    def rebuild_finish(self, generation: str) -> None:
        """Make the built generation the live index (atomically) and drop the old one."""
        self._rebuild_finish(generation)

    def clear(self) -> None:
        """Remove every entry (tests and `reindex --from-scratch`)."""
        self._clear()

    # -- shaping -----------------------------------------------------------------------------------------
    @staticmethod
    def _hit(raw: RawHit, rank: int) -> dict:
        """A hit as callers see it: its place in the ranking, never the raw relevance score (BM25 statistics
        cover every department's documents, so the figure would tell about documents the user may not see)."""
        s = raw.stored
        return {
            "document_id": raw.document_id,
            "aktenzeichen": s["aktenzeichen"],
            "title": s["title"],
            "department": s["department"],
            "source": s["source"],
            "source_pages": s["source_pages"],
            "rank": rank,
            "snippet": raw.snippet,
            "page": page_at(s["pages"], s["page_starts"], raw.fragment_offset),
            "akte_id": s["akte_id"],
            "date": s.get("date"),  # ISO date; absent from entries indexed before it was stored
            "document_type": s.get("document_type", ""),
        }

    # -- hooks ---------------------------------------------------------------------------------------------
    def _missing(self, hook: str):
        raise NotImplementedError(f"search backend {self.name!r} does not implement {hook}")

    def _apply(self, docs: list[IndexDoc], document_ids: list[int]) -> None:
        self._missing("_apply")

    def _writing(self):
        self._missing("_writing")

    def _search(self, query: SearchQuery) -> tuple[int, list[RawHit], dict]:
        self._missing("_search")

    def _stamps(self, batch_size: int) -> Iterator[tuple[int, int]]:
        self._missing("_stamps")

    def _count(self) -> int:
        self._missing("_count")

    def _rebuild_begin(self, generation: str) -> None:
        self._missing("_rebuild_begin")

    def _rebuild_write(self, generation: str, docs: list[IndexDoc]) -> None:
        self._missing("_rebuild_write")

    def _rebuild_commit(self, generation: str) -> None:
        self._missing("_rebuild_commit")

    def _rebuild_remove(self, generation: str, document_ids: list[int]) -> None:
        self._missing("_rebuild_remove")

    def _rebuild_suspend(self, generation: str) -> None:
        self._missing("_rebuild_suspend")

    def _rebuild_abandon(self, generation: str) -> None:
        self._missing("_rebuild_abandon")

    def _rebuild_finish(self, generation: str) -> None:
        self._missing("_rebuild_finish")

    def _clear(self) -> None:
        self._missing("_clear")
