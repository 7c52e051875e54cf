"""The small query tree callers build and each backend compiles; callers never build native queries
(docs/architecture.md, "Adding a search backend")."""

import datetime
from dataclasses import dataclass, field

FACETS = ("department", "unit", "year", "document_type")
FILTER_FIELDS = ("az", "dept", "year", "type")
# Order of hits: BM25 relevance, or the document date (newest or oldest first; undated documents last, ties by
# relevance in Elasticsearch and by index order in tantivy).
SORTS = ("relevance", "date_desc", "date_asc")


@dataclass(frozen=True)
class Term:
    """A word, German-analysed; the backend also matches compounds that start with it and, when the word itself
    occurs in no visible document, spellings within the typo distance."""

    text: str
    compounds: bool = True
    typo_tolerant: bool = True


@dataclass(frozen=True)
class Fuzzy:
    """A word matched within an explicit edit distance (`word~` or `word~2`)."""

    text: str
    distance: int = 1


@dataclass(frozen=True)
class Phrase:
    """Words in this order, each German-analysed (stopwords inside the phrase keep their gap)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Filter:
    """An exact restriction: `az` (Aktenzeichen or Kennzeichen prefix), `dept` (code), `year`, `type`."""

    field: str
    value: str

    def __post_init__(self):
        if self.field not in FILTER_FIELDS:
            raise ValueError(f"unknown filter field {self.field!r}: expected one of {', '.join(FILTER_FIELDS)}")


Clause = Term | Fuzzy | Phrase


@dataclass(frozen=True)
class SearchQuery:
    """All `must` clauses match (BM25-ranked), no `must_not` clause matches, every filter holds, the document date
    lies in `date_from`..`date_to` (inclusive; when either is set, undated documents do not match), and the
    document carries one of `principals` (permission trimming, applied inside the query before ranking and
    counting). `sort` is one of SORTS."""

    principals: tuple[str, ...]
    must: tuple[Clause, ...] = ()
    must_not: tuple[Clause, ...] = ()
    filters: tuple[Filter, ...] = ()
    facets: tuple[str, ...] = FACETS
    highlight: bool = True
    limit: int = 10
    offset: int = 0
    sort: str = "relevance"
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def __post_init__(self):
        unknown = set(self.facets) - set(FACETS)
        if unknown:
            raise ValueError(f"unknown facet(s) {', '.join(sorted(unknown))}: expected {', '.join(FACETS)}")
        if self.limit < 0 or self.offset < 0:
            raise ValueError("limit and offset must not be negative")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}: expected one of {', '.join(SORTS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from lies after date_to")

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None


def day_number(on: datetime.date) -> int:
    """A date as the integer YYYYMMDD the backends index, range-filter and sort by."""
    return on.year * 10000 + on.month * 100 + on.day


@dataclass
class SearchResult:
    """`total` counts every visible match; `hits` is the requested page; `facets` maps facet -> [{value, count}]."""

    total: int = 0
    hits: list[dict] = field(default_factory=list)
    facets: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # query syntax problems (the words were searched anyway)

    def as_json(self) -> dict:
        return {"total": self.total, "hits": self.hits, "facets": self.facets, "errors": self.errors}
