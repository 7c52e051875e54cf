"""The caseworker's everyday writes on Akten: open an Akte in one's own department, create a Vorgang, reopen a
closed Akte with a reason, and ask the archive for a Löschsperre (hold request), which an archivist decides. Each
runs in one transaction, checks the one access rule (`akten.access`), validates, audits and re-indexes where the
index shows what changed. Messages are German: the UI and the API show them as they are."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from dms.audit import audit_record
from dms.models import Department, Role

from . import access
from .models import (
    Akte,
    AktenplanUnit,
    AkteState,
    DisposalItem,
    DisposalItemState,
    DisposalRunState,
    HoldRequest,
    HoldRequestState,
    Vertraulichkeit,
    Vorgang,
)
from .services import AccessDenied, AkteError, _name, _reindex_akte, akte_create, akte_retention_refresh, hold_place

TITLE_MAX = 500


def _clean_text(value: str, *, field: str, what: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise AkteError(f"{what}: {field} fehlt")
    if len(value) > max_length:
        raise AkteError(f"{what}: {field} ist {len(value)} Zeichen lang, erlaubt sind höchstens {max_length}")
    return value


def _check_changeable(by, akte: Akte, verb: str) -> None:
    if akte.in_disposal and access.akte_visible(by, akte):
        raise AkteError(
            f"Akte {akte.aktenzeichen} ist {akte.get_state_display()}: in der Aussonderung und danach ist sie "
            "schreibgeschützt"
        )
    if not access.akte_changeable(by, akte):
        raise AccessDenied(
            f"{_name(by)} darf in Akte {akte.aktenzeichen} {verb}: nur die Sachbearbeitung der "
            f"federführenden Organisationseinheit ({akte.lead_department.code}) oder wer ein Änderungsrecht hat"
        )


@transaction.atomic
def akte_open(
    *,
    unit: AktenplanUnit,
    title: str,
    lead_department: Department,
    by,
    opened_on: date | None = None,
    vertraulichkeit: str = Vertraulichkeit.INTERN,
) -> Akte:
    """A caseworker opens a new Akte under an Aktenplan unit in one of their own departments (the admin role in
    any); the next Aktenzeichen of the unit and year is assigned (`akte_create`)."""
    title = _clean_text(title, field="Betreff", what="Neue Akte", max_length=TITLE_MAX)
    if not access.departments_for_new_akte(by).filter(pk=lead_department.pk).exists():
        raise AccessDenied(
            f"{_name(by)} darf keine Akte mit Federführung {lead_department.code} {lead_department.name} anlegen: "
            "nur die Sachbearbeitung dieser Organisationseinheit"
        )
    if opened_on is not None and opened_on > timezone.localdate():
        raise AkteError(f"Neue Akte: das Anlagedatum {opened_on:%d.%m.%Y} liegt in der Zukunft")
    if vertraulichkeit not in Vertraulichkeit.values:
        raise AkteError(
            f"Neue Akte: Vertraulichkeit {vertraulichkeit!r} gibt es nicht; "
            f"erlaubt: {', '.join(Vertraulichkeit.values)}"
        )
    return akte_create(
        unit=unit,
        title=title,
        lead_department=lead_department,
        opened_on=opened_on,
        vertraulichkeit=vertraulichkeit,
        by=by,
    )


@transaction.atomic
def vorgang_create(*, akte: Akte, title: str, by) -> Vorgang:
    """A new Vorgang in an open Akte the user may change."""
    akte = Akte.objects.select_for_update().get(pk=akte.pk)
    _check_changeable(by, akte, "keinen Vorgang anlegen")
    title = _clean_text(title, field="Titel", what=f"Neuer Vorgang in Akte {akte.aktenzeichen}", max_length=TITLE_MAX)
    if akte.state != AkteState.OFFEN:
        raise AkteError(
            f"Akte {akte.aktenzeichen} ist {akte.get_state_display()}; Vorgänge entstehen nur in einer offenen Akte"
        )
    vorgang = Vorgang(akte=akte, title=title)
    vorgang.full_clean()
    vorgang.save()
    audit_record(actor=by, action="vorgang.create", obj=vorgang, after={"akte": akte.aktenzeichen, "title": title})
    return vorgang


def _in_disposal_run(akte: Akte) -> bool:
    """The Akte is part of an Aussonderung that is not finished (offered, evaluated or being carried out)."""
    live = (DisposalItemState.OFFERED, DisposalItemState.EVALUATED, DisposalItemState.REMOVING)
    return DisposalItem.objects.filter(akte=akte, state__in=live).exclude(run__state=DisposalRunState.DONE).exists()


@transaction.atomic
def akte_reopen(*, akte: Akte, by, reason: str) -> Akte:
    """Reopen a closed (z.d.A.) Akte, with a reason: the retention period no longer runs (Aufbewahrungsende cleared
    until it is closed again). Refused while the Akte is part of an Aussonderung."""
    akte = Akte.objects.select_for_update().get(pk=akte.pk)
    _check_changeable(by, akte, "die Akte nicht wieder öffnen")
    reason = _clean_text(reason, field="Begründung", what=f"Akte {akte.aktenzeichen} wieder öffnen", max_length=500)
    if akte.state != AkteState.ZDA or _in_disposal_run(akte):
        where = "in einer Aussonderung" if _in_disposal_run(akte) else akte.get_state_display()
        raise AkteError(
            f"Akte {akte.aktenzeichen} ist {where}; nur eine z.d.A. verfügte Akte außerhalb einer Aussonderung "
            "kann wieder geöffnet werden"
        )
    before = {"state": akte.state, "zda": akte.zda_date, "aufbewahrungsende": akte.aufbewahrungsende}
    akte.state, akte.zda_date = AkteState.OFFEN, None
    akte.save(update_fields=["state", "zda_date"])
    akte_retention_refresh(akte=akte)
    audit_record(
        actor=by,
        action="akte.reopen",
        obj=akte,
        before=before,
        after={"state": akte.state, "aufbewahrungsende": akte.aufbewahrungsende, "reason": reason},
    )
    _reindex_akte(akte)
    return akte


@transaction.atomic
def hold_request_create(*, akte: Akte, by, reason: str, reference: str = "") -> HoldRequest:
    """A caseworker who may change the Akte asks the archive for a Löschsperre, with reason and reference."""
    _check_changeable(by, akte, "keine Löschsperre beantragen")
    what = f"Antrag auf Löschsperre für Akte {akte.aktenzeichen}"
    reason = _clean_text(reason, field="Grund", what=what, max_length=500)
    reference = _clean_text(reference, field="Bezug", what=what, max_length=200, required=False)
    if akte.state in (AkteState.VERNICHTET, AkteState.ABGEGEBEN):
        raise AkteError(f"Akte {akte.aktenzeichen} ist {akte.get_state_display()}; eine Löschsperre ist nicht möglich")
    request = HoldRequest(akte=akte, reason=reason, reference=reference, requested_by=by)
    request.full_clean()
    request.save()
    audit_record(
        actor=by,
        action="hold.request",
        obj=akte,
        after={"request": request.pk, "reason": reason, "reference": reference},
    )
    return request


@transaction.atomic
def hold_request_decide(*, request: HoldRequest, by, place: bool, reason: str = "") -> HoldRequest:
    """The archive decides a hold request: place the Löschsperre (through `hold_place`; the request's reason and
    reference become the hold's) or decline it with a reason. Only the archive role; once."""
    request = HoldRequest.objects.select_for_update().select_related("akte").get(pk=request.pk)
    akte = request.akte
    if Role.ARCHIVIST not in access.user_roles(by):
        raise AccessDenied(f"{_name(by)} darf über Anträge auf Löschsperre nicht entscheiden: nur das Archiv")
    if request.state != HoldRequestState.OPEN:
        raise AkteError(f"Antrag #{request.pk} für Akte {akte.aktenzeichen} ist bereits {request.get_state_display()}")
    reason = _clean_text(
        reason, field="Begründung", what=f"Antrag #{request.pk} ablehnen", max_length=500, required=not place
    )
    if place:
        request.hold = hold_place(akte=akte, reason=request.reason, reference=request.reference, by=by)
        request.state = HoldRequestState.PLACED
    else:
        request.state = HoldRequestState.DECLINED
    request.decided_by, request.decided_at, request.decision_reason = by, timezone.now(), reason
    request.save(update_fields=["hold", "state", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=by,
        action="hold.request.decide",
        obj=akte,
        before={"request": request.pk, "state": HoldRequestState.OPEN},
        after={"request": request.pk, "state": request.state, "reason": reason},
    )
    return request
