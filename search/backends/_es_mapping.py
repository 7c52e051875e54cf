"""Index definition (German analyzers, mapping) and query-tree compiler of the Elasticsearch backend, built with
`elasticsearch.dsl`. Pure functions of their input, so the generated JSON is testable without a server."""

from collections.abc import Callable

from elasticsearch_dsl import (
    Index,
    Integer,
    Keyword,
    Long,
    Mapping,
    Object,
    Q,
    Search,
    Text,
    analyzer,
    normalizer,
    token_filter,
)

from ..analysis import TYPO_HIGH, TYPO_LOW, looks_like_aktenzeichen
from ..indexdoc import IndexDoc
from ..query import Clause, Fuzzy, Phrase, SearchQuery, Term, day_number
from ._es_compounds import joined_word, part, part_typo, parts_field, parts_text, word_bonus

TITLE_BOOST, TYPO_BOOST = 2.0, 0.3
SNIPPET_CHARS = 240
FACET_FIELDS = {"department": "department", "unit": "unit", "year": "year", "document_type": "document_type"}
FILTER_FIELDS = {"az": "az", "dept": "department", "year": "year", "type": "type_key"}

_stop = token_filter("de_stop", "stop", stopwords="_german_")
# `de`: Elasticsearch's own German chain: stopwords, german_normalization (ä->a, ae->a, ß->ss), light stemmer.
DE = analyzer(
    "de",
    tokenizer="standard",
    filter=["lowercase", _stop, "german_normalization", token_filter("de_stem", "stemmer", language="light_german")],
)
# `de_folded`: unstemmed, normalised words: typo tolerance compares whole words, so a typo in the ending counts
# as one edit instead of changing the stem.
DE_FOLDED = analyzer("de_folded", tokenizer="standard", filter=["lowercase", _stop, "german_normalization"])
LOWER = normalizer("lower", filter=["lowercase"])


def index_definition(name: str) -> Index:
    """The concrete index a generation lives in (the alias points at the live one)."""
    m = Mapping()
    m.field("doc_id", Long())
    m.field("stamp", Long())
    m.field("title", Text(analyzer=DE, fields={"folded": Text(analyzer=DE_FOLDED)}))
    m.field("parts", parts_field(DE))  # compound parts of title and body (search/compounds.py)
    m.field("body", Text(analyzer=DE, fields={"folded": Text(analyzer=DE_FOLDED)}))
    for keyword in ("principals", "az", "department", "unit", "document_type"):
        m.field(keyword, Keyword())
    m.field("type_key", Keyword(normalizer=LOWER))
    m.field("year", Integer())
    m.field("day", Integer())  # document date as YYYYMMDD (range filter, sort)
    m.field("meta", Object(enabled=False))
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_ngram_diff=0)
    index.mapping(m)
    return index


def to_source(doc: IndexDoc, meta: dict) -> dict:
    source = {
        "doc_id": doc.document_id,
        "stamp": doc.stamp,
        "title": doc.title,
        "body": doc.body,
        "principals": list(doc.principals),
        "az": list(doc.az_keys),
        "department": doc.department,
        "unit": doc.unit,
        "meta": meta,
        "parts": doc.parts if doc.parts is not None else parts_text(doc.title, doc.body),
    }
    if doc.document_type:
        source["document_type"] = doc.document_type
        source["type_key"] = doc.document_type
    if doc.year is not None:
        source["year"] = doc.year
    if doc.date is not None:
        source["day"] = day_number(doc.date)
    return source


def _exact(text: str, required: bool = True) -> list[Q]:
    """The word itself, stemmed; a required word that is only a stopword matches everything (it is dropped, as in
    tantivy), an excluded one nothing."""
    zero = "all" if required else "none"
    return [
        Q("match", body={"query": text, "operator": "and", "zero_terms_query": zero}),
        Q("match", title={"query": text, "operator": "and", "boost": TITLE_BOOST}),
    ]


