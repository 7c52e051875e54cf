"""Writes for the Aktenplan, Akten, holds and grants. Each runs in a transaction, validates, audits, and
enqueues the index change in the outbox."""

from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from dms.audit import audit_record
from dms.models import Department
from dms.outbox import outbox_enqueue

from . import access
from .aktenzeichen import Aktenzeichen, validate_kennzeichen
from .models import (
    DISPOSAL_STATES,
    Akte,
    AkteGroupObjectPermission,
    AktenplanUnit,
    AkteState,
    AkteUserObjectPermission,
    Document,
    Hold,
)
from .retention import FristBeginn, retention_end, retention_start
from .selectors import aktenplan_unit_for
from .signals import HeldError, assert_not_held


class AkteError(Exception):
    """A request on an Akte that its state or the rules do not allow; the message says why."""


class AccessDenied(AkteError):
    """The one access rule (`akten.access`) does not let this user do this."""


def _name(user) -> str:
    return user.get_username() if user is not None else "(niemand)"


def _reindex_akte(akte: Akte) -> None:
    outbox_enqueue(document_ids=akte.documents.values_list("id", flat=True))


@transaction.atomic
def aktenplan_unit_upsert(
    *,
    kennzeichen: str,
    title: str,
    retention_years: int | None = None,
    retention_permanent: bool = False,
    retention_start: str = "",
    aussonderungsart: str = "",
    department: Department | None = None,
    by=None,
) -> AktenplanUnit:
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
        audit_record(
            actor=by, action="aktenplan.create" if created else "aktenplan.update", obj=unit, before=before, after=after
        )
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
    return {
        "kennzeichen": unit.kennzeichen,
        "title": unit.title,
        "years": unit.retention_years,
        "dauernd": unit.retention_permanent,
        "start": unit.retention_start,
        "aussonderungsart": unit.aussonderungsart,
        "department": unit.department_id,
    }


