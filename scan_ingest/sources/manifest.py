"""Manifest CSV (Excel habits via dms.csvio): `Datei|file; Aktenzeichen; Titel|title; Organisationseinheit|
department; Datum|date; Dokumentart|document_type`, headers case-insensitive; for the Akte a row names, when the
ingest creates it: `Aktentitel|Betreff|akte_title`, `Laufzeit von|opened`, `Laufzeit bis|until`,
`z.d.A.|Abschluss|closed` (a z.d.A. date closes the Akte on ingest with that date). A bad row is reported with
its line number; the other rows go on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from dms.csvio import CsvError, read_excel_csv

from ..errors import IngestError

HEADER_ALIASES = {
    "datei": "file",
    "file": "file",
    "aktenzeichen": "aktenzeichen",
    "titel": "title",
    "title": "title",
    "organisationseinheit": "department",
    "department": "department",
    "datum": "date",
    "date": "date",
    "dokumentart": "document_type",
    "document_type": "document_type",
    # the Akte a row's Aktenzeichen names, when ingest creates it (Bestandsakten keep their history)
    "aktentitel": "akte_title",
    "betreff": "akte_title",
    "akte_title": "akte_title",
    "file_title": "akte_title",
    "laufzeit von": "opened",
    "laufzeit_von": "opened",
    "laufzeit-von": "opened",
    "opened": "opened",
    "opened_on": "opened",
    "runtime_from": "opened",
    "laufzeit bis": "until",
    "laufzeit_bis": "until",
    "laufzeit-bis": "until",
    "until": "until",
    "runtime_to": "until",
    "z.d.a.": "zda",
    "z.d.a": "zda",
    "zda": "zda",
    "zda-datum": "zda",
    "z.d.a.-datum": "zda",
    "abschluss": "zda",
    "closed": "zda",
    "closed_on": "zda",
}
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class ManifestRow:
    line: int
    file: str
    aktenzeichen: str = ""
    title: str = ""
    department: str = ""
    date: date | None = None
    document_type: str = ""
    akte_title: str = ""
    opened: date | None = None
    until: date | None = None
    zda: date | None = None

    def fingerprint(self) -> tuple:
        return (
            self.aktenzeichen,
            self.title,
            self.department,
            self.date.isoformat() if self.date else "",
            self.document_type,
        ) + (
            (self.akte_title, *(d.isoformat() if d else "" for d in (self.opened, self.until, self.zda)))
            if self.akte_title or self.opened or self.until or self.zda
            else ()
        )


def parse_date(value: str) -> date | None:
    """`DD.MM.YYYY` or ISO `YYYY-MM-DD`; an impossible date (31.02.) is an error, not a guess."""
    value = value.strip()
    if not value:
        return None
    match = GERMAN_DATE.match(value)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None and (match := ISO_DATE.match(value)):
        parts = match.groups()
    if parts is None:
        raise ValueError(f"unbekanntes Datumsformat {value!r} (erwartet TT.MM.JJJJ oder JJJJ-MM-TT)")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(f"unmögliches Datum {value!r}") from None


def _dated(label: str, value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None


def read_manifest(path: Path) -> tuple[list[ManifestRow], list[tuple[int, str, str]]]:
    """Rows and [(line, file, reason)] for rejected rows. A manifest without a file column is refused whole."""
    try:
        headers, rows = read_excel_csv(path)
    except CsvError as exc:
        raise IngestError(f"Manifest {exc}") from None
    mapping = {h: HEADER_ALIASES.get(h.strip().lower()) for h in headers}
    if "file" not in mapping.values():
        raise IngestError(f"Manifest {path.name}: keine Spalte 'Datei' oder 'file' (Spalten: {', '.join(headers)})")
    good, bad = [], []
    for line, raw in rows:
        if "__error__" in raw:
            bad.append((line, "", f"Manifest Zeile {line}: {raw['__error__']}"))
            continue
        values = {key: raw[h] for h, key in mapping.items() if key}
        file = values.get("file", "").strip()
        try:
            if not file:
                raise ValueError("keine Datei genannt")
            az = values.get("aktenzeichen", "").strip()
            if az:
                az = str(Aktenzeichen.parse(az))
            good.append(
                ManifestRow(
                    line=line,
                    file=file,
                    aktenzeichen=az,
                    title=values.get("title", "").strip(),
                    department=values.get("department", "").strip(),
                    date=parse_date(values.get("date", "")),
                    document_type=values.get("document_type", "").strip(),
                    akte_title=values.get("akte_title", "").strip(),
                    opened=_dated("Laufzeit von", values.get("opened", "")),
                    until=_dated("Laufzeit bis", values.get("until", "")),
                    zda=_dated("z.d.A.", values.get("zda", "")),
                )
            )
        except (ValueError, AktenzeichenError) as exc:
            bad.append((line, file, f"Manifest Zeile {line}: {exc}"))
    return good, bad
