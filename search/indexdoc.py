"""What the index holds per document: one entry per document (its current version's pages), rebuilt from the
database in bulk, with the principals allowed to see it (the one access rule, `akten.access`)."""

import bisect
import datetime
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

from django.db.models import Max, Q

from akten.access import document_principals_bulk
from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from akten.models import Document, DocumentVersion, Page
from akten.pages import rendition_numbers

from .analysis import normalize_text

PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class IndexDoc:
    document_id: int
    akte_id: int
    aktenzeichen: str
    az_keys: tuple[str, ...]  # the Aktenzeichen and every Kennzeichen prefix, for `az:` filters
    unit: str
    title: str
    department: str
    document_type: str
    year: int | None
    source: str
    source_pages: str | None
    pages: tuple[tuple[int, str], ...]  # (page number in the rendition, text) of the current version
    principals: tuple[str, ...]
    date: datetime.date | None = None  # the document date: date range filter, sort, shown in hits
    # Compound parts computed ahead by a reindex's workers (search/parts_pool.py); None: the backend computes them.
    parts: str | None = None

    @property
    def body(self) -> str:
        return PAGE_SEPARATOR.join(text for _, text in self.pages)

    @property
    def page_starts(self) -> list[int]:
        """Character offset in `body` where each page starts (to report the page of the best hit)."""
        starts, offset = [], 0
        for _, text in self.pages:
            starts.append(offset)
            offset += len(text) + len(PAGE_SEPARATOR)
        return starts

    @property
    def stamp(self) -> int:
        """A 63-bit digest of everything indexed (CRC-32 of the metadata and of the text: change detection, not
        security): differs from the database's when the index entry is stale."""
        meta = repr(tuple(getattr(self, f) for f in _META_FIELDS) + tuple(n for n, _ in self.pages)).encode()
        text = zlib.crc32(self.body.encode())
        return (zlib.crc32(meta) << 31) ^ text


_META_FIELDS = [f.name for f in fields(IndexDoc) if f.name not in ("pages", "parts")]  # parts follow the text


def page_at(page_numbers: list[int], page_starts: list[int], offset: int | None) -> int | None:
    """The page number whose text contains the character `offset` of the body."""
    if not page_numbers:
        return None
    if offset is None:
        return page_numbers[0]
    return page_numbers[max(0, bisect.bisect_right(page_starts, offset) - 1)]


def az_keys(aktenzeichen: str) -> tuple[str, ...]:
    try:
        return (aktenzeichen, *Aktenzeichen.parse(aktenzeichen).prefixes())
    except AktenzeichenError:
        return (aktenzeichen,)


def index_docs_for(document_ids: Iterable[int]) -> list[IndexDoc]:
    """Index entries for the documents that still exist (vanished ids are simply absent), in id order."""
    ids = sorted(set(document_ids))
    if not ids:
        return []
    return _index_docs(Q(pk__in=ids), Q(document_id__in=ids), Q(version__document_id__in=ids))


def _index_docs_between(first: int, last: int) -> list[IndexDoc]:
    """Every document with first <= id <= last (range conditions: cheaper than long IN lists for reindex)."""
    return _index_docs(
        Q(pk__gte=first, pk__lte=last),
        Q(document_id__gte=first, document_id__lte=last),
        Q(version__document_id__gte=first, version__document_id__lte=last),
    )


def _index_docs(doc_q: Q, version_q: Q, page_q: Q) -> list[IndexDoc]:
    # A document merged into another (`akten.documents.document_merge`) is not indexed: its pages are found in the
    # one it was merged into; an upsert of it removes its entry.
    docs = list(
        Document.objects.filter(doc_q, merged_into__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "akte_id",
            "akte__aktenzeichen",
            "akte__unit__kennzeichen",
            "title",
            "department__code",
            "document_type",
            "date",
            "source",
            "source_pages",
            "created_by_id",
            "akte__lead_department__group_id",
        )
    )
    latest = {
        row["document_id"]: row["number"]
        for row in DocumentVersion.objects.filter(version_q).values("document_id").annotate(number=Max("number"))
    }
    with_rendition = set(
        DocumentVersion.objects.filter(version_q, rendition__isnull=False).values_list("document_id", "number")
    )
    stored: dict[int, list[tuple[int, bool, str]]] = defaultdict(list)
    for doc_id, vnum, number, blank, text in (
        Page.objects.filter(page_q)
        .order_by("version__document_id", "number")
        .values_list("version__document_id", "version__number", "number", "blank", "text")
        .iterator(chunk_size=2000)
    ):
        if latest.get(doc_id) == vnum:
            stored[doc_id].append((number, blank, text))
    # Page numbers as the rendition counts them: pages left out of it as blank are not searched or counted.
    pages: dict[int, list[tuple[int, str]]] = {}
    for doc_id, rows in stored.items():
        shown = rendition_numbers(
            [(n, b) for n, b, _ in rows], has_rendition=(doc_id, latest[doc_id]) in with_rendition
        )
        pages[doc_id] = [(shown[n], normalize_text(text)) for n, _, text in rows if n in shown]
    principals = document_principals_bulk((d[0], d[1], d[10], d[11]) for d in docs)
    az_cache: dict[str, tuple[str, ...]] = {}
    out = []
    for pk, akte_id, aktenzeichen, unit, title, dept, doc_type, on, source, source_pages, _created_by, _group in docs:
        if aktenzeichen not in az_cache:
            az_cache[aktenzeichen] = az_keys(aktenzeichen)
        out.append(
            IndexDoc(
                document_id=pk,
                akte_id=akte_id,
                aktenzeichen=aktenzeichen,
                az_keys=az_cache[aktenzeichen],
                unit=unit,
                title=normalize_text(title),
                department=dept,
                document_type=doc_type,
                year=on.year if on else None,
                source=source,
                source_pages=source_pages or None,
                pages=tuple(pages.get(pk, ())),
                principals=principals[pk],
                date=on,
            )
        )
    return out


def iter_index_docs(*, after_id: int = 0, batch_size: int = 500) -> Iterator[list[IndexDoc]]:
    """Every document in id order, in batches (bounded memory), starting after `after_id` (to resume)."""
    while True:
        ids = list(Document.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield _index_docs_between(ids[0], ids[-1])
        after_id = ids[-1]
