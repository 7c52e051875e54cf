"""The header offers the workspaces a user's roles open, and `/` (also after login) goes to the workspace of the
user's main role (../shared/UI.md, "Shape of a page")."""

import pytest
from django.urls import NoReverseMatch, reverse

from dms.services import user_upsert
from web.workspaces import WORKSPACES

pytestmark = pytest.mark.django_db


def _installed(key):
    ws = next(w for w in WORKSPACES if w.key == key)
    try:
        return reverse(ws.url_name)
    except NoReverseMatch:
        return None


def _nav(client, user):
    client.force_login(user)
    page = client.get(reverse("search:search"), follow=True)
    return [w["key"] for w in page.context["nav_workspaces"]]


def test_a_caseworker_starts_in_the_akten_and_sees_no_scan_or_archive_workspace(client, org):
    client.force_login(org.anna)
    assert client.get("/")["Location"] == reverse("akten:my_akten")
    assert _nav(client, org.anna) == ["akten", "suche"]


def test_the_login_form_leads_to_the_start_page_of_the_role(client, org):
    response = client.post("/login/", {"username": "anna", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("akten:my_akten")


@pytest.mark.parametrize(("username", "key"), [("scan", "scan"), ("archiv", "archiv")])
def test_scan_and_archive_roles_start_in_their_workspace(client, org, username, key):
    url = _installed(key)
    assert url is not None, f"workspace {key} is installed (config/urls.py)"
    user = getattr(org, username)
    client.force_login(user)
    assert client.get("/")["Location"] == url


def test_the_scan_role_is_not_offered_akten_or_search(client, org):
    client.force_login(org.scan)
    keys = [w["key"] for w in client.get("/", follow=True).context["nav_workspaces"]]
    assert "akten" not in keys and "suche" not in keys


def test_a_user_without_a_role_is_told_so_in_german(client, org):
    nobody = user_upsert(username="neu", password="pw", departments=["63"], roles=[])
    client.force_login(nobody)
    page = client.get("/", follow=True)
    assert page.status_code == 403
    assert "Kein Arbeitsbereich" in page.content.decode()
    assert page.context["nav_workspaces"] == []


def test_the_current_workspace_is_marked_for_screen_readers(client, org):
    client.force_login(org.anna)
    html = client.get(reverse("search:search")).content.decode()
    assert f'href="{reverse("search:search")}" aria-current="page"' in html
    assert f'href="{reverse("akten:my_akten")}" aria-current="page"' not in html
