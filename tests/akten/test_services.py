"""Akten services and the `akte` command: every write validates, is audited, and enqueues index changes in the
same transaction; the command speaks JSON with --json and fails with a clear message."""

import json
from datetime import date

import pytest

from akten.content import document_content_read
from akten.models import AktenplanUnit, AkteState, Document, Hold
from akten.retention import FristBeginn
from akten.services import (
    AkteError,
    akte_change_department,
    akte_close,
    akte_create,
    akte_grant,
    akte_revoke,
    aktenplan_unit_upsert,
)
from dms.models import AuditEvent, OutboxEntry
from tests import factories

pytestmark = pytest.mark.django_db


def actions(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).values_list("action", flat=True)
    )


def test_create_numbers_akten_per_unit_and_year(org, aktenplan):
    first = akte_create(unit=aktenplan.u6310, title="A", opened_on=date(2024, 2, 1))
    second = akte_create(unit=aktenplan.u6310, title="B", opened_on=date(2024, 5, 1))
    other_year = akte_create(unit=aktenplan.u6310, title="C", opened_on=date(2025, 1, 2))
    assert [first.aktenzeichen, second.aktenzeichen, other_year.aktenzeichen] == [
        "63.10-2024/0001",
        "63.10-2024/0002",
        "63.10-2025/0001",
    ]
    assert first.lead_department == org.d63 and actions(first) == ["akte.create"]


def test_create_refuses_what_the_aktenplan_does_not_cover(org, aktenplan):
    with pytest.raises(AkteError, match="Kein Aktenplan-Kennzeichen passt"):
        akte_create(aktenzeichen="99.1-2000/1", title="x")
    with pytest.raises(Exception, match="does not belong to Aktenplan unit 32"):
        akte_create(aktenzeichen="63.10-2000/1", title="x", unit=aktenplan.u32)
    bare = aktenplan_unit_upsert(kennzeichen="77", title="ohne Federführung", retention_years=5)
    with pytest.raises(AkteError, match="nennt keine"):
        akte_create(aktenzeichen="77-2000/1", title="x", unit=bare)


def test_close_audits_and_reindexes_the_documents(org, aktenplan):
    akte = factories.akte("63.20-2001/1", opened_on=date(2001, 1, 1))
    doc = factories.document(akte)
    OutboxEntry.objects.all().delete()
    akte_close(akte=akte, on=date(2002, 3, 4), by=org.anna)
    event = AuditEvent.objects.filter(action="akte.close").get()
    assert event.actor == "anna" and event.after["aufbewahrungsende"] == "2012-12-31"
    assert list(OutboxEntry.objects.values_list("document_id", flat=True)) == [doc.pk]


def test_retention_from_the_newest_document(org):
    aktenplan_unit_upsert(
        kennzeichen="50",
        title="Soziales",
        retention_years=10,
        department=org.d63,
        retention_start=FristBeginn.LETZTES_DOKUMENT,
    )
    akte = factories.akte("50-2000/1", opened_on=date(2000, 1, 1))
    factories.document(akte, "alt", date=date(2001, 5, 1))
    factories.document(akte, "neu", date=date(2004, 7, 1))
    assert akte_close(akte=akte, on=date(2006, 1, 1)).aufbewahrungsende == date(2014, 12, 31)


def test_grant_revoke_and_department_change_are_audited_and_reindexed(org, aktenplan):
    akte = factories.akte("63.20-2001/1")
    doc = factories.document(akte)
    OutboxEntry.objects.all().delete()
    akte_grant(akte=akte, by=org.admin, department=org.d32)
    akte_revoke(akte=akte, by=org.admin, department=org.d32)
    akte_change_department(akte=akte, department=org.d32, by=org.admin)
    assert actions(akte) == ["akte.create", "akte.grant", "akte.revoke", "akte.department"]
    assert OutboxEntry.objects.filter(document_id=doc.pk).count() == 3
    assert Document.objects.get(pk=doc.pk).department == org.d32  # the indexed copy follows the Akte


def test_grant_goes_to_exactly_one_grantee(org, aktenplan):
    akte = factories.akte("63.20-2001/1")
    with pytest.raises(AkteError, match="exactly one"):
        akte_grant(akte=akte, by=org.admin, user=org.bernd, department=org.d32)


