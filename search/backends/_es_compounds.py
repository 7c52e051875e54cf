"""Compound parts for the Elasticsearch backend: the same splitter and word list as tantivy (search/compounds.py,
search/lexicon/), so both backends give the same answers.

Why the parts come from the project and not from Elasticsearch's own decompounder filters: measured on the
7.10.2 node (`_analyze` with `dictionary_decompounder` and de_compound_parts.txt as `word_list`), Lucene's filter
emits every word-list entry found anywhere in a word (Bescheinigung -> schein, esch, einigung; Kaufvertrag ->
ertrag; Versicherung -> sicherung), so `Schein` would find Bescheinigung; the subwords carry the whole word's
offsets, so highlighting cannot mark the part. `hyphenation_decompounder` only narrows that to hyphenation points,
which the German patterns put in the wrong places for compounds (bench/search_quality.py: precision 0.36 for
middle parts against 1.0 for the project's splitter). The project therefore writes each document's parts into a
`parts` field, analysed by the same German analyzers as the body.
"""

from elasticsearch_dsl import Q, Text

from ..compounds import hyphen_joined, index_parts

# As in tantivy: a word's own occurrence scores BM25 plus WORD_SCORE, a compound part only PART_SCORE.
WORD_SCORE, PART_SCORE, PART_TYPO_BOOST = 1.0, 0.5, 0.2


def parts_field(analyzer) -> Text:
    return Text(analyzer=analyzer)


def parts_text(title: str, body: str) -> str:
    return index_parts(f"{title}\n{body}")


def word_bonus(text: str) -> Q:
    """Any document holding the word itself ranks above every document holding it only inside a compound."""
    return Q(
        "constant_score",
        boost=WORD_SCORE,
        filter=Q(
            "bool",
            minimum_should_match=1,
            should=[
                Q("match", body={"query": text, "operator": "and"}),
                Q("match", title={"query": text, "operator": "and"}),
            ],
        ),
    )


def part(text: str) -> Q:
    """The word as a compound part (Vertrag in Kaufvertrag), or written together when hyphenated (Online-Dienst)."""
    words = [text] + ([joined] if (joined := hyphen_joined(text)) else [])
    return Q(
        "constant_score",
        boost=PART_SCORE,
        filter=Q(
            "bool", minimum_should_match=1, should=[Q("match", parts={"query": w, "operator": "and"}) for w in words]
        ),
    )


def joined_word(text: str) -> list[Q]:
    """`Online-Dienst` also as the word written together (Onlinedienst)."""
    joined = hyphen_joined(text)
    return [Q("match", body=joined), word_bonus(joined)] if joined else []


def part_typo(text: str, fuzziness) -> Q:
    """A misspelt part, compared stemmed (Vertarg ~ Arbeitsverträge, as the tantivy backend's close words)."""
    return Q(
        "constant_score",
        boost=PART_SCORE * PART_TYPO_BOOST,
        filter=Q("match", parts={"query": text, "fuzziness": fuzziness}),
    )