def _phrase(words) -> Q:
    text = " ".join(words)
    return Q(
        "bool",
        should=[Q("match_phrase", body=text), Q("match_phrase", title={"query": text, "boost": TITLE_BOOST})],
        minimum_should_match=1,
    )


def _typo(text: str, fuzziness) -> Q:
    return Q("match", **{"body.folded": {"query": text, "fuzziness": fuzziness, "boost": TYPO_BOOST}})


class Compiler:
    """`visible(word, permission)` answers whether the word occurs in a document the caller may see; the typo
    rule applies only when it does not (as in the tantivy backend)."""

    def __init__(self, visible: Callable[[str, Q], bool]):
        self.visible = visible
        self.part_words: list[str] = []  # words looked for as compound parts, to mark them in the snippet

    def permission(self, principals) -> Q:
        return Q("terms", principals=list(principals))

    def clause(self, c: Clause, expand: bool = True) -> Q:
        if isinstance(c, Phrase):
            return _phrase(c.words)
        if isinstance(c, Fuzzy):
            return Q("bool", should=[*_exact(c.text), _typo(c.text, c.distance)], minimum_should_match=1)
        assert isinstance(c, Term), c
        if expand and looks_like_aktenzeichen(c.text):
            return Q(
                "bool",
                should=[Q("term", az={"value": c.text, "boost": TITLE_BOOST}), _phrase((c.text,))],
                minimum_should_match=1,
            )
        should = _exact(c.text, required=expand)
        if expand:
            should += [word_bonus(c.text), *joined_word(c.text)]
        if expand and c.compounds:
            self.part_words.append(c.text)
            should.append(part(c.text))
        if expand and c.typo_tolerant and not self.visible(c.text, self.perm):
            should.append(_typo(c.text, f"AUTO:{TYPO_LOW},{TYPO_HIGH}"))
            if c.compounds:
                should.append(part_typo(c.text, f"AUTO:{TYPO_LOW},{TYPO_HIGH}"))
        return Q("bool", should=should, minimum_should_match=1)

    def query(self, query: SearchQuery) -> Q:
        self.perm = self.permission(query.principals)
        filters = [self.perm]
        by_field: dict[str, list[str]] = {}
        for f in query.filters:
            by_field.setdefault(f.field, []).append(f.value.lower() if f.field == "type" else f.value)
        for field, values in by_field.items():
            if field == "year" and not all(v.isdigit() for v in values):
                filters.append(Q("bool", must_not=[Q("match_all")]))
                continue
            filters.append(Q("terms", **{FILTER_FIELDS[field]: values}))
        if query.dated:
            bounds = {"gte": day_number(query.date_from)} if query.date_from else {}
            bounds |= {"lte": day_number(query.date_to)} if query.date_to else {}
            filters.append(Q("range", day=bounds))
        return Q(
            "bool",
            filter=filters,
            must=[self.clause(c) for c in query.must],
            must_not=[self.clause(c, expand=False) for c in query.must_not],
        )

    def search(self, query: SearchQuery, index: str) -> Search:
        s = (
            Search(index=index)
            .query(self.query(query))
            .extra(from_=query.offset, size=query.limit, track_total_hits=True)
        )
        s = s.source(["doc_id", "meta", "body"] if query.highlight else ["doc_id", "meta"])
        if query.sort != "relevance":
            order = "desc" if query.sort == "date_desc" else "asc"
            s = s.sort({"day": {"order": order, "missing": "_last", "unmapped_type": "integer"}}, "_score")
        if query.highlight:
            s = s.highlight_options(
                pre_tags=["<b>"],
                post_tags=["</b>"],
                encoder="html",
                type="unified",
                fragment_size=SNIPPET_CHARS,
                number_of_fragments=1,
                no_match_size=SNIPPET_CHARS,
            )
            s = s.highlight("body", "body.folded")
        for name in query.facets:
            s.aggs.bucket(name, "terms", field=FACET_FIELDS[name], size=100)
        return s
