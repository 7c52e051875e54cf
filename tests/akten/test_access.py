"""The one access rule (akten/access.py) and the audited services that change access: what the index stores,
search, the selectors, the admin's grant page and Akte form, deactivation, Löschsperre roles, admin deletes."""

import pytest
from django.contrib.auth.models import Permission

from akten import access
from akten.models import Akte, Document, Vorgang
from akten.selectors import akte_list_for, document_list_for, document_principals
from akten.services import AccessDenied, akte_grant, hold_place, hold_release
from dms.models import AuditEvent, OutboxEntry
from dms.services import user_set_active, user_upsert
from search.indexdoc import index_docs_for
from search.services import outbox_drain, search_documents
from tests import admin_pages, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bau(org, aktenplan):
    """Akte 63.10.02-2020/0001 (led by 63) with one document, Akte 32-2020/0001 (led by 32) with one."""
    a63 = factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße")
    a32 = factories.akte("32-2020/0001", "Sondernutzung Markt")
    factories.document(a63, "Bauantrag Lindenstraße", text="Dachgaube Gartenhaus")
    factories.document(a32, "Antrag Marktstand", text="Marktstand Gemüse")
    outbox_drain()
    return a63, a32


def found(user, query="Dachgaube"):
    """Everything search tells the user: hit ids, titles, Aktenzeichen, snippets, total and facet counts."""
    result = search_documents(user=user, query=query, limit=100)
    return {
        "ids": {h["document_id"] for h in result.hits},
        "titles": {h["title"] for h in result.hits},
        "az": {h["aktenzeichen"] for h in result.hits},
        "snippets": [h["snippet"] for h in result.hits],
        "total": result.total,
        "facets": {k: v for k, v in result.facets.items() if v},
    }


NOTHING = {"ids": set(), "titles": set(), "az": set(), "snippets": [], "total": 0, "facets": {}}


def test_creating_a_document_gives_a_caseworker_nothing(org, bau):
    """A caseworker of 63 who uploaded a document into 32's Akte sees it neither through the selectors nor in
    search: only the scan role reads what it ingested."""
    _, a32 = bau
    doc = factories.document(a32, "Vermerk", text="Dachgaube Ordnung", created_by=org.anna)
    outbox_drain()
    assert not document_list_for(user=org.anna).filter(pk=doc.pk).exists()
    assert f"u:{org.anna.pk}" not in index_docs_for([doc.pk])[0].principals
    assert found(org.anna)["ids"] == {
        d.pk for d in document_list_for(user=org.anna).filter(pages_text_contains("Dachgaube"))
    }
    assert doc.pk not in found(org.anna)["ids"]


def pages_text_contains(word):
    from django.db.models import Q

    return Q(versions__pages__text__contains=word)


def test_a_caseworker_moved_to_another_department_stops_finding_the_old_ones(org, bau):
    """Kai, caseworker and scan operator in 63, ingested a document there; moved to 32 as a caseworker only, he
    finds nothing of 63 in search any more: no title, Aktenzeichen, snippet, total or facet."""
    a63, _ = bau
    kai = user_upsert(username="kai", departments=["63"], roles=["caseworker", "scan"])
    factories.document(a63, "Aufmaß", text="Dachgaube Aufmaß", created_by=kai)
    outbox_drain()
    assert found(kai)["total"] == 2 and "63.10.02-2020/0001" in found(kai, "az:63")["az"]
    kai = user_upsert(username="kai", departments=["32"], roles=["caseworker"])
    outbox_drain()
    assert found(kai) == NOTHING
    assert found(kai, "az:63") == NOTHING
    assert found(kai, "Aufmaß") == NOTHING
    assert not document_list_for(user=kai).filter(akte=a63).exists()
    assert found(kai, "Marktstand")["total"] == 1  # the new department's, at once


