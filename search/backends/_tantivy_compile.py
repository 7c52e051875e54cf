"""Schema, German analyzers and the query-tree compiler of the tantivy backend."""
import html
import json
from dataclasses import dataclass

import tantivy as tv

from ..analysis import MIN_COMPOUND_QUERY, close_words, compound_rests, typo_distance
from ..indexdoc import IndexDoc
from ..query import Clause, Fuzzy, Phrase, SearchQuery, Term

DE, DE_RAW, KW = "de", "de_raw", "kw"
TITLE_BOOST, COMPOUND_BOOST, TYPO_BOOST, FUZZY_BOOST = 2.0, 0.5, 0.6, 0.3
MAX_COMPOUNDS = 16  # compound expansions per word, the most frequent first
MAX_TYPO_TERMS = 8
MAX_TYPO_SCAN = 2000  # vocabulary entries compared per misspelt word (bounds the latency)
HIGHLIGHT_PREFIX = {1: 3, 2: 4}  # letters a highlighted typo candidate must share with the query word
SNIPPET_CHARS = 240
FACET_FIELDS = {"department": "department", "unit": "unit", "year": "year", "document_type": "document_type"}
FILTER_FIELDS = {"az": "az", "dept": "department", "year": "year", "type": "type_key"}


def build_analyzers() -> dict[str, tv.TextAnalyzer]:
    """`de`: lowercase, German stopwords, Snowball German stemming (folds ß->ss, ä->a and ae->a), ASCII folding.
    `de_raw`: the unstemmed, folded words without stopwords, for typo tolerance and compound splitting. `kw`: one lowercased token."""
    de = (tv.TextAnalyzerBuilder(tv.Tokenizer.simple()).filter(tv.Filter.lowercase()).filter(tv.Filter.remove_long(40))
          .filter(tv.Filter.stopword("german")).filter(tv.Filter.stemmer("german")).filter(tv.Filter.ascii_fold())
          .build())
    raw = (tv.TextAnalyzerBuilder(tv.Tokenizer.simple()).filter(tv.Filter.lowercase())
           .filter(tv.Filter.remove_long(40)).filter(tv.Filter.stopword("german")).filter(tv.Filter.ascii_fold())
           .build())
    kw = tv.TextAnalyzerBuilder(tv.Tokenizer.raw()).filter(tv.Filter.lowercase()).build()
    return {DE: de, DE_RAW: raw, KW: kw}


