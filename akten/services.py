"""Writes for the Aktenplan, Akten, holds and grants. Each runs in a transaction, validates, audits, and
enqueues the index change in the outbox."""
from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from dms.audit import audit_record
from dms.models import Department, Document
from search.outbox import outbox_enqueue

from .aktenzeichen import Aktenzeichen, validate_kennzeichen
from .models import Akte, AkteState, AktenplanUnit, Hold
from .retention import FristBeginn, retention_end, retention_start
from .selectors import aktenplan_unit_for
from .signals import HeldError, assert_not_held


class AkteError(Exception):
    """A request on an Akte that its state or the rules do not allow; the message says why."""


def _reindex_akte(akte: Akte) -> None:
    outbox_enqueue(document_ids=akte.documents.values_list("id", flat=True))


@transaction.atomic
def aktenplan_unit_upsert(*, kennzeichen: str, title: str, retention_years: int | None = None,
                          retention_permanent: bool = False, retention_start: str = "",
                          aussonderungsart: str = "", department: Department | None = None, by=None) -> AktenplanUnit:
    """Create or update a unit; its parent is the unit with the longest matching Kennzeichen prefix."""
    kennzeichen = validate_kennzeichen(kennzeichen)
    parent_kz = kennzeichen.rsplit(".", 1)[0] if "." in kennzeichen else None
    parent = aktenplan_unit_for(parent_kz) if parent_kz else None
    unit = AktenplanUnit.objects.filter(kennzeichen=kennzeichen).first() or AktenplanUnit(kennzeichen=kennzeichen)
    created = unit.pk is None
    before = None if created else _unit_state(unit)
    unit.title, unit.parent = title, parent
    unit.retention_years, unit.retention_permanent = retention_years, retention_permanent
    unit.retention_start, unit.aussonderungsart, unit.department = retention_start, aussonderungsart, department
    unit.full_clean()
    unit.save()
    after = _unit_state(unit)
    if created:
        _adopt_descendants(unit)
    if before != after:
        audit_record(actor=by, action="aktenplan.create" if created else "aktenplan.update", obj=unit,
                     before=before, after=after)
        below = Q(unit__kennzeichen=kennzeichen) | Q(unit__kennzeichen__startswith=f"{kennzeichen}.")
        for akte in Akte.objects.filter(below).exclude(zda_date=None).select_related("unit"):
            akte_retention_refresh(akte=akte)
    return unit


def _adopt_descendants(unit: AktenplanUnit) -> None:
    """A unit inserted between existing levels becomes the parent of the units (and the unit of the Akten)
    that so far hung on its own parent, so inheritance follows the Kennzeichen."""
    below = f"{unit.kennzeichen}."
    AktenplanUnit.objects.filter(kennzeichen__startswith=below, parent_id=unit.parent_id).update(parent=unit)
    if unit.parent_id is not None:
        mine = Q(aktenzeichen__startswith=below) | Q(aktenzeichen__startswith=f"{unit.kennzeichen}-")
        Akte.objects.filter(mine, unit_id=unit.parent_id).update(unit=unit)


def _unit_state(unit: AktenplanUnit) -> dict:
    return {"kennzeichen": unit.kennzeichen, "title": unit.title, "years": unit.retention_years,
            "dauernd": unit.retention_permanent, "start": unit.retention_start,
            "aussonderungsart": unit.aussonderungsart, "department": unit.department_id}


