"""The query syntax for people: words (all must match), "phrases", -exclusion, word~ (typo distance), and the
filters az: dept: year: type:. Never fails: a syntax error is reported (in German, shown to the user) and the
query still searches its words."""

import re
import unicodedata
from dataclasses import dataclass, field

from .query import FILTER_FIELDS, Clause, Filter, Fuzzy, Phrase, SearchQuery, Term

_TOKEN = re.compile(r'\s*(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"|([^\s"]+))')
_FUZZY = re.compile(r"^(.+?)~([12]?)$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass
class ParsedQuery:
    must: list[Clause] = field(default_factory=list)
    must_not: list[Clause] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s\"]+", text) if w.strip("-~:")]


def _clause(text: str, quoted: bool) -> Clause | None:
    if not any(ch.isalnum() for ch in text):
        return None
    if quoted:
        words = tuple(_words(text))
        return Phrase(words) if len(words) > 1 else (Term(words[0]) if words else None)
    m = _FUZZY.match(text)
    if m and m.group(1).strip("~"):
        return Fuzzy(m.group(1), int(m.group(2) or 1))
    text = text.strip("~")
    return Term(text) if text else None


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string. An unbalanced quote or an unknown field becomes plain words; a filter with a bad
    value is dropped; each problem is reported in `errors`."""
    out = ParsedQuery()
    text = unicodedata.normalize("NFC", text or "")
    if text.count('"') % 2:
        cut = text.rfind('"')
        out.errors.append(f"Anführungszeichen an Stelle {cut + 1} ohne Gegenstück: als einzelne Wörter gesucht")
        text = text[:cut] + " " + text[cut + 1 :]
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            pos += 1
            continue
        pos = m.end()
        negated, name, quoted, bare = m.group(1) == "-", m.group(2), m.group(3), m.group(4)
        value = quoted if quoted is not None else bare
        if name is not None:
            key = name.lower()
            value = value.strip()
            if key in FILTER_FIELDS and value and (key != "year" or _YEAR.match(value)) and not negated:
                out.filters.append(Filter(key, value))
                continue
            if key in FILTER_FIELDS:
                reason = (
                    "ein Filter lässt sich nicht ausschließen"
                    if negated
                    else "braucht eine vierstellige Jahreszahl"
                    if key == "year"
                    else "braucht einen Wert"
                )
                out.errors.append(f"{name}:{value}: {reason}; Filter nicht angewandt")
                continue
            out.errors.append(
                f"{name}:{value}: unbekanntes Feld „{name}“ (möglich sind "
                f"{', '.join(f + ':' for f in FILTER_FIELDS)}); als Wörter gesucht"
            )
            for word in _words(f"{name} {value}"):
                (out.must_not if negated else out.must).append(Term(word))
            continue
        clause = _clause(value, quoted is not None)
        if clause is None:
            continue
        (out.must_not if negated else out.must).append(clause)
    return out


def query_from_text(
    text: str,
    *,
    principals,
    filters=(),
    limit: int = 10,
    offset: int = 0,
    highlight: bool = True,
    sort: str = "relevance",
    date_from=None,
    date_to=None,
) -> tuple[SearchQuery, list[str]]:
    """The SearchQuery for a people's query string, restricted to `principals`; returns it with syntax notes."""
    parsed = parse_query(text)
    query = SearchQuery(
        principals=tuple(principals),
        must=tuple(parsed.must),
        must_not=tuple(parsed.must_not),
        filters=tuple(parsed.filters) + tuple(filters),
        limit=limit,
        offset=offset,
        highlight=highlight,
        sort=sort,
        date_from=date_from,
        date_to=date_to,
    )
    return query, parsed.errors
