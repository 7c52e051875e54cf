"""Löschsperre (legal hold): a held Akte, and everything inside it, cannot be deleted by any path that goes
through the model layer — services, the Django admin (single and bulk), queryset deletes, cascades. Holds stack;
only when every hold is released can the Akte be deleted. An active hold itself cannot be deleted."""

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from akten.models import Akte, Document, DocumentVersion, Hold, Page, Vorgang
from akten.services import AkteError, akte_delete, hold_place, hold_release
from akten.signals import HeldError
from dms.models import AuditEvent, Department, OutboxEntry, StoredObject
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(org, aktenplan):
    """An Akte with a Vorgang and two documents (one in the Vorgang), under one Löschsperre."""
    akte = factories.akte("63.10.02-1998/0042", "Neubau Gartenweg 12")
    vorgang = Vorgang.objects.create(akte=akte, title="Widerspruch")
    factories.document(akte, "Bauantrag", pages=2)
    factories.document(akte, "Widerspruchsbescheid", vorgang=vorgang)
    hold = hold_place(akte=akte, reason="Rechtsstreit VG 2 K 123/24", by=org.archiv)
    return akte, hold


def counts(akte):
    """(Akten, Vorgänge, Dokumente, Versionen, Seiten) of the Akte, by id (works after it is gone)."""
    pk = akte.id
    return (
        Akte.objects.filter(pk=pk).count(),
        Vorgang.objects.filter(akte_id=pk).count(),
        Document.objects.filter(akte_id=pk).count(),
        DocumentVersion.objects.filter(document__akte_id=pk).count(),
        Page.objects.filter(version__document__akte_id=pk).count(),
    )


FULL = (1, 1, 2, 2, 3)


def refused(fn):
    with pytest.raises(HeldError) as err, transaction.atomic():
        fn()
    return str(err.value)


def test_service_delete_is_refused_naming_akte_and_reason(held, org):
    akte, hold = held
    message = refused(lambda: akte_delete(akte=akte, by=org.admin))
    assert "63.10.02-1998/0042" in message and f"#{hold.pk}: Rechtsstreit VG 2 K 123/24" in message
    assert counts(akte) == FULL
    assert not AuditEvent.objects.filter(action="akte.delete").exists()


def test_instance_and_queryset_delete_are_refused(held):
    akte, _ = held
    refused(lambda: Akte.objects.get(pk=akte.pk).delete())
    refused(lambda: Akte.objects.filter(pk=akte.pk).delete())
    refused(lambda: Akte.objects.all().delete())
    assert counts(akte) == FULL


def test_bulk_delete_with_one_held_akte_deletes_nothing(held, aktenplan):
    akte, _ = held
    other = factories.akte("63.20-2001/1")
    refused(lambda: Akte.objects.filter(pk__in=[akte.pk, other.pk]).delete())
    assert Akte.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("what", ["vorgang", "document", "version", "page"])
def test_deleting_anything_inside_is_refused(held, what):
    """Vorgang (cascades to its documents), Document, DocumentVersion, Page: instance and queryset deletes."""
    akte, _ = held
    model, qs = {
        "vorgang": (Vorgang, Vorgang.objects.filter(akte=akte)),
        "document": (Document, Document.objects.filter(akte=akte)),
        "version": (DocumentVersion, DocumentVersion.objects.filter(document__akte=akte)),
        "page": (Page, Page.objects.filter(version__document__akte=akte)),
    }[what]
    refused(lambda: qs.first().delete())
    refused(lambda: model.objects.filter(pk__in=qs.values("pk")).delete())
    assert counts(akte) == FULL


def test_deleting_department_unit_user_or_stored_object_is_refused(held, org, aktenplan):
    """What an Akte hangs on is protected (PROTECT), so no cascade can reach a held Akte from above."""
    akte, _ = held
    for obj in (Department.objects.get(code="63"), aktenplan.u631002, org.archiv, StoredObject.objects.first()):
        with pytest.raises((ProtectedError, HeldError)), transaction.atomic():
            obj.delete()
    assert counts(akte) == FULL


