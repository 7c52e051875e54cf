"""Suggestions from a document's text for the review page and for titles of documents split from a batch scan:
the document date ("Aachen, den 12.03.1998", "12. März 1998") and a title (a `Betreff:` line, else the first
line that looks like a heading). Pure functions; nothing is applied without a person (the review page shows
them as suggestions)."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
}
NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?!\d)")
WORDED = re.compile(r"(?<!\d)(\d{1,2})\.\s?(" + "|".join(MONTHS) + r")\s+(\d{4})(?!\d)", re.IGNORECASE)
PLACE_DATE = re.compile(r"[A-ZÄÖÜ][\w\-. ]{1,40},\s*(?:den|am)\s+", re.IGNORECASE)
SUBJECT = re.compile(r"^\s*(?:betreff|betr\.|gegenstand)\s*:?\s*(.+)$", re.IGNORECASE)
TITLE_MAX = 120


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year > 30 else 2000
    return year


def _dates(text: str):
    """(position, date, after "Ort, den") for every plausible date in the text."""
    today = date.today()
    found = []
    for pattern, month_of in ((NUMERIC, lambda m: int(m)), (WORDED, lambda m: MONTHS[m.lower()])):
        for match in pattern.finditer(text):
            try:
                value = date(_year(match.group(3)), month_of(match.group(2)), int(match.group(1)))
            except (ValueError, KeyError):
                continue
            if not date(1800, 1, 1) <= value <= today:
                continue
            before = text[max(0, match.start() - 50) : match.start()]
            found.append((match.start(), value, bool(PLACE_DATE.search(before.split("\n")[-1]))))
    return sorted(found, key=lambda f: f[0])


def suggest_date(text: str) -> date | None:
    """The document date: the first date written as "<Ort>, den <Datum>", else the first plausible date."""
    found = _dates(text or "")
    for _, value, placed in found:
        if placed:
            return value
    return found[0][1] if found else None


def _heading(line: str) -> bool:
    words = line.split()
    letters = sum(ch.isalpha() for ch in line)
    return (
        (2 <= len(words) <= 14 or (len(words) == 1 and len(line) >= 6))
        and letters >= 0.6 * len(line.replace(" ", ""))
        and line[0].isupper()
        and not line.rstrip().endswith((",", ";"))
        and not (line.rstrip().endswith(".") and len(words) > 6)  # a sentence, not a heading
        and not re.search(r"\d{5}", line)  # a postcode: an address line
        and not _dates(line)
    )


def suggest_title(text: str) -> str | None:
    """A `Betreff:` line, else the first heading-like line of the first lines; None when nothing fits."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    for line in lines[:40]:
        match = SUBJECT.match(line)
        if match and match.group(1).strip():
            return match.group(1).strip()[:TITLE_MAX]
    for line in lines[:8]:
        if _heading(line):
            return line.rstrip(".:")[:TITLE_MAX]
    return None