def akte_next_aktenzeichen(*, unit: AktenplanUnit, year: int) -> str:
    """Next running number in the unit for the year: `<Kennzeichen>-<year>/<nnnn>`."""
    prefix = f"{unit.kennzeichen}-{year}/"
    existing = Akte.objects.filter(aktenzeichen__startswith=prefix).values_list("aktenzeichen", flat=True)
    numbers = [int(az[len(prefix):]) for az in existing if az[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def akte_create(*, aktenzeichen: str | None = None, title: str, unit: AktenplanUnit | None = None,
                lead_department: Department | None = None, vertraulichkeit: str = "intern",
                opened_on: date | None = None, by=None) -> Akte:
    """Create an Akte. Its unit is the one named by the Aktenzeichen (longest Kennzeichen prefix); the lead
    department defaults to the unit's (inherited)."""
    if aktenzeichen:
        az = Aktenzeichen.parse(aktenzeichen)
        unit = unit or aktenplan_unit_for(az.kennzeichen)
        if unit is None:
            raise AkteError(f"no Aktenplan unit matches Aktenzeichen {aktenzeichen!r}")
    elif unit is not None:
        aktenzeichen = akte_next_aktenzeichen(unit=unit, year=(opened_on or timezone.localdate()).year)
    else:
        raise AkteError("an Akte needs an Aktenzeichen or an Aktenplan unit")
    if lead_department is None:
        dept_id = unit.effective_rule().department_id
        if dept_id is None:
            raise AkteError(f"Akte {aktenzeichen}: no department given and Aktenplan unit {unit.kennzeichen} names none")
        lead_department = Department.objects.get(pk=dept_id)
    akte = Akte(aktenzeichen=str(aktenzeichen).strip(), title=title, unit=unit, lead_department=lead_department,
                vertraulichkeit=vertraulichkeit, opened_on=opened_on or timezone.localdate())
    akte.full_clean()
    akte.save()
    audit_record(actor=by, action="akte.create", obj=akte,
                 after={"aktenzeichen": akte.aktenzeichen, "title": title, "department": lead_department.code})
    return akte


def akte_retention_refresh(*, akte: Akte) -> Akte:
    """Recompute the stored Aufbewahrungsende from the effective rule (call inside a transaction)."""
    rule = akte.unit.effective_rule()
    last_doc = akte.documents.aggregate(m=Max("date"))["m"]
    start = retention_start(rule_start=rule.start, zda=akte.zda_date, last_document=last_doc,
                            event=akte.fristbeginn_event)
    end = None if rule.permanent else retention_end(start, rule.years)
    if end != akte.aufbewahrungsende:
        akte.aufbewahrungsende = end
        akte.save(update_fields=["aufbewahrungsende"])
    return akte


@transaction.atomic
def akte_close(*, akte: Akte, by=None, on: date | None = None) -> Akte:
    """z.d.A.: close the Akte; the retention period starts to run."""
    akte = Akte.objects.select_for_update().get(pk=akte.pk)
    if akte.state != AkteState.OFFEN:
        raise AkteError(f"Akte {akte.aktenzeichen} is {akte.state}, only an open Akte can be closed")
    on = on or timezone.localdate()
    if akte.opened_on and on < akte.opened_on:
        raise AkteError(f"Akte {akte.aktenzeichen}: z.d.A. {on} is before it was opened ({akte.opened_on})")
    akte.state, akte.zda_date = AkteState.ZDA, on
    akte.save(update_fields=["state", "zda_date"])
    akte_retention_refresh(akte=akte)
    audit_record(actor=by, action="akte.close", obj=akte, before={"state": AkteState.OFFEN},
                 after={"state": akte.state, "zda": on, "aufbewahrungsende": akte.aufbewahrungsende})
    _reindex_akte(akte)
    return akte


@transaction.atomic
def akte_set_fristbeginn(*, akte: Akte, event: date, by=None) -> Akte:
    """Record the event a law-specific retention period starts from (Fristbeginn `ereignis`)."""
    before = akte.fristbeginn_event
    akte.fristbeginn_event = event
    akte.save(update_fields=["fristbeginn_event"])
    akte_retention_refresh(akte=akte)
    audit_record(actor=by, action="akte.fristbeginn", obj=akte, before={"event": before}, after={"event": event})
    return akte


@transaction.atomic
def hold_place(*, akte: Akte, reason: str, by) -> Hold:
    """Löschsperre: from now on nothing in the Akte can be deleted or disposed of until every hold is released."""
    if not reason or not reason.strip():
        raise AkteError(f"Akte {akte.aktenzeichen}: a Löschsperre needs a reason")
    if akte.state in (AkteState.VERNICHTET, AkteState.ABGEGEBEN):
        raise AkteError(f"Akte {akte.aktenzeichen} is {akte.state}; there is nothing left to hold")
    hold = Hold(akte=akte, reason=reason.strip(), created_by=by)
    hold.full_clean()
    hold.save()
    audit_record(actor=by, action="hold.place", obj=akte, after={"hold": hold.pk, "reason": hold.reason})
    return hold


@transaction.atomic
def hold_release(*, akte: Akte, hold_id: int, by) -> Hold:
    hold = Hold.objects.select_for_update().filter(pk=hold_id, akte=akte).first()
    if hold is None:
        raise AkteError(f"Akte {akte.aktenzeichen} has no Löschsperre #{hold_id}")
    if hold.released_at is not None:
        raise AkteError(f"Löschsperre #{hold_id} on {akte.aktenzeichen} was already released")
    hold.released_at, hold.released_by = timezone.now(), by
    hold.save(update_fields=["released_at", "released_by"])
    audit_record(actor=by, action="hold.release", obj=akte, before={"hold": hold.pk, "reason": hold.reason},
                 after={"released": True})
    return hold


@transaction.atomic
def akte_delete(*, akte: Akte, by) -> None:
    """Delete an Akte (admin correction of a mistaken entry). Refused under a Löschsperre."""
    assert_not_held(akte.pk)
    doc_ids = list(akte.documents.values_list("id", flat=True))
    audit_record(actor=by, action="akte.delete", obj=akte, before={"aktenzeichen": akte.aktenzeichen})
    akte.delete()
    outbox_enqueue(document_ids=doc_ids, op="delete")


def _grantee(user=None, department: Department | None = None, group: Group | None = None):
    chosen = [x for x in (user, department, group) if x is not None]
    if len(chosen) != 1:
        raise AkteError("a grant goes to exactly one user, department or group")
    return department.group if department is not None else chosen[0]


@transaction.atomic
def akte_grant(*, akte: Akte, by, user=None, department: Department | None = None, group: Group | None = None,
               change: bool = False) -> None:
    """Extra view (and optionally change) right on one Akte, through django-guardian."""
    grantee = _grantee(user, department, group)
    assign_perm("akten.view_akte", grantee, akte)
    if change:
        assign_perm("akten.change_akte", grantee, akte)
    audit_record(actor=by, action="akte.grant", obj=akte, after={"to": str(grantee), "change": change})
    _reindex_akte(akte)


@transaction.atomic
def akte_revoke(*, akte: Akte, by, user=None, department: Department | None = None,
                group: Group | None = None) -> None:
    grantee = _grantee(user, department, group)
    remove_perm("akten.view_akte", grantee, akte)
    remove_perm("akten.change_akte", grantee, akte)
    audit_record(actor=by, action="akte.revoke", obj=akte, before={"to": str(grantee)})
    _reindex_akte(akte)


@transaction.atomic
def akte_change_department(*, akte: Akte, department: Department, by) -> Akte:
    """Move the Federführung; documents follow (their department column and index principals)."""
    before = akte.lead_department.code
    akte.lead_department = department
    akte.save(update_fields=["lead_department"])
    Document.objects.filter(akte=akte).update(department=department)
    audit_record(actor=by, action="akte.department", obj=akte, before={"department": before},
                 after={"department": department.code})
    _reindex_akte(akte)
    return akte


__all__ = ["AkteError", "HeldError", "FristBeginn"]
