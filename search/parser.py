"""The query syntax for people: words (all must match), "phrases", -exclusion, word~ (typo distance), and the
filters az: dept: year: type:. Never fails: a syntax error is reported and the query still searches its words."""
import re
from dataclasses import dataclass, field

from .query import FILTER_FIELDS, Clause, Filter, Fuzzy, Phrase, Term

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
    if quoted:
        words = tuple(_words(text))
        return Phrase(words) if len(words) > 1 else (Term(words[0]) if words else None)
    m = _FUZZY.match(text)
    if m and m.group(1).strip("~"):
        return Fuzzy(m.group(1), int(m.group(2) or 1))
    text = text.strip("~")
    return Term(text) if text else None


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; unbalanced quotes, unknown fields and bad filter values become plain words."""
    out = ParsedQuery()
    text = text or ""
    if text.count('"') % 2:
        cut = text.rfind('"')
        out.errors.append(f'unbalanced quote at position {cut + 1}: searched as plain words')
        text = text[:cut] + " " + text[cut + 1:]
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
            reason = ("an exclusion of a filter is not supported" if negated and key in FILTER_FIELDS
                      else f"{key}: needs a four-digit year" if key == "year"
                      else f"unknown field {name!r} (expected {', '.join(f + ':' for f in FILTER_FIELDS)})")
            out.errors.append(f"{name}:{value}: {reason}; searched as words")
            for word in _words(value if key in FILTER_FIELDS else f"{name} {value}"):
                out.must.append(Term(word))
            continue
        clause = _clause(value, quoted is not None)
        if clause is None:
            continue
        (out.must_not if negated else out.must).append(clause)
    return out