def akte_next_aktenzeichen(*, unit: AktenplanUnit, year: int) -> str:
    """Next running number in the unit for the year: `<Kennzeichen>-<year>/<nnnn>`."""
    prefix = f"{unit.kennzeichen}-{year}/"
    existing = Akte.objects.filter(aktenzeichen__startswith=prefix).values_list("aktenzeichen", flat=True)
    numbers = [int(az[len(prefix) :]) for az in existing if az[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def akte_create(
    *,
    aktenzeichen: str | None = None,
    title: str,
    unit: AktenplanUnit | None = None,
    lead_department: Department | None = None,
    vertraulichkeit: str = "intern",
    opened_on: date | None = None,
    by=None,
) -> Akte:
    """Create an Akte. Its unit is the one named by the Aktenzeichen (longest Kennzeichen prefix); the lead
    department defaults to the unit's (inherited)."""
    if aktenzeichen:
        az = Aktenzeichen.parse(aktenzeichen)
        unit = unit or aktenplan_unit_for(az.kennzeichen)
        if unit is None:
            raise AkteError(f"Kein Aktenplan-Kennzeichen passt zum Aktenzeichen {aktenzeichen!r}")
    elif unit is not None:
        aktenzeichen = akte_next_aktenzeichen(unit=unit, year=(opened_on or timezone.localdate()).year)
    else:
        raise AkteError("Eine Akte braucht ein Aktenzeichen oder eine Aktenplaneinheit")
    if lead_department is None:
        dept_id = unit.effective_rule().department_id
        if dept_id is None:
            raise AkteError(
                f"Akte {aktenzeichen}: keine Federführung angegeben, und die Aktenplaneinheit {unit.kennzeichen} "
                "nennt keine"
            )
        lead_department = Department.objects.get(pk=dept_id)
    akte = Akte(
        aktenzeichen=str(aktenzeichen).strip(),
        title=title,
        unit=unit,
        lead_department=lead_department,
        vertraulichkeit=vertraulichkeit,
        opened_on=opened_on or timezone.localdate(),
    )
    akte.full_clean()
    akte.save()
    audit_record(
        actor=by,
        action="akte.create",
        obj=akte,
        after={"aktenzeichen": akte.aktenzeichen, "title": title, "department": lead_department.code},
    )
    return akte


def akte_retention_refresh(*, akte: Akte) -> Akte:
    """Recompute the stored Aufbewahrungsende from the effective rule (call inside a transaction)."""
    rule = akte.unit.effective_rule()
    last_doc = akte.documents.aggregate(m=Max("date"))["m"]
    start = retention_start(
        rule_start=rule.start, zda=akte.zda_date, last_document=last_doc, event=akte.fristbeginn_event
    )
    end = None if rule.permanent else retention_end(start, rule.years)
    if end != akte.aufbewahrungsende:
        akte.aufbewahrungsende = end
        akte.save(update_fields=["aufbewahrungsende"])
    return akte


@transaction.atomic
def akte_close(*, akte: Akte, by=None, on: date | None = None) -> Akte:
    """z.d.A.: close the Akte; the retention period starts to run. A closing user (`by`) must be allowed to change
    the Akte (caseworker of the lead department or a change grant); without one it is a system step. The date may
    lie in the past (a paper file closed long ago), not in the future, and not before the Akte was opened or
    before its latest document."""
    akte = Akte.objects.select_for_update().get(pk=akte.pk)
    if by is not None and not access.akte_changeable(by, akte):
        raise AccessDenied(
            f"{_name(by)} darf Akte {akte.aktenzeichen} nicht z.d.A. verfügen: nur die "
            f"Sachbearbeitung der federführenden Organisationseinheit ({akte.lead_department.code}) "
            "oder wer ein Änderungsrecht an der Akte hat"
        )
    if akte.state != AkteState.OFFEN:
        raise AkteError(
            f"Akte {akte.aktenzeichen} ist {akte.get_state_display()}; nur eine offene Akte kann z.d.A. verfügt werden"
        )
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise AkteError(f"Akte {akte.aktenzeichen}: das z.d.A.-Datum {on:%d.%m.%Y} liegt in der Zukunft")
    if akte.opened_on and on < akte.opened_on:
        raise AkteError(
            f"Akte {akte.aktenzeichen}: das z.d.A.-Datum {on:%d.%m.%Y} liegt vor der Anlage der Akte "
            f"({akte.opened_on:%d.%m.%Y})"
        )
    latest = akte.documents.aggregate(m=Max("date"))["m"]
    if latest and on < latest:
        raise AkteError(
            f"Akte {akte.aktenzeichen}: das z.d.A.-Datum {on:%d.%m.%Y} liegt vor dem Datum des jüngsten "
            f"Dokuments ({latest:%d.%m.%Y})"
        )
    akte.state, akte.zda_date = AkteState.ZDA, on
    akte.save(update_fields=["state", "zda_date"])
    akte_retention_refresh(akte=akte)
    audit_record(
        actor=by,
        action="akte.close",
        obj=akte,
        before={"state": AkteState.OFFEN},
        after={"state": akte.state, "zda": on, "aufbewahrungsende": akte.aufbewahrungsende},
    )
    _reindex_akte(akte)
    return akte


@transaction.atomic
def akte_set_fristbeginn(*, akte: Akte, event: date, by=None) -> Akte:
    """Record the event a law-specific retention period starts from (Fristbeginn `ereignis`)."""
    assert_not_in_disposal(akte, "ändern (Fristbeginn)")
    before = akte.fristbeginn_event
    akte.fristbeginn_event = event
    akte.save(update_fields=["fristbeginn_event"])
    akte_retention_refresh(akte=akte)
    audit_record(actor=by, action="akte.fristbeginn", obj=akte, before={"event": before}, after={"event": event})
    return akte


def assert_not_in_disposal(akte: Akte, what: str = "ändern") -> None:
    """An Akte in an Aussonderung (offered, evaluated, transferred and awaiting the archive's import) or already
    destroyed/transferred is read-only: every service that changes it asks here first (issue 11)."""
    state = Akte.objects.filter(pk=akte.pk).values_list("state", flat=True).first() or akte.state
    if state in DISPOSAL_STATES:
        raise AkteError(
            f"Akte {akte.aktenzeichen} ist {AkteState(state).label} und damit in der Aussonderung schreibgeschützt; "
            f"sie lässt sich nicht {what}"
        )


def _check_may_hold(user, akte: Akte, verb: str) -> None:
    if not access.may_hold(user, akte):
        raise AccessDenied(
            f"{_name(user)} darf auf Akte {akte.aktenzeichen} keine Löschsperre {verb}: das dürfen nur das Archiv "
            f"und die Sachbearbeitung der federführenden Organisationseinheit ({akte.lead_department.code})"
        )


@transaction.atomic
def hold_place(*, akte: Akte, reason: str, by, reference: str = "") -> Hold:
    """Löschsperre: from now on nothing in the Akte can be deleted or disposed of until every hold is released.
    `reference` names what the hold is for (e.g. the court's case number "VG 2 K 123/24"); optional."""
    _check_may_hold(by, akte, "setzen")
    if not reason or not reason.strip():
        raise AkteError(f"Akte {akte.aktenzeichen}: eine Löschsperre braucht einen Grund")
    reference = (reference or "").strip()
    if len(reference) > HOLD_REFERENCE_MAX:
        raise AkteError(
            f"Akte {akte.aktenzeichen}: Bezug der Löschsperre hat {len(reference)} Zeichen, erlaubt sind höchstens "
            f"{HOLD_REFERENCE_MAX}"
        )
    if akte.state in (AkteState.VERNICHTET, AkteState.ABGEGEBEN):
        raise AkteError(f"Akte {akte.aktenzeichen} ist {akte.get_state_display()}; es gibt nichts mehr zu sperren")
    hold = Hold(akte=akte, reason=reason.strip(), reference=reference, created_by=by)
    hold.full_clean()
    hold.save()
    audit_record(
        actor=by,
        action="hold.place",
        obj=akte,
        after={"hold": hold.pk, "reason": hold.reason, "reference": hold.reference},
    )
    return hold


HOLD_REFERENCE_MAX = Hold._meta.get_field("reference").max_length
HOLD_RELEASE_REASON_MAX = Hold._meta.get_field("release_reason").max_length


@transaction.atomic
def hold_release(*, akte: Akte, hold_id: int, by, reason: str) -> Hold:
    """Release one Löschsperre, saying why (stored on the hold as `release_reason` and audited)."""
    _check_may_hold(by, akte, "aufheben")
    reason = (reason or "").strip()
    if not reason:
        raise AkteError(f"Löschsperre #{hold_id} auf {akte.aktenzeichen}: bitte einen Grund für die Aufhebung angeben")
    if len(reason) > HOLD_RELEASE_REASON_MAX:
        raise AkteError(
            f"Löschsperre #{hold_id} auf {akte.aktenzeichen}: Grund der Aufhebung hat {len(reason)} Zeichen, "
            f"erlaubt sind höchstens {HOLD_RELEASE_REASON_MAX}"
        )
    hold = Hold.objects.select_for_update().filter(pk=hold_id, akte=akte).first()
    if hold is None:
        raise AkteError(f"Akte {akte.aktenzeichen} hat keine Löschsperre #{hold_id}")
    if hold.released_at is not None:
        raise AkteError(f"Löschsperre #{hold_id} auf {akte.aktenzeichen} ist bereits aufgehoben")
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), by, reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    audit_record(
        actor=by,
        action="hold.release",
        obj=akte,
        before={"hold": hold.pk, "reason": hold.reason, "reference": hold.reference},
        after={"released": True, "reason": reason},
    )
    return hold


@transaction.atomic
def akte_delete(*, akte: Akte, by) -> None:
    """Delete an Akte (admin correction of a mistaken entry). Refused under a Löschsperre, and for an Akte with
    documents: content leaves only through the Aussonderung (disposal)."""
    if not access.may_administer(by):
        raise AccessDenied(f"{_name(by)} darf Akte {akte.aktenzeichen} nicht löschen: nur die Administration")
    assert_not_held(akte.pk)
    n_docs = akte.documents.count()
    if n_docs:
        raise AkteError(
            f"Akte {akte.aktenzeichen} enthält {n_docs} Dokument(e) und wird nur durch die Aussonderung gelöscht"
        )
    doc_ids = list(akte.documents.values_list("id", flat=True))
    audit_record(actor=by, action="akte.delete", obj=akte, before={"aktenzeichen": akte.aktenzeichen})
    akte.delete()
    outbox_enqueue(document_ids=doc_ids, op="delete")


def _grantee(user=None, department: Department | None = None, group: Group | None = None):
    chosen = [x for x in (user, department, group) if x is not None]
    if len(chosen) != 1:
        raise AkteError("a grant goes to exactly one user, department or group")
    return department.group if department is not None else chosen[0]


ACCESS_LEVELS = ("none", "view", "change")


def akte_access_level(*, akte: Akte, grantee) -> str:
    """The grant a user or group holds on the Akte: none, view, or change (which includes view). Read from the grant
    rows themselves (guardian's get_user_perms reports nothing for a deactivated user, whose grant must still be
    revocable)."""
    if isinstance(grantee, Group):
        rows = AkteGroupObjectPermission.objects.filter(content_object=akte, group=grantee)
    else:
        rows = AkteUserObjectPermission.objects.filter(content_object=akte, user=grantee)
    perms = set(rows.values_list("permission__codename", flat=True))
    return "change" if access.CHANGE in perms else "view" if access.VIEW in perms else "none"


@transaction.atomic
def akte_set_access(
    *, akte: Akte, by, level: str, user=None, department: Department | None = None, group: Group | None = None
) -> str:
    """The one place that writes grants (django-guardian): set a user's, department's or group's grant on one
    Akte to `none`, `view` or `change`; audited (`akte.grant` / `akte.revoke`) and re-indexed in the same
    transaction. Returns the level before. A user (`by`) must be allowed to grant (`access.may_grant`: the
    Amtsleitung of the Akte's lead department or the admin role; or administer the admin site); without one it is
    a system step."""
    if by is not None and not (access.may_grant(by, akte) or access.may_administer(by)):
        raise AccessDenied(
            f"{_name(by)} darf den Zugriff auf Akte {akte.aktenzeichen} nicht ändern: das dürfen nur die "
            f"Amtsleitung der federführenden Organisationseinheit ({akte.lead_department.code}) und die "
            "Administration"
        )
    if level not in ACCESS_LEVELS:
        raise AkteError(f"unknown access level {level!r}: expected one of {', '.join(ACCESS_LEVELS)}")
    grantee = _grantee(user, department, group)
    before = akte_access_level(akte=akte, grantee=grantee)
    if before == level:
        return before
    for perm, wanted in ((access.VIEW, level != "none"), (access.CHANGE, level == "change")):
        (assign_perm if wanted else remove_perm)(f"akten.{perm}", grantee, akte)
    kind = "group" if isinstance(grantee, Group) else "user"
    audit_record(
        actor=by,
        action="akte.revoke" if level == "none" else "akte.grant",
        obj=akte,
        before={"to": str(grantee), kind: grantee.pk, "level": before},
        after={"to": str(grantee), kind: grantee.pk, "level": level, "change": level == "change"},
    )
    _reindex_akte(akte)
    return before


def akte_grant(
    *, akte: Akte, by, user=None, department: Department | None = None, group: Group | None = None, change: bool = False
) -> None:
    """Extra view (and optionally change) right on one Akte; never lowers an existing grant."""
    grantee = _grantee(user, department, group)
    current = akte_access_level(akte=akte, grantee=grantee)
    level = "change" if change or current == "change" else "view"
    akte_set_access(akte=akte, by=by, level=level, **_as_kwargs(grantee))


def akte_revoke(*, akte: Akte, by, user=None, department: Department | None = None, group: Group | None = None) -> None:
    akte_set_access(akte=akte, by=by, level="none", user=user, department=department, group=group)


def _as_kwargs(grantee) -> dict:
    return {"group": grantee} if isinstance(grantee, Group) else {"user": grantee}


@transaction.atomic
def akte_change_department(*, akte: Akte, department: Department, by) -> Akte:
    """Move the Federführung; documents follow (their department column and index principals)."""
    assert_not_in_disposal(akte, "an eine andere Organisationseinheit abgeben")
    if department.pk == akte.lead_department_id:
        return akte
    before = akte.lead_department.code
    akte.lead_department = department
    akte.save(update_fields=["lead_department"])
    Document.objects.filter(akte=akte).update(department=department)
    audit_record(
        actor=by,
        action="akte.department",
        obj=akte,
        before={"department": before},
        after={"department": department.code},
    )
    _reindex_akte(akte)
    return akte


AKTE_EDITABLE = ("title", "vertraulichkeit", "opened_on", "aussonderungsart")


@transaction.atomic
def akte_update(*, akte: Akte, by, **changes) -> Akte:
    """Correct an Akte's descriptive fields (Betreff, Vertraulichkeit, opened on, Aussonderungsart); audited.
    The Federführung moves only through `akte_change_department`, the Fristbeginn through
    `akte_set_fristbeginn`."""
    assert_not_in_disposal(akte)
    unknown = set(changes) - set(AKTE_EDITABLE)
    if unknown:
        raise AkteError(f"Akte {akte.aktenzeichen}: {', '.join(sorted(unknown))} cannot be changed here")
    akte = Akte.objects.select_for_update().get(pk=akte.pk)
    before = {f: getattr(akte, f) for f in changes if getattr(akte, f) != changes[f]}
    if not before:
        return akte
    for field in before:
        setattr(akte, field, changes[field])
    akte.full_clean()
    akte.save(update_fields=list(before))
    audit_record(actor=by, action="akte.update", obj=akte, before=before, after={f: changes[f] for f in before})
    return akte


__all__ = ["AccessDenied", "AkteError", "FristBeginn", "HeldError"]
