"""The caseworker's everyday writes (akten/casework.py) and the rules around them in akten/services.py: opening an
Akte in one's own department, Vorgänge, z.d.A. with a historical date, reopening with a reason, who grants access
(the department lead), and hold requests decided by the archive. Each write is audited; each refusal names why."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from akten import access
from akten.casework import akte_open, akte_reopen, hold_request_create, hold_request_decide, vorgang_create
from akten.models import AkteState, HoldRequestState
from akten.services import AccessDenied, AkteError, akte_close, akte_grant, akte_revoke, akte_set_access
from dms.models import AuditEvent, OutboxEntry
from dms.services import user_upsert
from tests import factories

pytestmark = pytest.mark.django_db


def actions(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def lead(org):
    """Lena, Amtsleitung of 63 (lead role, member of 63, no caseworker role)."""
    return user_upsert(username="lena", password="pw", departments=["63"], roles=["lead"])


def test_open_assigns_the_next_aktenzeichen_in_the_callers_department(org, aktenplan):
    first = akte_open(unit=aktenplan.u6310, title="Neubau Halle", lead_department=org.d63, by=org.anna)
    second = akte_open(unit=aktenplan.u6310, title="Anbau", lead_department=org.d63, by=org.anna)
    year = timezone.localdate().year
    assert [first.aktenzeichen, second.aktenzeichen] == [f"63.10-{year}/0001", f"63.10-{year}/0002"]
    assert first.lead_department == org.d63 and actions(first) == ["akte.create"]
    assert access.akte_changeable(org.anna, first)


def test_open_is_refused_outside_the_callers_departments_and_for_bad_input(org, aktenplan):
    with pytest.raises(AccessDenied, match="keine Akte mit Federführung 32"):
        akte_open(unit=aktenplan.u32, title="x", lead_department=org.d32, by=org.anna)
    with pytest.raises(AccessDenied):
        akte_open(unit=aktenplan.u6310, title="x", lead_department=org.d63, by=org.archiv)
    with pytest.raises(AkteError, match="Betreff fehlt"):
        akte_open(unit=aktenplan.u6310, title="  ", lead_department=org.d63, by=org.anna)
    with pytest.raises(AkteError, match="liegt in der Zukunft"):
        akte_open(
            unit=aktenplan.u6310,
            title="x",
            lead_department=org.d63,
            by=org.anna,
            opened_on=timezone.localdate() + timedelta(days=1),
        )
    assert akte_open(unit=aktenplan.u32, title="Amtshilfe", lead_department=org.d32, by=org.admin)


def test_vorgang_only_in_an_open_akte_the_user_may_change(org, aktenplan):
    akte = factories.akte("63.10-2020/0001", opened_on=date(2020, 1, 1))
    vorgang = vorgang_create(akte=akte, title="Nachforderung Statik", by=org.anna)
    assert vorgang.akte == akte and actions(vorgang) == ["vorgang.create"]
    with pytest.raises(AccessDenied, match="keinen Vorgang anlegen"):
        vorgang_create(akte=akte, title="x", by=org.bernd)
    with pytest.raises(AkteError, match="Titel fehlt"):
        vorgang_create(akte=akte, title="", by=org.anna)
    akte_close(akte=akte, on=date(2021, 1, 1), by=org.anna)
    with pytest.raises(AkteError, match="nur in einer offenen Akte"):
        vorgang_create(akte=akte, title="zu spät", by=org.anna)


def test_close_takes_a_historical_date_but_not_before_the_latest_document_nor_in_the_future(org, aktenplan):
    akte = factories.akte("63.10-1998/0001", opened_on=date(1998, 1, 5))
    factories.document(akte, "Bescheid", date=date(1999, 6, 30))
    with pytest.raises(AkteError, match=r"vor dem Datum des jüngsten Dokuments \(30.06.1999\)"):
        akte_close(akte=akte, on=date(1999, 6, 29), by=org.anna)
    with pytest.raises(AkteError, match="in der Zukunft"):
        akte_close(akte=akte, on=timezone.localdate() + timedelta(days=1), by=org.anna)
    akte = akte_close(akte=akte, on=date(1999, 6, 30), by=org.anna)
    assert akte.state == AkteState.ZDA and akte.aufbewahrungsende == date(2029, 12, 31)


def test_reopen_needs_a_reason_clears_retention_and_is_audited(org, aktenplan):
    akte = factories.akte("63.10-2001/0001", opened_on=date(2001, 1, 1))
    factories.document(akte, "Antrag", date=date(2001, 2, 1))
    akte_close(akte=akte, on=date(2002, 3, 4), by=org.anna)
    OutboxEntry.objects.all().delete()
    with pytest.raises(AkteError, match="Begründung fehlt"):
        akte_reopen(akte=akte, by=org.anna, reason=" ")
    with pytest.raises(AccessDenied, match="nicht wieder öffnen"):
        akte_reopen(akte=akte, by=org.bernd, reason="Widerspruch")
    akte = akte_reopen(akte=akte, by=org.anna, reason="Widerspruch eingegangen")
    assert (akte.state, akte.zda_date, akte.aufbewahrungsende) == (AkteState.OFFEN, None, None)
    event = AuditEvent.objects.filter(action="akte.reopen").get()
    assert event.after["reason"] == "Widerspruch eingegangen" and event.before["aufbewahrungsende"] == "2032-12-31"
    assert OutboxEntry.objects.exists()  # the index shows the state
    with pytest.raises(AkteError, match=r"nur eine z\.d\.A\. verfügte Akte"):
        akte_reopen(akte=akte, by=org.anna, reason="nochmal")
    akte = akte_close(akte=akte, on=date(2003, 1, 1), by=org.anna)
    assert akte.aufbewahrungsende == date(2033, 12, 31)  # recomputed from the new z.d.A.


def test_reopen_is_refused_while_the_akte_is_in_an_aussonderung(org, aktenplan, tmp_path):
    from akten.aussonderung.services import run_offer

    akte = factories.akte("63.10-1980/0001", opened_on=date(1980, 1, 1))
    akte_close(akte=akte, on=date(1981, 1, 1), by=org.anna)
    run_offer(as_of=timezone.localdate(), out_dir=tmp_path, by=org.archiv)
    with pytest.raises(AkteError, match=r"angeboten: in der Aussonderung"):
        akte_reopen(akte=akte, by=org.anna, reason="doch noch gebraucht")


def test_only_leads_of_the_lead_department_and_admins_grant(org, aktenplan, lead):
    akte = factories.akte("63.10-2020/0001")
    assert access.may_grant(lead, akte) and access.may_grant(org.admin, akte)
    assert not access.may_grant(org.anna, akte) and not access.may_grant(org.archiv, akte)
    with pytest.raises(AccessDenied, match=r"Zugriff auf Akte 63\.10-2020/0001 nicht ändern"):
        akte_grant(akte=akte, by=org.anna, department=org.d32)
    akte_grant(akte=akte, by=lead, department=org.d32)
    assert access.akte_visible(org.bernd, akte)
    other_lead = user_upsert(username="olaf", departments=["32"], roles=["lead"])
    with pytest.raises(AccessDenied):
        akte_revoke(akte=akte, by=other_lead, department=org.d32)
    akte_set_access(akte=akte, by=lead, level="none", department=org.d32)
    assert not access.akte_visible(org.bernd, akte)
    assert actions(akte)[-2:] == ["akte.grant", "akte.revoke"]


def test_a_lead_reads_and_holds_in_the_own_department(org, aktenplan, lead):
    a63, a32 = factories.akte("63.10-2020/0001"), factories.akte("32-2020/0001")
    assert access.akte_visible(lead, a63) and not access.akte_visible(lead, a32)
    assert access.may_hold(lead, a63) and not access.may_hold(lead, a32)
    assert not access.may_grant(lead, a32)
    both = user_upsert(username="scanlead", departments=["63"], roles=["lead", "scan"])
    assert not access.is_scan_only(both) and access.akte_visible(both, a63)


def test_hold_request_placed_by_the_archive(org, aktenplan):
    akte = factories.akte("63.10-2020/0001")
    with pytest.raises(AccessDenied, match="keine Löschsperre beantragen"):
        hold_request_create(akte=akte, by=org.bernd, reason="x")
    with pytest.raises(AkteError, match="Grund fehlt"):
        hold_request_create(akte=akte, by=org.anna, reason="")
    request = hold_request_create(akte=akte, by=org.anna, reason="Klage anhängig", reference="VG 3 K 12/26")
    assert request.state == HoldRequestState.OPEN and not akte.active_holds.exists()
    with pytest.raises(AccessDenied, match="nur das Archiv"):
        hold_request_decide(request=request, by=org.anna, place=True)
    request = hold_request_decide(request=request, by=org.archiv, place=True)
    assert request.state == HoldRequestState.PLACED and request.decided_by == org.archiv
    assert (request.hold.reason, request.hold.reference) == ("Klage anhängig", "VG 3 K 12/26") and request.hold.active
    with pytest.raises(AkteError, match="bereits Löschsperre gesetzt"):
        hold_request_decide(request=request, by=org.archiv2, place=False, reason="doppelt")
    assert actions(akte)[-3:] == ["hold.request", "hold.place", "hold.request.decide"]


def test_hold_request_declined_needs_a_reason(org, aktenplan):
    akte = factories.akte("63.10-2020/0001")
    request = hold_request_create(akte=akte, by=org.anna, reason="vorsorglich")
    with pytest.raises(AkteError, match="Begründung fehlt"):
        hold_request_decide(request=request, by=org.archiv, place=False)
    request = hold_request_decide(request=request, by=org.archiv, place=False, reason="kein Verfahren anhängig")
    assert request.state == HoldRequestState.DECLINED and request.hold is None
    assert not akte.active_holds.exists()
