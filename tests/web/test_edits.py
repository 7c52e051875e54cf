"""The caseworker's edit pages (web/caseworker/edits.py): each action goes through its audited service, answers
with POST-redirect-GET and a message, shows German errors naming the field, and offers or refuses exactly what the
access rule allows (a refused POST is a 403 naming who may; an Akte the user may not see is a 404)."""

from datetime import date

import pytest

from akten import access
from akten.models import Akte, AkteState, AkteUserObjectPermission, HoldRequest, Vorgang
from akten.services import akte_close
from dms.models import AuditEvent
from dms.services import user_upsert
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bau(org, aktenplan):
    akte = factories.akte("63.10-2020/0001", "Neubau Lindenweg", opened_on=date(2020, 1, 2))
    factories.document(akte, "Bauantrag", date=date(2020, 2, 1))
    return akte


@pytest.fixture
def lead(org):
    return user_upsert(username="lena", password="pw", departments=["63"], roles=["caseworker", "lead"])


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_create_akte_assigns_the_aktenzeichen_and_redirects_with_a_message(client, org, aktenplan):
    assert "Neue Akte anlegen" not in as_user(client, org.archiv).get("/akten/").content.decode()
    c = as_user(client, org.anna)
    assert "Neue Akte anlegen" in c.get("/akten/").content.decode()
    page = c.get("/akten/neu/").content.decode()
    assert "Federführung" in page and "63 Bauordnungsamt" in page and "32 Ordnungsamt" not in page
    response = c.post(
        "/akten/neu/",
        {
            "unit": aktenplan.u6310.pk,
            "title": "Neubau Halle",
            "lead_department": org.d63.pk,
            "vertraulichkeit": "intern",
        },
        follow=True,
    )
    akte = Akte.objects.get(title="Neubau Halle")
    assert response.redirect_chain[-1][0] == f"/akten/{akte.pk}/"
    assert any(f"Akte {akte.aktenzeichen}" in m for m in messages_of(response))
    assert akte.aktenzeichen.startswith("63.10-") and akte.lead_department == org.d63


def test_create_akte_errors_name_the_field(client, org, aktenplan):
    c = as_user(client, org.anna)
    response = c.post("/akten/neu/", {"unit": aktenplan.u6310.pk, "title": "", "lead_department": org.d32.pk})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Betreff: bitte ausfüllen." in page and "Federführung: in dieser Organisationseinheit" in page
    response = c.post(
        "/akten/neu/",
        {"unit": aktenplan.u6310.pk, "title": "x", "lead_department": org.d63.pk, "opened_on": "31.02.2020"},
    )
    assert "Angelegt am: bitte ein Datum im Format TT.MM.JJJJ" in response.content.decode()
    assert not Akte.objects.filter(title="x").exists()


def test_vorgang_close_and_reopen(client, org, bau):
    c = as_user(client, org.anna)
    page = c.get(f"/akten/{bau.pk}/").content.decode()
    for button in ("Vorgang anlegen", "Dokumente hochladen", "z.d.A. verfügen", "Löschsperre beantragen"):
        assert button in page
    assert "Zugriff verwalten" not in page and "Wieder öffnen" not in page  # anna is no lead; the Akte is open
    c.post(f"/akten/{bau.pk}/vorgang/neu/", {"title": "Nachforderung"})
    assert Vorgang.objects.filter(akte=bau, title="Nachforderung").exists()
    confirm = c.get(f"/akten/{bau.pk}/zda/").content.decode()
    assert "z.d.A. verfügen?" in confirm and "Aufbewahrungsfrist (30 Jahre) beginnt" in confirm
    refused = c.post(f"/akten/{bau.pk}/zda/", {"on": "15.01.2020"})
    assert (
        refused.status_code == 400 and "vor dem Datum des jüngsten Dokuments (01.02.2020)" in refused.content.decode()
    )
    response = c.post(f"/akten/{bau.pk}/zda/", {"on": "15.03.2021"}, follow=True)
    bau.refresh_from_db()
    assert bau.state == AkteState.ZDA and bau.zda_date == date(2021, 3, 15)
    assert any("aufzubewahren bis 31.12.2051" in m for m in messages_of(response))
    assert "Wieder öffnen" in response.content.decode()
    assert c.post(f"/akten/{bau.pk}/wieder-oeffnen/", {"reason": ""}).status_code == 400
    c.post(f"/akten/{bau.pk}/wieder-oeffnen/", {"reason": "Widerspruch eingegangen"})
    bau.refresh_from_db()
    assert bau.state == AkteState.OFFEN and bau.aufbewahrungsende is None
    assert AuditEvent.objects.filter(action="akte.reopen", after__reason="Widerspruch eingegangen").exists()


