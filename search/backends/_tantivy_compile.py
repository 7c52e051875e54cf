"""Schema, German analyzers and the query-tree compiler of the tantivy backend."""

import html
import json
import re
from dataclasses import dataclass

import tantivy as tv

from ..analysis import close_words, looks_like_aktenzeichen, typo_distance
from ..compounds import hyphen_joined, index_parts, marked_snippet, part_around
from ..indexdoc import IndexDoc
from ..query import Clause, Fuzzy, Phrase, SearchQuery, Term, day_number

DE, DE_RAW, KW = "de", "de_raw", "kw"
TITLE_BOOST, TYPO_BOOST, FUZZY_BOOST = 2.0, 0.6, 0.3
# A word's own occurrence scores BM25 plus WORD_SCORE; a compound part only the constant PART_SCORE, so any document
# holding the word itself ranks above one that has it only inside a compound (long documents included).
WORD_SCORE, PART_SCORE = 1.0, 0.5
MAX_TYPO_TERMS = 8
MAX_TYPO_SCAN = 2000  # vocabulary entries compared per misspelt word (bounds the latency)
HIGHLIGHT_PREFIX = {1: 3, 2: 4}  # letters a highlighted typo candidate must share with the query word
SNIPPET_CHARS = 240
FACET_FIELDS = {"department": "department", "unit": "unit", "year": "year", "document_type": "document_type"}
FILTER_FIELDS = {"az": "az", "dept": "department", "year": "year", "type": "type_key"}


def build_analyzers() -> dict[str, tv.TextAnalyzer]:
    """`de`: lowercase, German stopwords, Snowball German stemming (folds ß->ss, ä->a and ae->a), ASCII folding.
    `de_raw`: the unstemmed, folded words without stopwords, for typo tolerance and compound splitting.
    `kw`: the whole value as one lowercased token."""
    de = (
        tv.TextAnalyzerBuilder(tv.Tokenizer.simple())
        .filter(tv.Filter.lowercase())
        .filter(tv.Filter.remove_long(40))
        .filter(tv.Filter.stopword("german"))
        .filter(tv.Filter.stemmer("german"))
        .filter(tv.Filter.ascii_fold())
        .build()
    )
    raw = (
        tv.TextAnalyzerBuilder(tv.Tokenizer.simple())
        .filter(tv.Filter.lowercase())
        .filter(tv.Filter.remove_long(40))
        .filter(tv.Filter.stopword("german"))
        .filter(tv.Filter.ascii_fold())
        .build()
    )
    kw = tv.TextAnalyzerBuilder(tv.Tokenizer.raw()).filter(tv.Filter.lowercase()).build()
    return {DE: de, DE_RAW: raw, KW: kw}


