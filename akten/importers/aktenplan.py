"""The Aktenplan importer: the file plan from an Excel CSV. Columns `Kennzeichen;Titel;Aufbewahrung;
Aussonderungsart`, optional `Fristbeginn` and `Organisationseinheit` (code or name). A bad row is reported with
its line number and reason; the good rows still import (parents before children, whatever the file order)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from akten.aktenzeichen import AktenzeichenError, validate_kennzeichen
from akten.models import AktenplanUnit, Aussonderungsart
from akten.retention import FristBeginn
from akten.services import _unit_state, aktenplan_unit_upsert
from dms.csvio import CsvError, read_excel_csv
from dms.importers import ImportFileError
from dms.models import Department

# Header (lower case) -> field; German as in docs/architecture.md (Aktenplan), English accepted too.
COLUMNS = {
    "kennzeichen": "kennzeichen",
    "code": "kennzeichen",
    "titel": "title",
    "title": "title",
    "bezeichnung": "title",
    "aufbewahrung": "retention",
    "aufbewahrungsfrist": "retention",
    "retention": "retention",
    "aussonderungsart": "aussonderungsart",
    "disposition": "aussonderungsart",
    "fristbeginn": "start",
    "retention_start": "start",
    "start": "start",
    "organisationseinheit": "department",
    "department": "department",
}
REQUIRED = {
    "kennzeichen": "Kennzeichen",
    "title": "Titel",
    "retention": "Aufbewahrung",
    "aussonderungsart": "Aussonderungsart",
}
YEARS_RE = re.compile(r"^(\d{1,3})(?:\s*(?:jahre?|j\.?))?$", re.IGNORECASE)
PERMANENT = {"dauernd", "dauerhaft", "unbegrenzt", "permanent"}


class RowError(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(frozen=True)
class UnitRow:
    line: int
    kennzeichen: str
    title: str
    retention_years: int | None
    retention_permanent: bool
    retention_start: str
    aussonderungsart: str
    department: Department | None

    @property
    def depth(self) -> int:
        return self.kennzeichen.count(".")


def parse_retention(value: str) -> tuple[int | None, bool]:
    """`10` / `10 Jahre` -> (10, False); `dauernd` -> (None, True); empty -> inherited (None, False)."""
    value = value.strip()
    if not value:
        return None, False
    if value.lower() in PERMANENT:
        return None, True
    match = YEARS_RE.match(value)
    if not match:
        raise RowError(f"Aufbewahrung {value!r} must be a number of years or 'dauernd'")
    return int(match.group(1)), False


def find_department(value: str, departments: list[Department]) -> Department | None:
    value = value.strip()
    if not value:
        return None
    for dept in departments:
        if value == dept.code or value.casefold() == dept.name.casefold() or value.casefold() == str(dept).casefold():
            return dept
    raise RowError(f"unknown Organisationseinheit {value!r} (neither a department code nor a name)")


def parse_row(line: int, row: dict[str, str], departments: list[Department]) -> UnitRow:
    if "__error__" in row:
        raise RowError(row["__error__"])
    try:
        kennzeichen = validate_kennzeichen(row.get("kennzeichen", ""))
    except AktenzeichenError as exc:
        raise RowError(str(exc)) from None
    title = row.get("title", "").strip()
    if not title:
        raise RowError("Titel is empty")
    years, permanent = parse_retention(row.get("retention", ""))
    art = row.get("aussonderungsart", "").strip().upper()
    if art and art not in Aussonderungsart.values:
        raise RowError(f"Aussonderungsart {row['aussonderungsart']!r} must be A, B or V")
    try:
        start = FristBeginn.parse(row["start"]) if row.get("start", "").strip() else ""
    except ValueError as exc:
        raise RowError(str(exc)) from None
    dept = find_department(row.get("department", ""), departments)
    return UnitRow(line, kennzeichen, title, years, permanent, start, art, dept)


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


@dataclass
class AktenplanPlan:
    """A parsed Aktenplan file: the good rows (parents first) and the rows already refused."""

    file: str
    units: list[UnitRow]
    errors: list[dict] = field(default_factory=list)


def read(file: Path) -> AktenplanPlan:
    """Parse the whole file. ImportFileError when it cannot be read or lacks a required column; a bad row is
    kept in `errors` as {line, kennzeichen, reason} and the other rows still import."""
    try:
        headers, rows = read_excel_csv(file)
    except CsvError as exc:
        raise ImportFileError(str(exc)) from None
    mapping = {h: COLUMNS[h.lower()] for h in headers if h.lower() in COLUMNS}
    missing = [label for field, label in REQUIRED.items() if field not in mapping.values()]
    if missing:
        raise ImportFileError(f"{file}: missing column(s) {', '.join(missing)} (header: {';'.join(headers)})")
    departments = list(Department.objects.all())
    plan = AktenplanPlan(file=str(file), units=[])
    first_line = {}
    for line, raw in rows:
        row = raw if "__error__" in raw else {mapping[h]: v for h, v in raw.items() if h in mapping}
        try:
            unit = parse_row(line, row, departments)
            if unit.kennzeichen in first_line:
                raise RowError(f"Kennzeichen {unit.kennzeichen} already on line {first_line[unit.kennzeichen]}")
            first_line[unit.kennzeichen] = line
            plan.units.append(unit)
        except RowError as exc:
            plan.errors.append(
                {"line": line, "kennzeichen": raw.get(_key(mapping, "kennzeichen"), ""), "reason": str(exc)}
            )
    # Parents before children, whatever the file order, so each unit finds its parent.
    plan.units.sort(key=lambda u: (u.depth, u.line))
    return plan


def apply(plan: AktenplanPlan, *, advance: Callable[[], object] = lambda: None) -> dict:
    """Upsert each unit through the audited service, each in its own transaction. Returns
    `{"file", "imported", "updated", "unchanged": [Kennzeichen], "errors": [{line, kennzeichen, reason}]}`,
    errors sorted by line. `advance()` is called after each unit (a progress bar)."""
    result = {"file": plan.file, "imported": [], "updated": [], "unchanged": [], "errors": list(plan.errors)}
    for unit in plan.units:
        _import(unit, result)
        advance()
    result["errors"].sort(key=lambda e: e["line"])
    return result


def _import(unit: UnitRow, result: dict) -> None:
    existing = AktenplanUnit.objects.filter(kennzeichen=unit.kennzeichen).first()
    before = _unit_state(existing) if existing else None
    try:
        with transaction.atomic():
            saved = aktenplan_unit_upsert(
                kennzeichen=unit.kennzeichen,
                title=unit.title,
                retention_years=unit.retention_years,
                retention_permanent=unit.retention_permanent,
                retention_start=unit.retention_start,
                aussonderungsart=unit.aussonderungsart,
                department=unit.department,
            )
    except ValidationError as exc:
        result["errors"].append({"line": unit.line, "kennzeichen": unit.kennzeichen, "reason": _message(exc)})
        return
    key = "imported" if before is None else ("unchanged" if before == _unit_state(saved) else "updated")
    result[key].append(unit.kennzeichen)


def _key(mapping: dict, field: str) -> str:
    return next((h for h, f in mapping.items() if f == field), "")
