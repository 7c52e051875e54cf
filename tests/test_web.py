"""The web shell: login, "Meine Akten" lists only permitted Akten, another department's Akte is a 404, the detail
page shows documents, holds and the retention state; `demo_setup` gives working demo logins and is idempotent."""

import json
from datetime import date

import pytest

from akten.models import Akte, Hold
from akten.services import akte_close, akte_grant, hold_place
from dms.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def akten(org, aktenplan):
    bau = factories.akte("63.10.02-1998/0042", "Neubau Gartenweg 12", opened_on=date(1998, 3, 3))
    factories.document(bau, "Bauantrag", text="Antrag auf Baugenehmigung", date=date(1998, 3, 3), pages=2)
    akte_close(akte=bau, on=date(2000, 8, 1))
    hold_place(akte=bau, reason="Rechtsstreit VG 2 K 123/24", by=org.archiv)
    ordnung = factories.akte("32-2020/0001", "Gaststättenerlaubnis Lindenhof")
    factories.document(ordnung, "Erlaubnis")
    return bau, ordnung


def login(client, user):
    client.force_login(user)
    return client


def test_login_page_and_password_login(client, org):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "Anmelden" in page.content.decode() and 'name="password"' in page.content.decode()
    response = client.post("/login/", {"username": "anna", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"  # the start page of the user's role
    assert client.get("/")["Location"] == "/akten/"
    bad = client.post("/login/", {"username": "anna", "password": "falsch"})
    assert "Benutzername oder Passwort falsch" in bad.content.decode()


def test_pages_need_a_login(client, akten):
    bau, _ = akten
    for url in ("/akten/", f"/akten/{bau.pk}/", "/"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/login/")


def test_my_akten_lists_only_permitted_akten(client, org, akten):
    bau, ordnung = akten
    page = login(client, org.anna).get("/akten/").content.decode()
    assert bau.aktenzeichen in page and ordnung.aktenzeichen not in page
    assert "Löschsperre" in page  # the held Akte is marked in the list
    page = login(client, org.bernd).get("/akten/").content.decode()
    assert ordnung.aktenzeichen in page and bau.aktenzeichen not in page


def test_a_grant_adds_the_akte_to_the_list(client, org, akten):
    _, ordnung = akten
    akte_grant(akte=ordnung, by=org.admin, user=org.anna)
    assert ordnung.aktenzeichen in login(client, org.anna).get("/akten/").content.decode()
    assert login(client, org.anna).get(f"/akten/{ordnung.pk}/").status_code == 200


def test_scan_account_lists_no_akten(client, org, akten):
    assert "Keine Akten sichtbar" in login(client, org.scan).get("/akten/").content.decode()


def test_filter_by_text_and_state(client, org, aktenplan, akten):
    factories.akte("63.20-2024/0001", "Carport Lindenallee")
    client = login(client, org.anna)
    page = client.get("/akten/", {"q": "carport"}).content.decode()
    assert "63.20-2024/0001" in page and "63.10.02-1998/0042" not in page
    page = client.get("/akten/", {"state": "zdA"}).content.decode()
    assert "63.10.02-1998/0042" in page and "63.20-2024/0001" not in page


def test_other_departments_akte_is_not_found(client, org, akten):
    bau, ordnung = akten
    client = login(client, org.anna)
    assert client.get(f"/akten/{ordnung.pk}/").status_code == 404
    doc = ordnung.documents.get()
    assert client.get(f"/akten/{ordnung.pk}/dokumente/{doc.pk}/").status_code == 404
    assert client.get(f"/akten/{bau.pk}/dokumente/{doc.pk}/").status_code == 404  # wrong Akte in the URL
    assert client.get("/akten/999999/").status_code == 404


def test_detail_shows_documents_holds_and_retention(client, org, akten):
    bau, _ = akten
    page = login(client, org.anna).get(f"/akten/{bau.pk}/").content.decode()
    for text in (
        "Neubau Gartenweg 12",
        "Bauantrag",
        "03.03.1998",
        "Rechtsstreit VG 2 K 123/24",
        "30 Jahre",
        "31.12.2030",
        "01.08.2000",
        "archivwürdig",
        "63 Bauordnungsamt",
    ):
        assert text in page, text


def test_document_content_is_served_and_the_read_audited(client, org, akten):
    bau, _ = akten
    doc = bau.documents.get()
    response = login(client, org.anna).get(f"/akten/{bau.pk}/dokumente/{doc.pk}/inhalt/")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain"
    assert response.getvalue().endswith(b"Antrag auf Baugenehmigung")
    assert AuditEvent.objects.filter(action="document.read", actor="anna", object_id=str(doc.pk)).exists()


def test_demo_setup_gives_working_logins_and_is_idempotent(client, run_command):
    code, out, err = run_command("demo_setup", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["login_url"] == "http://127.0.0.1:8000/login/"
    usernames = {login["username"] for login in result["logins"]}
    assert usernames == {"sb10", "sb20", "sb32", "sb33", "sb50", "sb63", "scan", "archiv", "archiv2", "admin"}
    assert result["akten"] >= 12 and result["due_today"] >= 3
    held = Akte.objects.filter(pk__in=Hold.objects.filter(released_at=None).values("akte"))
    assert held.count() == 1 and held.get().aufbewahrungsende < date.today()
    assert {a.lead_department.code for a in Akte.objects.all()} == {"10", "20", "32", "33", "50", "63"}
    assert client.post("/login/", {"username": "sb63", "password": "demo"}).status_code == 302
    page = client.get("/akten/").content.decode()
    assert "63.10.02-1998/0042" in page and "32.10-2008/0003" not in page
    assert client.post("/login/", {"username": "admin", "password": "demo"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    events = AuditEvent.objects.count()
    code, out, _ = run_command("demo_setup", "--json")
    assert code == 0 and json.loads(out)["akten_created"] == []
    assert AuditEvent.objects.count() == events


def test_demo_setup_prints_the_login_url_and_logins(run_command):
    code, out, _ = run_command("demo_setup")
    assert code == 0
    assert "http://127.0.0.1:8000/login/" in out and "sb63" in out and "archiv2" in out and "demo" in out


def test_not_found_page_is_german_and_does_not_tell_why(client, org, akten):
    _, ordnung = akten
    response = login(client, org.anna).get(f"/akten/{ordnung.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nicht gefunden" in page and "Gaststättenerlaubnis" not in page


@pytest.mark.django_db
def test_admin_shows_disposal_records_read_only(client, org):
    """Disposal runs and tombstones are visible to the admin but cannot be added, changed or deleted there."""
    client.force_login(org.admin)
    for model in ("disposalrun", "tombstone"):
        assert client.get(f"/admin/akten/{model}/").status_code == 200
        assert client.get(f"/admin/akten/{model}/add/").status_code == 403