def test_a_deactivated_user_sees_nothing_and_it_is_audited(org, bau):
    a63, _ = bau
    akte_grant(akte=a63, user=org.bernd, by=org.admin)
    outbox_drain()
    assert found(org.bernd)["total"] == 1
    OutboxEntry.objects.all().delete()
    user_set_active(user=org.bernd, active=False, by=org.admin)
    event = AuditEvent.objects.filter(action="user.deactivate", object_id=str(org.bernd.pk)).get()
    assert event.actor == "admin" and event.after == {"active": False}
    bernd = type(org.bernd).objects.get(pk=org.bernd.pk)
    assert not akte_list_for(user=bernd).exists() and not document_list_for(user=bernd).exists()
    assert access.user_principals(bernd) == [] and found(bernd) == NOTHING
    assert set(OutboxEntry.objects.values_list("document_id", flat=True)) == set(
        Document.objects.filter(akte=a63).values_list("pk", flat=True)
    )  # his grant leaves the principals
    outbox_drain()
    assert all(
        f"u:{bernd.pk}" not in d.principals for d in index_docs_for(Document.objects.values_list("pk", flat=True))
    )
    user_set_active(user=bernd, active=True, by=org.admin)
    outbox_drain()
    assert found(type(bernd).objects.get(pk=bernd.pk))["total"] == 1


def test_index_principals_are_the_rule_for_inactive_and_scan_only_grantees(org, bau):
    a63, _ = bau
    akte_grant(akte=a63, user=org.scan, by=org.admin)  # a pure scan account: the grant gives nothing
    akte_grant(akte=a63, user=org.archiv, by=org.admin)
    doc = Document.objects.get(akte=a63)
    assert document_principals(doc) == sorted({f"g:{a63.lead_department.group_id}", f"u:{org.archiv.pk}"})
    assert index_docs_for([doc.pk])[0].principals == tuple(document_principals(doc))


# -- the admin: grant page, Akte form, deletes ---------------------------------------------------------------


@pytest.fixture
def admin_client_(client, org):
    client.force_login(org.admin)
    return client


def test_the_admin_grant_page_is_audited_and_updates_the_index(admin_client_, org, bau):
    a63, _ = bau
    url = f"/admin/akten/akte/{a63.pk}/permissions/user-manage/{org.bernd.pk}/"
    page = admin_client_.get(url).content.decode()
    assert "lesen und ändern" in page and "view_akte_content" not in page
    assert admin_client_.post(url, {"level": "view"}).status_code == 302
    grant = AuditEvent.objects.get(action="akte.grant", object_id=str(a63.pk))
    assert grant.actor == "admin" and grant.after["level"] == "view" and grant.after["user"] == org.bernd.pk
    assert OutboxEntry.objects.exists()
    outbox_drain()
    assert found(org.bernd)["total"] == 1
    admin_client_.post(url, {"level": "none"})
    assert AuditEvent.objects.filter(action="akte.revoke", object_id=str(a63.pk), actor="admin").exists()
    outbox_drain()  # without a repair: the revoke re-indexed the Akte's documents
    assert found(org.bernd) == NOTHING


def test_the_admin_group_grant_page_goes_through_the_service(admin_client_, org, bau):
    a63, _ = bau
    url = f"/admin/akten/akte/{a63.pk}/permissions/group-manage/{org.d32.group_id}/"
    admin_client_.post(url, {"level": "change"})
    event = AuditEvent.objects.get(action="akte.grant", object_id=str(a63.pk))
    assert event.after["group"] == org.d32.group_id and event.after["change"] is True
    outbox_drain()
    assert found(org.bernd)["total"] == 1 and access.akte_changeable(org.bernd, a63)


def test_the_akte_form_moves_the_federfuehrung_through_the_service(admin_client_, org, bau):
    a63, _ = bau
    url = f"/admin/akten/akte/{a63.pk}/change/"
    form = {
        "title": "Neubau Lindenstraße 4",
        "lead_department": org.d32.pk,
        "vertraulichkeit": "intern",
        "opened_on": a63.opened_on.isoformat(),
        "aussonderungsart": "",
        "holds-TOTAL_FORMS": "0",
        "holds-INITIAL_FORMS": "0",
    }
    response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="akte.department", object_id=str(a63.pk), actor="admin").exists()
    update = AuditEvent.objects.get(action="akte.update", object_id=str(a63.pk))
    assert update.after == {"title": "Neubau Lindenstraße 4"}
    assert set(Document.objects.filter(akte=a63).values_list("department__code", flat=True)) == {"32"}
    outbox_drain()
    assert found(org.anna) == NOTHING and found(org.bernd)["total"] == 1