def test_holds_stack_and_release_of_all_allows_deletion(held, org):
    akte, first = held
    second = hold_place(akte=akte, reason="Prüfung Rechnungsprüfungsamt", by=org.archiv2)
    hold_release(akte=akte, hold_id=first.pk, by=org.archiv, reason="erledigt")
    message = refused(lambda: akte_delete(akte=akte, by=org.admin))
    assert f"#{second.pk}: Prüfung" in message and f"#{first.pk}" not in message
    hold_release(akte=akte, hold_id=second.pk, by=org.archiv, reason="erledigt")
    with transaction.atomic():  # as the Aussonderung deletes (model layer); no service deletes content
        Akte.objects.filter(pk=akte.pk).delete()
    assert counts(akte) == (0, 0, 0, 0, 0)


def test_service_delete_of_an_empty_akte_is_audited_and_dequeued(org, aktenplan):
    akte = factories.akte("63.20-2001/1")
    akte_id = akte.pk
    akte_delete(akte=akte, by=org.admin)
    assert not Akte.objects.filter(pk=akte_id).exists()
    assert AuditEvent.objects.filter(action="akte.delete", object_id=str(akte_id)).exists()


def test_service_refuses_to_delete_an_akte_with_content(org, aktenplan):
    """Content leaves only through the Aussonderung: the service refuses an Akte with documents, held or not."""
    akte = factories.akte("63.20-2001/1")
    factories.document(akte)
    with pytest.raises(AkteError, match=r"enthält 1 Dokument.*Aussonderung"):
        akte_delete(akte=akte, by=org.admin)
    assert Akte.objects.filter(pk=akte.pk).exists() and OutboxEntry.objects.filter(op="delete").count() == 0
    assert not AuditEvent.objects.filter(action="akte.delete").exists()


def test_only_the_admin_role_deletes_an_akte(org, aktenplan):
    akte = factories.akte("63.20-2001/1")
    for user in (org.anna, org.archiv, org.scan, None):
        with pytest.raises(AkteError, match="nur die Administration"):
            akte_delete(akte=akte, by=user)
    assert Akte.objects.filter(pk=akte.pk).exists()


def test_active_hold_row_cannot_be_deleted(held):
    akte, hold = held
    refused(lambda: Hold.objects.get(pk=hold.pk).delete())
    refused(lambda: Hold.objects.filter(akte=akte).delete())
    assert Hold.objects.filter(pk=hold.pk, released_at=None).exists()


def test_release_is_recorded_and_cannot_happen_twice(held, org):
    akte, hold = held
    hold_release(akte=akte, hold_id=hold.pk, by=org.archiv2, reason="Verfahren rechtskräftig abgeschlossen")
    hold.refresh_from_db()
    assert hold.released_by == org.archiv2 and hold.released_at is not None
    assert hold.release_reason == "Verfahren rechtskräftig abgeschlossen"
    with pytest.raises(AkteError, match="bereits aufgehoben"):
        hold_release(akte=akte, hold_id=hold.pk, by=org.archiv2, reason="erledigt")
    with pytest.raises(AkteError, match="hat keine Löschsperre #999999"):
        hold_release(akte=akte, hold_id=999999, by=org.archiv2, reason="erledigt")
    events = AuditEvent.objects.filter(object_id=str(akte.pk), action__startswith="hold.").order_by("seq")
    assert [e.action for e in events] == ["hold.place", "hold.release"]
    assert events[1].after == {"released": True, "reason": "Verfahren rechtskräftig abgeschlossen"}


def test_release_needs_a_reason(held, org):
    """Nobody releases a Löschsperre without saying why; the hold stays in force and nothing is audited."""
    akte, hold = held
    for empty in ("", "   ", None):
        with pytest.raises(AkteError, match=f"Löschsperre #{hold.pk} auf {akte.aktenzeichen}: bitte einen Grund"):
            hold_release(akte=akte, hold_id=hold.pk, by=org.archiv, reason=empty)
    with pytest.raises(AkteError, match="Grund der Aufhebung hat 501 Zeichen"):
        hold_release(akte=akte, hold_id=hold.pk, by=org.archiv, reason="x" * 501)
    hold.refresh_from_db()
    assert hold.active and hold.release_reason == ""
    assert not AuditEvent.objects.filter(object_id=str(akte.pk), action="hold.release").exists()


