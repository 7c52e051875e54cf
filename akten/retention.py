"""Retention arithmetic (pure). OKeVA / Registraturrichtlinie: the period runs from the end of the year of
the start event, so Aufbewahrungsende = 31 Dec of (year of start + N years); `dauernd` never ends."""

from datetime import date


class FristBeginn:
    """Start points of a retention period."""

    ZDA = "zdA"  # closing of the Akte (zu den Akten), the default
    LETZTES_DOKUMENT = "letztes_dokument"  # date of the newest document in the Akte
    EREIGNIS = "ereignis"  # a law-specific event recorded on the Akte (e.g. Abbruch des Gebäudes, Tod)

    CHOICES = [
        (ZDA, "Schließung (z.d.A.)"),
        (LETZTES_DOKUMENT, "Datum des letzten Dokuments"),
        (EREIGNIS, "Ereignis (an der Akte erfasst)"),
    ]
    ALIASES = {
        "": ZDA,
        "zda": ZDA,
        "z.d.a.": ZDA,
        "schliessung": ZDA,
        "schließung": ZDA,
        "closing": ZDA,
        "letztes_dokument": LETZTES_DOKUMENT,
        "letztes dokument": LETZTES_DOKUMENT,
        "last_document": LETZTES_DOKUMENT,
        "ereignis": EREIGNIS,
        "event": EREIGNIS,
    }

    @classmethod
    def parse(cls, value: str) -> str:
        key = (value or "").strip().lower()
        if key not in cls.ALIASES:
            raise ValueError(f"unknown Fristbeginn {value!r}: expected one of zdA, letztes_dokument, ereignis")
        return cls.ALIASES[key]


def retention_end(start: date | None, years: int | None) -> date | None:
    """31 Dec of (year of start + years); None when there is no start yet or the rule is `dauernd` (years None)."""
    if start is None or years is None:
        return None
    if years < 0:
        raise ValueError("retention years must not be negative")
    return date(start.year + years, 12, 31)


def retention_start(
    *, rule_start: str, zda: date | None, last_document: date | None, event: date | None
) -> date | None:
    """The date the period runs from, per the rule's start point; None while it has not happened."""
    if zda is None:
        return None  # an open Akte's period never runs, whatever the start point
    if rule_start == FristBeginn.ZDA:
        return zda
    if rule_start == FristBeginn.LETZTES_DOKUMENT:
        return last_document or zda
    if rule_start == FristBeginn.EREIGNIS:
        return event
    raise ValueError(f"unknown Fristbeginn {rule_start!r}")
