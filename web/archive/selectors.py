"""Reads of the archive workspace: who may enter, the due list with its filters and counts, the dashboard.

The archivist sees the metadata of due Akten (Aktenzeichen, Betreff, Laufzeit, rule, proposal) through these
selectors, which return no document content; content is served only by the caseworker pages after the one access
rule (`akten.access`) allowed it."""

from collections import Counter
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear

from akten.access import user_roles
from akten.aussonderung.selectors import due_akten, unit_rules
from akten.models import Akte, AktenplanUnit, Aussonderungsart, DisposalRun, DisposalRunState, Hold
from dms.models import Department, Role

ARCHIVE_ROLES = frozenset({Role.ARCHIVIST, Role.ADMIN})
ART_LABELS = dict(Aussonderungsart.choices)


def may_enter(user) -> bool:
    """The archive workspace: archivists and admins (and a Django superuser)."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or bool(user_roles(user) & ARCHIVE_ROLES)
    )


def is_archivist(user) -> bool:
    """Runs the disposal schedule (the services refuse anyone else)."""
    return Role.ARCHIVIST in user_roles(user)


def units_with_art(art: str) -> list[int]:
    """Aktenplan units whose effective Aussonderungsart (inherited) is `art`."""
    return [pk for pk, rule in unit_rules().items() if rule.aussonderungsart == art]


def _unit_q(kennzeichen: str) -> Q:
    return Q(unit__kennzeichen=kennzeichen) | Q(unit__kennzeichen__startswith=f"{kennzeichen}.")


def filter_akten(qs: QuerySet[Akte], *, unit="", department="", year=None, art="") -> QuerySet[Akte]:
    """Apply the due list's filters: Aktenplan unit (with the units below it), lead department, year in which the
    retention ends, effective Aussonderungsart (the Akte's own, else its unit's)."""
    if unit:
        qs = qs.filter(_unit_q(unit))
    if department:
        qs = qs.filter(lead_department__code=department)
    if year:
        qs = qs.filter(aufbewahrungsende__year=year)
    if art:
        qs = qs.filter(Q(aussonderungsart=art) | Q(aussonderungsart="", unit_id__in=units_with_art(art)))
    return qs


SORTS = {
    "ende": ("aufbewahrungsende", "aktenzeichen"),
    "-ende": ("-aufbewahrungsende", "aktenzeichen"),
    "az": ("aktenzeichen",),
    "-az": ("-aktenzeichen",),
    "betreff": ("title", "aktenzeichen"),
    "-betreff": ("-title", "aktenzeichen"),
}


def due_filtered(*, as_of: date, unit="", department="", year=None, art="", sort="ende") -> QuerySet[Akte]:
    qs = due_akten(as_of=as_of).select_related("unit", "lead_department")
    qs = filter_akten(qs, unit=unit, department=department, year=year, art=art)
    return qs.order_by(*SORTS.get(sort, SORTS["ende"]))


def describe(akten, rules=None) -> list[Akte]:
    """Attach the rule and proposal (effective Aussonderungsart) to each Akte of a page, from one rules query."""
    rules = rules or unit_rules()
    out = []
    for akte in akten:
        rule = rules[akte.unit_id]
        akte.rule = rule
        akte.rule_text = "dauernd" if rule.permanent else (f"{rule.years} Jahre" if rule.years is not None else "–")
        akte.proposal = akte.aussonderungsart or rule.aussonderungsart
        akte.proposal_label = ART_LABELS.get(akte.proposal, akte.proposal)
        out.append(akte)
    return out


def counts(qs: QuerySet[Akte]) -> dict:
    """Counts of a set of Akten by Aussonderungsart, Aktenplan unit, department and year of retention end."""
    rules = unit_rules()
    by_art = Counter()
    for own, unit_id, n in qs.values_list("aussonderungsart", "unit_id").annotate(n=Count("id")).order_by():
        by_art[own or rules[unit_id].aussonderungsart] += n
    units = dict(AktenplanUnit.objects.values_list("pk", "kennzeichen"))
    titles = dict(AktenplanUnit.objects.values_list("kennzeichen", "title"))
    by_unit = Counter()
    for unit_id, n in qs.values_list("unit_id").annotate(n=Count("id")).order_by():
        by_unit[units[unit_id]] += n
    by_dept = dict(qs.values_list("lead_department__code").annotate(n=Count("id")).order_by())
    dept_names = dict(Department.objects.filter(code__in=by_dept).values_list("code", "name"))
    by_year = dict(
        qs.annotate(y=ExtractYear("aufbewahrungsende")).values_list("y").annotate(n=Count("id")).order_by("y")
    )
    return {
        "total": sum(by_art.values()),
        "art": [{"code": a, "label": ART_LABELS[a], "n": by_art.get(a, 0)} for a in ("A", "B", "V")],
        "unit": [{"code": k, "label": f"{k} {titles.get(k, '')}", "n": n} for k, n in sorted(by_unit.items())],
        "department": [
            {"code": c, "label": f"{c} {dept_names.get(c, '')}", "n": n} for c, n in sorted(by_dept.items())
        ],
        "year": [{"year": y, "n": n} for y, n in by_year.items()],
    }


def upcoming(*, today: date, years: int = 5) -> list[dict]:
    """Closed Akten without a hold whose retention ends this year or in the next `years` years, by year and
    Aussonderungsart: what the coming Aussonderungen will bring."""
    qs = due_akten(as_of=date(today.year + years + 1, 1, 1)).filter(aufbewahrungsende__gte=today)
    rules = unit_rules()
    table: dict[int, Counter] = {}
    rows = qs.annotate(y=ExtractYear("aufbewahrungsende")).values_list("y", "aussonderungsart", "unit_id")
    for y, own, unit_id, n in rows.annotate(n=Count("id")).order_by():
        table.setdefault(y, Counter())[own or rules[unit_id].aussonderungsart] += n
    return [
        {"year": y, "due_from": date(y + 1, 1, 1), "A": c["A"], "B": c["B"], "V": c["V"], "total": sum(c.values())}
        for y, c in sorted(table.items())
    ]


def holds_in_force() -> QuerySet[Hold]:
    return Hold.objects.filter(released_at__isnull=True).select_related("akte", "created_by").order_by("-created_at")


def runs_open() -> QuerySet[DisposalRun]:
    """Runs not yet finished, with their number of Akten."""
    return (
        DisposalRun.objects.exclude(state__in=[DisposalRunState.DONE, DisposalRunState.CANCELLED])
        .select_related("proposed_by")
        .annotate(n_items=Count("items"))
        .order_by("-pk")
    )


def runs_waiting_for_archive() -> QuerySet[DisposalRun]:
    """Runs whose next step is the archive's: the 0501 is out and the 0502 not yet in, or a 0503 waits for the
    archive's import confirmation (0506)."""
    return runs_open().filter(state__in=[DisposalRunState.OFFERED, DisposalRunState.AWAITING_IMPORT])


def filter_choices() -> dict:
    """Options of the due list's filter selects."""
    return {
        "units": list(AktenplanUnit.objects.order_by("kennzeichen").values_list("kennzeichen", "title")),
        "departments": list(Department.objects.order_by("code").values_list("code", "name")),
        "arts": list(Aussonderungsart.choices),
    }