def test_hold_reference_is_stored_and_audited(org, aktenplan):
    akte = factories.akte("63-2000/1")
    hold = hold_place(akte=akte, reason="Klage anhängig", reference="  VG 2 K 123/24 ", by=org.archiv)
    hold.refresh_from_db()
    assert (hold.reason, hold.reference) == ("Klage anhängig", "VG 2 K 123/24")
    event = AuditEvent.objects.get(object_id=str(akte.pk), action="hold.place")
    assert event.after == {"hold": hold.pk, "reason": "Klage anhängig", "reference": "VG 2 K 123/24"}
    assert hold_place(akte=akte, reason="ohne Bezug", by=org.archiv).reference == ""  # optional
    with pytest.raises(AkteError, match="Bezug der Löschsperre hat 201 Zeichen"):
        hold_place(akte=akte, reason="zu lang", reference="x" * 201, by=org.archiv)


def test_hold_needs_a_reason(org, aktenplan):
    akte = factories.akte("63-2000/1")
    with pytest.raises(AkteError, match="braucht einen Grund"):
        hold_place(akte=akte, reason="  ", by=org.archiv)


# -- the Django admin, driven through the test client as a superuser -----------------------------------------


@pytest.fixture
def admin_client_(client, org):
    client.force_login(org.admin)
    return client


def test_admin_delete_view_shows_the_hold_and_refuses(admin_client_, org, aktenplan):
    """An Akte without content (only a Vorgang) under hold: the delete page names the hold and refuses. (An Akte
    with documents has no delete page at all: 403, tests/akten/test_access.py.)"""
    akte = factories.akte("63.20-2001/1")
    Vorgang.objects.create(akte=akte, title="leer")
    hold_place(akte=akte, reason="Rechtsstreit VG 2 K 123/24", by=org.archiv)
    url = f"/admin/akten/akte/{akte.pk}/delete/"
    page = admin_client_.get(url)
    assert page.status_code == 200 and "Rechtsstreit VG 2 K 123/24" in page.content.decode()
    response = admin_client_.post(url, {"post": "yes"})
    assert response.status_code == 200  # the "cannot delete" page again, no redirect
    assert Akte.objects.filter(pk=akte.pk).exists() and Vorgang.objects.filter(akte=akte).exists()


def test_admin_bulk_delete_action_refuses(held, admin_client_, aktenplan):
    akte, _ = held
    other = factories.akte("63.20-2001/1")
    admin_client_.post(
        "/admin/akten/akte/", {"action": "delete_selected", "_selected_action": [akte.pk, other.pk], "post": "yes"}
    )
    assert Akte.objects.filter(pk__in=[akte.pk, other.pk]).count() == 2