def build_schema() -> tv.Schema:
    sb = tv.SchemaBuilder()
    sb.add_integer_field("doc_id", stored=True, indexed=True, fast=True)
    sb.add_integer_field("stamp", fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name=DE)
    sb.add_text_field("body", stored=True, tokenizer_name=DE)
    sb.add_text_field("raw", tokenizer_name=DE_RAW, index_option="basic")
    # The compound parts of the title's and body's words (search/compounds.py), stemmed like the words.
    sb.add_text_field("parts", tokenizer_name=DE, index_option="freq")
    sb.add_text_field("principals", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("az", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("department", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("unit", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("document_type", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("type_key", tokenizer_name=KW, index_option="basic")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)  # document date as YYYYMMDD (range filter, sort)
    sb.add_bytes_field("meta", stored=True)
    return sb.build()


def to_document(doc: IndexDoc, meta: dict) -> tv.Document:
    body = doc.body
    parts = doc.parts if doc.parts is not None else index_parts(f"{doc.title}\n{body}")
    fields = {
        "doc_id": doc.document_id,
        "stamp": doc.stamp,
        "title": doc.title,
        "body": body,
        "raw": [doc.title, body, parts],
        "parts": parts,
        "principals": list(doc.principals),
        "az": list(doc.az_keys),
        "department": doc.department,
        "unit": doc.unit,
        "meta": json.dumps(meta, ensure_ascii=False).encode(),
    }
    if doc.document_type:
        fields["document_type"] = doc.document_type
        fields["type_key"] = doc.document_type
    if doc.year is not None:
        fields["year"] = doc.year
    if doc.date is not None:
        fields["day"] = day_number(doc.date)
    return tv.Document(**fields)


def _should(queries: list[tv.Query]) -> tv.Query | None:
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else tv.Query.boolean_query([(tv.Occur.Should, q) for q in queries])


@dataclass
class Compiler:
    """Compiles a SearchQuery against one searcher. Whatever changes the query's shape for the caller (whether
    typo expansion applies) is decided on the caller's documents only."""

    schema: tv.Schema
    searcher: tv.Searcher
    analyzers: dict

    def __post_init__(self):
        self.de, self.raw = self.analyzers[DE], self.analyzers[DE_RAW]
        self.highlight: list[str] = []  # body stems the query looks for, for the snippet window
        self.part_stems: set[str] = set()  # stems looked for as compound parts, to mark them inside the compound

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
        if query.dated:
            days = tv.Query.range_query(
                self.schema,
                "day",
                tv.FieldType.Integer,
                lower_bound=day_number(query.date_from) if query.date_from else 0,
                upper_bound=day_number(query.date_to) if query.date_to else 99991231,
            )
            clauses.append((tv.Occur.Must, tv.Query.const_score_query(days, 0.0)))
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
        if expand and looks_like_aktenzeichen(c.text):  # the Akte's documents, or the text holding the number
            return _should(
                [
                    tv.Query.boost_query(tv.Query.term_query(self.schema, "az", c.text), TITLE_BOOST),
                    self.phrase((c.text,)),
                ]
            )
        stems = self.de.analyze(c.text)
        joined = hyphen_joined(c.text)
        if len(stems) != 1 and not joined:
            return self.phrase((c.text,))  # "63.10": several tokens in a row; a stopword: nothing
        if joined:  # "Online-Dienst": the words in a row, or written together (Onlinedienst), or as a part
            alternatives = [self.phrase((c.text,))]
            stems = self.de.analyze(joined)
        else:
            alternatives = []
        stem, raw = stems[0], (self.raw.analyze(joined or c.text) or stems)[0]
        alternatives += self.exact(stem)
        if expand and c.compounds:
            alternatives.append(self.part(stem))
        if expand and c.typo_tolerant and not self.visible([stem], parts=c.compounds):
            alternatives.append(self.typo(raw, typo_distance(raw), parts=c.compounds))
        return _should(alternatives)

    def part(self, stem: str) -> tv.Query:
        """The word as a part of a compound (Vertrag in Kaufvertrag), ranked below the word itself."""
        self.part_stems.add(stem)
        return tv.Query.const_score_query(tv.Query.term_query(self.schema, "parts", stem), PART_SCORE)

    def exact(self, stem: str) -> list[tv.Query]:
        self.highlight.append(stem)
        body, title = (tv.Query.term_query(self.schema, f, stem) for f in ("body", "title"))
        return [
            body,
            tv.Query.boost_query(title, TITLE_BOOST),
            tv.Query.const_score_query(_should([body, title]), WORD_SCORE),
        ]

    def phrase(self, words) -> tv.Query | None:
        tokens = self.de.pre_tokenize(" ".join(words)).tokens
        if not tokens:
            return None
        if len(tokens) == 1:
            return _should(self.exact(tokens[0].text))
        first = tokens[0].position
        words = [(t.position - first, t.text) for t in tokens]
        self.highlight.extend(t.text for t in tokens)
        return _should(
            [
                tv.Query.phrase_query(self.schema, "body", words),
                tv.Query.boost_query(tv.Query.phrase_query(self.schema, "title", words), TITLE_BOOST),
            ]
        )

    def visible(self, stems: list[str], parts: bool = True) -> bool:
        """Does the word (or a compound of it) occur in a document the caller may see? Asked within the permission
        filter, so the query's shape never depends on words only in documents the caller cannot see."""
        fields = ("body", "title", "parts") if parts else ("body", "title")
        words = [tv.Query.term_query(self.schema, f, s) for s in stems for f in fields]
        q = tv.Query.boolean_query([(tv.Occur.Must, self.perm), (tv.Occur.Must, _should(words))])
        return bool(self.searcher.search(q, 1, count=False).hits)

    def typo(self, raw: str, distance: int, parts: bool = False) -> tv.Query | None:
        """Words within `distance` edits (also in the ending, since the unstemmed word is compared); the close words
        sharing the first letters (3, or 4 for long words) are added as terms so that snippets highlight them."""
        if distance <= 0:
            return None
        queries = [tv.Query.boost_query(tv.Query.fuzzy_term_query(self.schema, "raw", raw, distance), FUZZY_BOOST)]
        candidates = dict(
            self.searcher.terms_with_prefix("raw", raw[: HIGHLIGHT_PREFIX[distance]], limit=MAX_TYPO_SCAN)
        )
        close = [(candidates[t], t) for t in close_words(raw, list(candidates), distance)]
        stems = {s for _, t in sorted(close, reverse=True)[:MAX_TYPO_TERMS] for s in self.de.analyze(t)[:1]}
        queries += [tv.Query.boost_query(q, TYPO_BOOST) for s in sorted(stems) for q in self.exact(s)]
        if parts:  # the close words as compound parts too (Vertarg: Kaufvertrag)
            queries += [tv.Query.boost_query(self.part(s), TYPO_BOOST) for s in sorted(stems)]
        return _should(queries)


_LETTER = str.maketrans({"a": "[aä]", "o": "[oö]", "u": "[uü]"})
WINDOW_BEFORE, WINDOW_AFTER = 200, 500


def stems_pattern(stems: list[str]) -> re.Pattern | None:
    """A regex finding where any of the stems may occur in lowercased text (stems are folded: a may be ä, ss ß)."""
    alternatives = [re.escape(stem).translate(_LETTER).replace("ss", "(?:ss|ß)") for stem in dict.fromkeys(stems)]
    return re.compile("|".join(alternatives)) if alternatives else None


def _window(body: str, pattern: re.Pattern | None) -> tuple[int, int] | None:
    """A stretch of the body around the earliest place a highlight stem may occur (a cheap regex test), so the
    snippet generator analyses ~700 characters instead of the whole document."""
    m = pattern.search(body.lower()) if pattern is not None else None
    if m is None:
        return None
    first = m.start()
    start = body.rfind(" ", 0, max(0, first - WINDOW_BEFORE)) + 1
    end = body.find(" ", first + WINDOW_AFTER)
    return start, (len(body) if end < 0 else end)


def _fragment(generator: tv.SnippetGenerator, text: str) -> tuple[str, int | None]:
    sn = generator.snippet_from_doc(tv.Document(body=text))
    fragment = sn.to_html()
    if not fragment:
        return "", None
    marks = sn.highlighted()
    return fragment, sn.fragment_range().start + (marks[0].start if marks else 0)


def snippet(
    generator: tv.SnippetGenerator | None, body: str, pattern: re.Pattern | None, parts: "PartFinder | None" = None
) -> tuple[str, int | None]:
    """The highlighted fragment (HTML, `<b>` marks hits) and the character offset of its first hit in the body.
    Tried first on a window around the likely hit, then (if the window holds no real hit) on the whole body; a
    document found only through a compound part gets the part marked inside its compound (Kauf<b>vertrag</b>)."""
    if generator is not None:
        window = _window(body, pattern) if len(body) > WINDOW_BEFORE + WINDOW_AFTER else None
        if window is not None:
            fragment, offset = _fragment(generator, body[window[0] : window[1]])
            if fragment:
                return fragment, window[0] + offset
        fragment, offset = _fragment(generator, body)
        if fragment:
            return fragment, offset
    hit = parts.find(body) if parts is not None else None
    if hit is not None:
        return marked_snippet(body, hit[0], hit[1], SNIPPET_CHARS), hit[0]
    return html.escape(body[:SNIPPET_CHARS]), None


@dataclass
class PartFinder:
    """Finds the first compound in a text with a part the query looked for (stems as analysed by `de`)."""

    stems: set[str]
    de: tv.TextAnalyzer

    def __post_init__(self):
        self.pattern = stems_pattern(sorted(self.stems))

    def wanted(self, part: str) -> bool:
        return any(s in self.stems for s in self.de.analyze(part)[:1])

    def find(self, text: str) -> tuple[int, int] | None:
        if self.pattern is None:
            return None
        for m in self.pattern.finditer(text.lower()):
            hit = part_around(text, m.start(), self.wanted)
            if hit is not None:
                return hit
        for m in _HYPHENATED.finditer(text):  # Onlinedienst written Online-Dienst: the pattern cannot see it
            hit = part_around(text, m.start(), self.wanted)
            if hit is not None:
                return hit
        return None


_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