def test_content_read_is_permission_checked_and_audited(org, aktenplan):
    akte = factories.akte("63.20-2001/1")
    doc = factories.document(akte, "Bescheid", text="Genehmigt")
    obj, data = document_content_read(document=doc, user=org.anna, which="original")
    assert data.endswith(b"Genehmigt") and obj.sha256 == doc.current_version.original.sha256
    event = AuditEvent.objects.filter(action="document.read").get()
    assert (event.actor, event.object_id, event.after["object"]) == ("anna", str(doc.pk), obj.sha256)
    with pytest.raises(Document.DoesNotExist):
        document_content_read(document=doc, user=org.bernd)
    assert AuditEvent.objects.filter(action="document.read").count() == 1


# -- the `akte` command ---------------------------------------------------------------------------------------


def test_akte_close_command(org, aktenplan, run_command):
    factories.akte("63.20-2001/1", opened_on=date(2001, 1, 1))
    code, out, err = run_command("akte", "close", "63.20-2001/1", "--date", "31.12.2002", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["state"], result["zda_date"], result["aufbewahrungsende"]) == (
        AkteState.ZDA,
        "2002-12-31",
        "2012-12-31",
    )
    code, _, err = run_command("akte", "close", "63.20-2001/1")
    assert code == 1 and "nur eine offene Akte kann z.d.A. verfügt werden" in err


def test_akte_hold_and_release_commands(org, aktenplan, run_command):
    factories.akte("63.20-2001/1")
    code, out, _ = run_command(
        "akte", "hold", "63.20-2001/1", "--reason", "Prüfung", "--reference", "RPA 4/26", "--user", "archiv", "--json"
    )
    hold_id = json.loads(out)["hold"]
    assert code == 0 and Hold.objects.get(pk=hold_id).created_by == org.archiv
    assert Hold.objects.get(pk=hold_id).reference == "RPA 4/26"
    run_command("akte", "hold", "63.20-2001/1", "--reason", "Zweite", "--user", "archiv2")
    release = ["release", "63.20-2001/1", "--hold", str(hold_id), "--user", "archiv2", "--reason", "geprüft"]
    code, out, _ = run_command("akte", "--json", *release)
    result = json.loads(out)
    assert code == 0 and [h["reason"] for h in result["active_holds"]] == ["Zweite"]
    assert Hold.objects.get(pk=hold_id).release_reason == "geprüft"
    code, _, err = run_command("akte", *release)
    assert code == 1 and "bereits aufgehoben" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["close", "63.99-1/1"], "no Akte '63.99-1/1'"),
        (["close", "63.20-2001/1", "--date", "2002-13-01"], "invalid date '2002-13-01'"),
        (["hold", "63.20-2001/1", "--reason", "x", "--user", "niemand"], "unknown user 'niemand'"),
        (["hold", "63.20-2001/1", "--reason", " ", "--user", "archiv"], "braucht einen Grund"),
        (["hold", "63.20-2001/1", "--user", "archiv"], "--reason"),
        (["release", "63.20-2001/1", "--hold", "12345", "--reason", "x", "--user", "archiv"], "#12345"),
        (["release", "63.20-2001/1", "--hold", "12345", "--user", "archiv"], "--reason"),
        (["release", "63.20-2001/1", "--hold", "1", "--reason", " ", "--user", "archiv"], "bitte einen Grund"),
    ],
)
def test_akte_command_errors_are_clear(org, aktenplan, run_command, args, message):
    factories.akte("63.20-2001/1")
    code, _, err = run_command("akte", *args)
    assert code == 1
    assert message in err


def test_admin_edits_the_aktenplan_through_the_audited_service(client, org, aktenplan):
    """Changing a unit's rule in the admin is audited and recomputes the closed Akten below it."""
    akte = akte_close(akte=factories.akte("63.10.02-1998/1", opened_on=date(1998, 1, 1)), on=date(2000, 1, 1))
    client.force_login(org.admin)
    response = client.post(
        f"/admin/akten/aktenplanunit/{aktenplan.u6310.pk}/change/",
        {"title": "Baugenehmigungen", "retention_years": "40", "aussonderungsart": "A", "retention_start": ""},
    )
    assert response.status_code == 302
    akte.refresh_from_db()
    assert akte.aufbewahrungsende == date(2040, 12, 31)
    assert AuditEvent.objects.filter(action="aktenplan.update", actor="admin").exists()
    response = client.post(
        "/admin/akten/aktenplanunit/add/",
        {
            "kennzeichen": "63.10.02.07",
            "title": "Garagen",
            "retention_years": "",
            "aussonderungsart": "",
            "retention_start": "",
        },
    )
    assert response.status_code == 302
    assert AktenplanUnit.objects.get(kennzeichen="63.10.02.07").parent == aktenplan.u631002