def test_view_akte_content_is_no_longer_offered(org):
    """It was offered but never checked; the rule grants an Akte as a whole (see the migration)."""
    assert not Permission.objects.filter(codename="view_akte_content").exists()


def test_no_admin_delete_for_records_with_content(admin_client_, org, bau):
    a63, _ = bau
    doc = Document.objects.get(akte=a63)
    assert admin_client_.get(f"/admin/akten/akte/{a63.pk}/delete/").status_code == 403
    assert admin_client_.post(f"/admin/akten/akte/{a63.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client_.post(f"/admin/akten/document/{doc.pk}/delete/", {"post": "yes"}).status_code == 403
    vorgang = Vorgang.objects.create(akte=a63, title="Widerspruch")
    Document.objects.filter(pk=doc.pk).update(vorgang=vorgang)
    assert admin_client_.post(f"/admin/akten/vorgang/{vorgang.pk}/delete/", {"post": "yes"}).status_code == 403
    for listing in ("/admin/akten/akte/", "/admin/akten/document/", "/admin/akten/vorgang/"):
        assert "delete_selected" not in admin_client_.get(listing).content.decode()
    admin_client_.post(
        "/admin/akten/document/", {"action": "delete_selected", "_selected_action": [doc.pk], "post": "yes"}
    )
    assert (
        f"/admin/akten/akte/{a63.pk}/delete/"
        not in admin_client_.get(f"/admin/akten/akte/{a63.pk}/change/").content.decode()
    )
    assert Akte.objects.filter(pk=a63.pk).exists() and Document.objects.filter(pk=doc.pk, vorgang=vorgang).exists()


def test_admin_records_are_for_the_admin_role_only(client, org, bau):
    """A staff account without the admin role (is_staff set by hand) sees no Akten or documents there."""
    staff = user_upsert(username="praktikant", departments=["63"], roles=["caseworker"])
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_akte", "view_document"]))
    client.force_login(staff)
    assert "Neubau Lindenstraße" not in client.get("/admin/akten/akte/").content.decode()
    assert "Bauantrag" not in client.get("/admin/akten/document/").content.decode()


def test_the_user_admin_deactivates_through_the_service(admin_client_, org):
    from django.contrib.auth import get_user_model

    response = admin_pages.change_user(admin_client_, org.bernd, active=False)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not get_user_model().objects.get(pk=org.bernd.pk).is_active
    assert AuditEvent.objects.filter(action="user.deactivate", object_id=str(org.bernd.pk), actor="admin").exists()


# -- Löschsperre: the role is checked in the services (command, admin, any future UI) ------------------------


def test_hold_place_and_release_check_the_role(org, bau):
    a63, _ = bau
    kai = user_upsert(username="kai", departments=["63"], roles=["scan"])
    for user in (org.scan, kai, org.bernd, org.admin, None):
        with pytest.raises(AccessDenied, match="keine Löschsperre setzen"):
            hold_place(akte=a63, reason="Klage", by=user)
    hold = hold_place(akte=a63, reason="Klage", by=org.anna)  # caseworker of the lead department
    for user in (org.scan, kai, org.bernd, org.admin):
        with pytest.raises(AccessDenied, match="keine Löschsperre aufheben"):
            hold_release(akte=a63, hold_id=hold.pk, by=user, reason="erledigt")
    assert hold_release(akte=a63, hold_id=hold.pk, by=org.archiv, reason="erledigt").released_by == org.archiv
    user_set_active(user=org.archiv, active=False)
    with pytest.raises(AccessDenied):
        hold_place(akte=a63, reason="Klage", by=type(org.archiv).objects.get(pk=org.archiv.pk))


def test_the_hold_command_refuses_the_scan_account(org, bau, run_command):
    a63, _ = bau
    code, _, err = run_command("akte", "hold", a63.aktenzeichen, "--reason", "Klage", "--user", "scan")
    assert code == 1 and "scan darf auf Akte 63.10.02-2020/0001 keine Löschsperre setzen" in err
    assert not a63.holds.exists()
    code, out, _ = run_command("akte", "hold", a63.aktenzeichen, "--reason", "Klage", "--user", "archiv")
    assert code == 0 and "Löschsperre" in out


def test_the_hold_admin_refuses_a_pure_admin_with_a_german_form_error(admin_client_, org, bau):
    a63, _ = bau
    response = admin_client_.post("/admin/akten/hold/add/", {"akte": a63.pk, "reason": "Klage"})
    assert response.status_code == 200
    assert "admin darf keine Löschsperre setzen" in response.content.decode()
    assert not a63.holds.exists()


def test_closing_checks_the_change_right(org, bau, run_command):
    """`akte close --user` (and the service behind it): the lead department's caseworker, not another one."""
    a63, _ = bau
    code, _, err = run_command("akte", "close", a63.aktenzeichen, "--user", "bernd")
    assert code == 1 and "bernd darf Akte 63.10.02-2020/0001 nicht z.d.A. verfügen" in err
    code, _, err = run_command("akte", "close", a63.aktenzeichen, "--user", "anna")
    assert code == 0, err
    assert Akte.objects.get(pk=a63.pk).state == "zdA"


def test_an_inactive_archivist_has_no_role(org):
    from akten.aussonderung.services import DisposalError, require_archivist

    require_archivist(org.archiv, "anbieten")
    user_set_active(user=org.archiv, active=False)
    archiv = type(org.archiv).objects.get(pk=org.archiv.pk)
    assert access.user_roles(archiv) == set()
    with pytest.raises(DisposalError):
        require_archivist(archiv, "anbieten")


def test_search_check_measures_the_index_against_the_rule(org, bau):
    """A change of access that bypasses the services (here: the active flag set in the database) shows as stale
    documents in search_check; through the service it is pending and then in step."""
    from search.sync import search_check

    a63, _ = bau
    akte_grant(akte=a63, user=org.bernd, by=org.admin)
    outbox_drain()
    assert search_check()["ok"]
    type(org.bernd).objects.filter(pk=org.bernd.pk).update(is_active=False)
    report = search_check()
    assert not report["ok"] and report["stale"] == list(Document.objects.filter(akte=a63).values_list("pk", flat=True))
    type(org.bernd).objects.filter(pk=org.bernd.pk).update(is_active=True)
    user_set_active(user=type(org.bernd).objects.get(pk=org.bernd.pk), active=False, by=org.admin)
    assert search_check()["stale"] == [] and search_check()["pending"] == 1
    outbox_drain()
    assert search_check()["ok"]


def test_the_admin_cannot_change_access_by_renaming_or_deleting_groups_or_users(admin_client_, org, bau):
    from django.contrib.auth.models import Group

    a63, _ = bau
    role = Group.objects.get(name="role:caseworker")
    page = admin_client_.get(f"/admin/auth/group/{role.pk}/change/").content.decode()
    assert 'name="name"' not in page  # the name is shown, not editable
    admin_client_.post(f"/admin/auth/group/{role.pk}/change/", {"name": "egal", "permissions": []})
    assert Group.objects.filter(pk=role.pk, name="role:caseworker").exists()
    team = Group.objects.create(name="Projektgruppe Schule")
    akte_grant(akte=a63, group=team, by=org.admin)
    for group in (role, org.d63.group, team):
        assert admin_client_.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client_.post(f"/admin/auth/user/{org.bernd.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in admin_client_.get("/admin/auth/group/").content.decode()
    assert Group.objects.filter(pk=team.pk).exists() and type(org.bernd).objects.filter(pk=org.bernd.pk).exists()


def test_the_superuser_flag_set_in_the_user_admin_is_audited(admin_client_, org):
    response = admin_pages.change_user(admin_client_, org.anna, superuser=True)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.update", object_id=str(org.anna.pk))
    assert event.actor == "admin" and event.after == {"is_superuser": True}