def build_schema() -> tv.Schema:
    sb = tv.SchemaBuilder()
    sb.add_integer_field("doc_id", stored=True, indexed=True, fast=True)
    sb.add_integer_field("stamp", fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name=DE)
    sb.add_text_field("body", stored=True, tokenizer_name=DE)
    sb.add_text_field("raw", tokenizer_name=DE_RAW, index_option="basic")
    sb.add_text_field("principals", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("az", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("department", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("unit", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("document_type", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("type_key", tokenizer_name=KW, index_option="basic")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_bytes_field("meta", stored=True)
    return sb.build()


def to_document(doc: IndexDoc, meta: dict) -> tv.Document:
    body = doc.body
    fields = {
        "doc_id": doc.document_id, "stamp": doc.stamp, "title": doc.title, "body": body, "raw": [doc.title, body],
        "principals": list(doc.principals), "az": list(doc.az_keys), "department": doc.department,
        "unit": doc.unit, "meta": json.dumps(meta, ensure_ascii=False).encode(),
    }
    if doc.document_type:
        fields["document_type"] = doc.document_type
        fields["type_key"] = doc.document_type
    if doc.year is not None:
        fields["year"] = doc.year
    return tv.Document(**fields)


def _should(queries: list[tv.Query]) -> tv.Query | None:
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else tv.Query.boolean_query([(tv.Occur.Should, q) for q in queries])


@dataclass
class Compiler:
    """Compiles a SearchQuery against one searcher; vocabulary look-ups see only the caller's documents."""

    schema: tv.Schema
    searcher: tv.Searcher
    analyzers: dict

    def __post_init__(self):
        self.de, self.raw = self.analyzers[DE], self.analyzers[DE_RAW]

    def permission(self, principals) -> tv.Query:
        return tv.Query.const_score_query(tv.Query.term_set_query(self.schema, "principals", list(principals)), 0.0)

    def compile(self, query: SearchQuery) -> tv.Query:
        self.perm = self.permission(query.principals)
        clauses = [(tv.Occur.Must, self.perm)]
        by_field: dict[str, list[tv.Query]] = {}
        for f in query.filters:
            by_field.setdefault(f.field, []).append(self.filter(f.field, f.value))
        for alternatives in by_field.values():
            clauses.append((tv.Occur.Must, tv.Query.const_score_query(_should(alternatives), 0.0)))
        for c in query.must:
            q = self.clause(c)
            if q is not None:
                clauses.append((tv.Occur.Must, q))
        for c in query.must_not:
            q = self.clause(c, expand=False)
            if q is not None:
                clauses.append((tv.Occur.MustNot, q))
        return tv.Query.boolean_query(clauses)

    def filter(self, field: str, value: str) -> tv.Query:
        name = FILTER_FIELDS[field]
        if field == "year":
            try:
                return tv.Query.term_query(self.schema, name, int(value))
            except ValueError:
                return tv.Query.empty_query()
        if field == "type":
            value = value.lower()
        return tv.Query.term_query(self.schema, name, value)

    def clause(self, c: Clause, expand: bool = True) -> tv.Query | None:
        if isinstance(c, Phrase):
            return self.phrase(c.words)
        if isinstance(c, Fuzzy):
            raw = self.raw.analyze(c.text)
            return self.typo(raw[0], c.distance) if len(raw) == 1 else self.phrase((c.text,))
        assert isinstance(c, Term), c
        stems = self.de.analyze(c.text)
        if len(stems) != 1:
            return self.phrase((c.text,))  # "E-Mail", "63.10": several tokens in a row; a stopword: nothing
        stem, raw = stems[0], self.raw.analyze(c.text)[0]
        alternatives = self.exact(stem)
        compounds = self.compounds(raw, stem) if expand and c.compounds else []
        alternatives += [tv.Query.boost_query(q, COMPOUND_BOOST) for q in compounds]
        if expand and c.typo_tolerant and not compounds and not self.visible(stem):
            alternatives.append(self.typo(raw, typo_distance(raw)))
        return _should(alternatives)

    def exact(self, stem: str) -> list[tv.Query]:
        return [tv.Query.term_query(self.schema, "body", stem),
                tv.Query.boost_query(tv.Query.term_query(self.schema, "title", stem), TITLE_BOOST)]

    def phrase(self, words) -> tv.Query | None:
        tokens = self.de.pre_tokenize(" ".join(words)).tokens
        if not tokens:
            return None
        if len(tokens) == 1:
            return _should(self.exact(tokens[0].text))
        first = tokens[0].position
        words = [(t.position - first, t.text) for t in tokens]
        return _should([tv.Query.phrase_query(self.schema, "body", words),
                        tv.Query.boost_query(tv.Query.phrase_query(self.schema, "title", words), TITLE_BOOST)])

    def visible(self, stem: str) -> bool:
        """Does the word occur in a document the caller may see? (Asked within the permission filter, so the
        query's shape never reveals words of documents the caller cannot see.)"""
        q = tv.Query.boolean_query([(tv.Occur.Must, self.perm),
                                    (tv.Occur.Must, tv.Query.term_query(self.schema, "body", stem))])
        other = tv.Query.boolean_query([(tv.Occur.Must, self.perm),
                                        (tv.Occur.Must, tv.Query.term_query(self.schema, "title", stem))])
        return bool(self.searcher.search(q, 1, count=False).hits or self.searcher.search(other, 1, count=False).hits)

    def compounds(self, raw: str, stem: str) -> list[tv.Query]:
        """Compounds that start with the word (`glasfaser` -> `glasfaserausbau`), from the vocabulary of the caller's
        documents; a candidate counts only if its rest (after a Fugenelement) is itself an indexed word."""
        if len(raw) < MIN_COMPOUND_QUERY:
            return []
        found: list[tuple[int, str]] = []
        for term, freq in self.searcher.terms_with_prefix("raw", raw, filter_query=self.perm, limit=500):
            for rest in compound_rests(raw, term):
                rest_stems = self.de.analyze(rest)
                if self.searcher.doc_freq("raw", rest) or (rest_stems and self.searcher.doc_freq("body", rest_stems[0])):
                    found.append((freq, term))
                    break
        stems = []
        for _, term in sorted(found, reverse=True):
            s = self.de.analyze(term)
            if s and s[0] != stem and s[0] not in stems:
                stems.append(s[0])
            if len(stems) == MAX_COMPOUNDS:
                break
        return [q for s in stems for q in self.exact(s)]

    def typo(self, raw: str, distance: int) -> tv.Query | None:
        """Words within `distance` edits (also in the ending, since the unstemmed word is compared); the close words
        sharing the first letters (3, or 4 for long words) are added as terms so that snippets highlight them."""
        if distance <= 0:
            return None
        queries = [tv.Query.boost_query(tv.Query.fuzzy_term_query(self.schema, "raw", raw, distance), FUZZY_BOOST)]
        candidates = dict(self.searcher.terms_with_prefix("raw", raw[:HIGHLIGHT_PREFIX[distance]],
                                                          limit=MAX_TYPO_SCAN))
        close = [(candidates[t], t) for t in close_words(raw, list(candidates), distance)]
        stems = {s for _, t in sorted(close, reverse=True)[:MAX_TYPO_TERMS] for s in self.de.analyze(t)[:1]}
        queries += [tv.Query.boost_query(q, TYPO_BOOST) for s in sorted(stems) for q in self.exact(s)]
        return _should(queries)


def snippet(generator: tv.SnippetGenerator | None, doc: tv.Document) -> tuple[str, int | None]:
    """The highlighted fragment (HTML, `<b>` marks hits) and the character offset of its first hit in the body."""
    if generator is not None:
        sn = generator.snippet_from_doc(doc)
        fragment = sn.to_html()
        if fragment:
            marks = sn.highlighted()
            start = sn.fragment_range().start
            return fragment, (marks[0].start if marks else start)
    body = doc.get_first("body") or ""
    return html.escape(body[:SNIPPET_CHARS]), None