@pytest.mark.parametrize(("url", "model"), [("dms/document", Document), ("akten/vorgang", Vorgang)])
def test_admin_cannot_delete_contents_of_a_held_akte(held, admin_client_, url, model):
    akte, _ = held
    obj = model.objects.filter(akte=akte).first()
    admin_client_.post(f"/admin/{url}/{obj.pk}/delete/", {"post": "yes"})
    admin_client_.post(f"/admin/{url}/", {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert counts(akte) == FULL


def test_admin_cannot_delete_an_active_hold(held, admin_client_):
    _akte, hold = held
    admin_client_.post(f"/admin/akten/hold/{hold.pk}/delete/", {"post": "yes"})
    admin_client_.post(
        "/admin/akten/hold/", {"action": "delete_selected", "_selected_action": [hold.pk], "post": "yes"}
    )
    assert Hold.objects.filter(pk=hold.pk, released_at=None).exists()


def test_admin_deletes_an_unheld_akte_through_the_audited_service(admin_client_, aktenplan):
    akte = factories.akte("63.20-2001/1")
    response = admin_client_.post(f"/admin/akten/akte/{akte.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Akte.objects.filter(pk=akte.pk).exists()
    assert AuditEvent.objects.filter(action="akte.delete", actor="admin").exists()


def test_admin_places_and_releases_holds_through_the_services(admin_client_, org, aktenplan):
    """An administrator who is also an archivist (the role that may place holds)."""
    from dms.services import user_upsert

    user_upsert(username="admin", roles=["admin", "archivist"])
    akte = factories.akte("63.20-2001/1")
    response = admin_client_.post(
        "/admin/akten/hold/add/", {"akte": akte.pk, "reason": "Akteneinsicht", "reference": "VG 1 K 7/26"}
    )
    assert response.status_code == 302
    hold = Hold.objects.get(akte=akte)
    assert hold.created_by == org.admin and hold.active and hold.reference == "VG 1 K 7/26"
    refused = admin_client_.post(
        "/admin/akten/hold/", {"action": "release", "_selected_action": [hold.pk], "grund": " "}, follow=True
    )
    assert "bitte im Feld „Grund der Aufhebung“" in refused.content.decode()
    hold.refresh_from_db()
    assert hold.active  # no reason, no release
    admin_client_.post("/admin/akten/hold/", {"action": "release", "_selected_action": [hold.pk], "grund": "erledigt"})
    hold.refresh_from_db()
    assert hold.released_by == org.admin and hold.release_reason == "erledigt"
    assert AuditEvent.objects.filter(object_id=str(akte.pk), action="hold.release", actor="admin").exists()


def test_admin_deletes_an_akte_whose_holds_were_all_released(admin_client_, org, aktenplan):
    """An Akte without content (a mistaken entry) that was held and released."""
    akte = factories.akte("63.20-2001/1")
    Vorgang.objects.create(akte=akte, title="leer")
    hold = hold_place(akte=akte, reason="vorsorglich", by=org.archiv)
    hold_release(akte=akte, hold_id=hold.pk, by=org.archiv, reason="erledigt")
    page = admin_client_.get(f"/admin/akten/akte/{akte.pk}/delete/")
    assert 'name="post" value="yes"' in page.content.decode()  # the confirmation form, not "cannot delete"
    response = admin_client_.post(f"/admin/akten/akte/{akte.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert counts(akte) == (0, 0, 0, 0, 0)
    assert AuditEvent.objects.filter(action="akte.delete", object_id=str(akte.pk)).exists()


def test_a_failed_delete_leaves_no_memo_that_skips_a_later_check(org, aktenplan):
    """The guard checks each Akte once per delete operation; a refused delete must not let a retry of the same
    queryset skip the check of an Akte that has been put under hold since."""
    free, held = factories.akte("63.20-2001/1"), factories.akte("63.20-2001/2")
    for akte in (free, held):  # bare documents: the free Akte's is checked first, then the held one's refuses
        Document.objects.create(akte=akte, department=akte.lead_department, title="ohne Version")
    hold = hold_place(akte=held, reason="alt", by=org.archiv)
    docs = Document.objects.filter(akte__in=[free, held])
    assert "63.20-2001/2" in refused(lambda: docs.delete())
    hold_place(akte=free, reason="neu", by=org.archiv)
    hold_release(akte=held, hold_id=hold.pk, by=org.archiv, reason="erledigt")
    assert "Akte 63.20-2001/1 is under Löschsperre" in refused(lambda: docs.delete())
    assert Document.objects.filter(akte=free).count() == 1


def test_guard_cost_does_not_grow_with_pages(org, aktenplan):
    """Deleting an Akte checks its hold once, not once per page (large disposals stay cheap)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def delete_cost(pages):
        akte = factories.akte(f"63.20-2001/{pages}")
        factories.document(akte, pages=pages)
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            Akte.objects.filter(pk=akte.pk).delete()
        return len(ctx.captured_queries)

    assert delete_cost(200) <= delete_cost(2) + 3  # batching may add a query; a check per page would add 200


def test_disposal_notes_name_the_hold_with_its_reference(org, aktenplan):
    """A run that skips a held Akte records the hold with its reference (protocol, audit); old holds carry the
    reference inside their reason and read as before."""
    from akten.aussonderung.destroy import hold_notes

    akte = factories.akte("63-2000/1")
    new = hold_place(akte=akte, reason="Klage anhängig", reference="VG 2 K 55/26", by=org.archiv)
    old = Hold.objects.create(akte=akte, reason="Prüfung (Bezug: RPA 1/20)", created_by=org.archiv)
    assert hold_notes([akte.pk]) == {
        akte.pk: f"Löschsperre #{new.pk}: Klage anhängig (Bezug: VG 2 K 55/26); "
        f"Löschsperre #{old.pk}: Prüfung (Bezug: RPA 1/20)"
    }