def test_other_departments_get_404_and_readers_without_change_get_403(client, org, bau):
    c = as_user(client, org.bernd)
    assert c.get(f"/akten/{bau.pk}/zda/").status_code == 404
    assert c.post(f"/akten/{bau.pk}/vorgang/neu/", {"title": "x"}).status_code == 404
    reader = user_upsert(username="rita", departments=["63"], roles=["archivist"])
    c = as_user(client, reader)
    response = c.post(f"/akten/{bau.pk}/vorgang/neu/", {"title": "x"})
    assert (
        response.status_code == 403
        and "Sie dürfen in Akte 63.10-2020/0001 keinen Vorgang anlegen" in response.content.decode()
    )
    assert "Vorgang anlegen" not in c.get(f"/akten/{bau.pk}/").content.decode()
    assert not Vorgang.objects.exists()


def test_grant_and_revoke_only_for_the_lead(client, org, bau, lead):
    c = as_user(client, org.anna)
    refused = c.post(f"/akten/{bau.pk}/zugriff/", {"department": org.d32.pk, "level": "view"})
    assert refused.status_code == 403 and "nur die Amtsleitung" in refused.content.decode()
    c = as_user(client, lead)
    assert "Zugriff verwalten" in c.get(f"/akten/{bau.pk}/").content.decode()
    response = c.post(f"/akten/{bau.pk}/zugriff/", {"department": org.d32.pk, "level": "view"}, follow=True)
    assert "32 Ordnungsamt" in response.content.decode() and "lesen" in response.content.decode()
    assert as_user(client, org.bernd).get(f"/akten/{bau.pk}/").status_code == 200
    c = as_user(client, lead)
    c.post(f"/akten/{bau.pk}/zugriff/", {"department": org.d32.pk, "level": "none"})
    assert as_user(client, org.bernd).get(f"/akten/{bau.pk}/").status_code == 404
    c = as_user(client, lead)
    c.post(f"/akten/{bau.pk}/zugriff/", {"username": "bernd", "level": "change"})
    assert access.akte_changeable(org.bernd, bau)
    type(org.bernd).objects.filter(pk=org.bernd.pk).update(is_active=False)
    assert "bernd" in c.get(f"/akten/{bau.pk}/zugriff/").content.decode()
    c.post(f"/akten/{bau.pk}/zugriff/", {"username": "bernd", "level": "none"})  # a deactivated user's grant too
    assert not AkteUserObjectPermission.objects.filter(content_object=bau).exists()
    both = as_user(client, lead).post(f"/akten/{bau.pk}/zugriff/", {"level": "view"})
    assert both.status_code == 400 and "entweder eine Organisationseinheit oder eine Person" in both.content.decode()


def test_hold_request(client, org, bau):
    c = as_user(client, org.anna)
    assert "Grund: bitte ausfüllen." in c.post(f"/akten/{bau.pk}/loeschsperre-beantragen/", {}).content.decode()
    response = c.post(
        f"/akten/{bau.pk}/loeschsperre-beantragen/",
        {"reason": "Klage anhängig", "reference": "VG 1 K 2/26"},
        follow=True,
    )
    assert any("beim Archiv beantragt" in m for m in messages_of(response))
    assert HoldRequest.objects.get().requested_by == org.anna
    assert "Löschsperre beantragt am" in c.get(f"/akten/{bau.pk}/").content.decode()
    listed = c.get(f"/akten/{bau.pk}/loeschsperre-beantragen/").content.decode()
    assert "Klage anhängig" in listed and "VG 1 K 2/26" in listed and "offen" in listed


def test_edit_and_move_a_document(client, org, bau):
    doc = bau.documents.get()
    other = factories.akte("63.10-2020/0002", "Anbau", opened_on=date(2020, 1, 2))
    c = as_user(client, org.anna)
    c.post(f"/akten/{bau.pk}/vorgang/neu/", {"title": "Statik"})
    vorgang = Vorgang.objects.get(title="Statik")
    form = c.get(f"/akten/{bau.pk}/dokumente/{doc.pk}/bearbeiten/").content.decode()
    assert 'value="Bauantrag"' in form and 'value="01.02.2020"' in form
    bad = c.post(f"/akten/{bau.pk}/dokumente/{doc.pk}/bearbeiten/", {"title": "x", "date": "2020-13-01"})
    assert bad.status_code == 400 and "Datum: bitte ein Datum im Format TT.MM.JJJJ" in bad.content.decode()
    c.post(
        f"/akten/{bau.pk}/dokumente/{doc.pk}/bearbeiten/",
        {"title": "Bauantrag (vollständig)", "date": "03.02.2020", "document_type": "Antrag"},
    )
    doc.refresh_from_db()
    assert (doc.title, doc.date, doc.document_type) == ("Bauantrag (vollständig)", date(2020, 2, 3), "Antrag")
    page = c.get(f"/akten/{bau.pk}/dokumente/{doc.pk}/verschieben/").content.decode()
    assert f"v{vorgang.pk}" in page and "63.10-2020/0002" in page
    c.post(f"/akten/{bau.pk}/dokumente/{doc.pk}/verschieben/", {"target": f"v{vorgang.pk}"})
    doc.refresh_from_db()
    assert doc.vorgang == vorgang
    response = c.post(f"/akten/{bau.pk}/dokumente/{doc.pk}/verschieben/", {"aktenzeichen": "32-2020/0009"})
    assert response.status_code == 400 and "keine Akte, die Sie ändern dürfen" in response.content.decode()
    c.post(f"/akten/{bau.pk}/dokumente/{doc.pk}/verschieben/", {"aktenzeichen": other.aktenzeichen})
    doc.refresh_from_db()
    assert doc.akte == other and doc.vorgang is None


def test_upload_runs_in_the_background_and_the_batch_page_links_the_new_document(client, org, bau, settings):
    from scan_ingest.runner import run_pending

    settings.DMS_INGEST_AUTOSTART = False
    c = as_user(client, org.anna)
    assert "Dateien: bitte mindestens eine Datei wählen." in c.post(f"/akten/{bau.pk}/hochladen/").content.decode()
    pdf = _small_pdf()
    from django.core.files.uploadedfile import SimpleUploadedFile

    statik = Vorgang.objects.create(akte=bau, title="Statik")
    upload = SimpleUploadedFile("brief.pdf", pdf, "application/pdf")
    response = c.post(f"/akten/{bau.pk}/hochladen/", {"files": [upload], "vorgang": statik.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"?vorgang={statik.pk}")
    waiting = c.get(response["Location"]).content.decode()
    assert "wartet" in waiting and 'hx-trigger="every 2s"' in waiting and f"vorgang={statik.pk}" in waiting
    assert run_pending(workers=1) == 1
    done = c.get(response["Location"] + "&teil=1").content.decode()
    new = bau.documents.exclude(title="Bauantrag").get()
    assert "fertig" in done and f"/akten/{bau.pk}/dokumente/{new.pk}/" in done and "hx-trigger" not in done
    assert "In Vorgang „Statik“ einordnen" in done
    filed = c.post(response["Location"].split("?")[0] + "einordnen/", {"vorgang": statik.pk}, follow=True)
    new.refresh_from_db()
    assert new.vorgang == statik and any("1 Dokument(e) dem Vorgang „Statik“" in m for m in messages_of(filed))
    assert as_user(client, org.bernd).get(response["Location"]).status_code == 404


def _small_pdf() -> bytes:
    from demo.setup import demo_pdf

    return demo_pdf("Bescheid über die Baugenehmigung", "63.10-2020/0001")[0]


def test_closed_akte_offers_no_edits(client, org, bau):
    akte_close(akte=bau, on=date(2021, 1, 1))
    c = as_user(client, org.anna)
    page = c.get(f"/akten/{bau.pk}/").content.decode()
    assert "Dokumente hochladen" not in page and "Wieder öffnen" in page
    response = c.post(f"/akten/{bau.pk}/vorgang/neu/", {"title": "zu spät"})
    assert response.status_code == 400 and "nur in einer offenen Akte" in response.content.decode()
