"""The write API (web/caseworker/api.py): the same services and access rule as the caseworker's pages. Create an
Akte and a Vorgang, close and reopen, upload (202 with a batch to follow), PATCH a document's metadata, move it;
refusals are 400/403/404 with a German `detail` naming the field or the reason, and every write is audited."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from akten.models import Akte, AkteState, Vorgang
from dms.models import AuditEvent
from dms.services import user_upsert
from tests import factories

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def bau(org, aktenplan):
    akte = factories.akte("63.10-2020/0001", "Neubau Lindenweg", opened_on=date(2020, 1, 2))
    factories.document(akte, "Bauantrag", date=date(2020, 2, 1))
    return akte


def test_create_akte_assigns_the_next_aktenzeichen(org, aktenplan):
    response = api(org.anna).post("/api/akten/", {"kennzeichen": "63.10", "title": "Neubau Halle"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["aktenzeichen"].startswith("63.10-") and body["department"] == "63" and body["state"] == "offen"
    assert AuditEvent.objects.filter(action="akte.create", object_id=str(body["id"]), actor="anna").exists()


def test_create_akte_refusals_are_german_and_name_the_field(org, aktenplan):
    client = api(org.anna)
    missing = client.post("/api/akten/", {"kennzeichen": "63.10"}, format="json")
    assert missing.status_code == 400 and missing.json()["detail"].startswith("Ungültige Eingabe – title:")
    assert missing.json()["errors"]["title"]
    unknown = client.post("/api/akten/", {"kennzeichen": "99", "title": "x"}, format="json")
    assert unknown.status_code == 400 and "kennzeichen: keine Aktenplaneinheit '99'" in unknown.json()["detail"]
    foreign = client.post("/api/akten/", {"kennzeichen": "32", "title": "x", "department": "32"}, format="json")
    assert foreign.status_code == 403 and "Federführung 32" in foreign.json()["detail"]
    assert not Akte.objects.filter(title="x").exists()


def test_vorgang_close_reopen(org, bau):
    client = api(org.anna)
    response = client.post(f"/api/akten/{bau.pk}/vorgaenge/", {"title": "Statik"}, format="json")
    assert response.status_code == 201 and Vorgang.objects.get(pk=response.json()["id"]).akte == bau
    early = client.post(f"/api/akten/{bau.pk}/close/", {"date": "2020-01-15"}, format="json")
    assert early.status_code == 400 and "vor dem Datum des jüngsten Dokuments" in early.json()["detail"]
    closed = client.post(f"/api/akten/{bau.pk}/close/", {"date": "2021-03-15"}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == AkteState.ZDA
    assert closed.json()["aufbewahrungsende"] == "2051-12-31"
    no_reason = client.post(f"/api/akten/{bau.pk}/reopen/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    reopened = client.post(f"/api/akten/{bau.pk}/reopen/", {"reason": "Widerspruch"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["state"] == "offen"
    assert reopened.json()["aufbewahrungsende"] is None


def test_writes_follow_the_access_rule(org, bau):
    assert api(org.bernd).post(f"/api/akten/{bau.pk}/close/", {}, format="json").status_code == 404
    reader = user_upsert(username="rita", departments=["63"], roles=["archivist"])
    refused = api(reader).post(f"/api/akten/{bau.pk}/vorgaenge/", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert "rita darf in Akte 63.10-2020/0001 keinen Vorgang anlegen" in refused.json()["detail"]
    doc = bau.documents.get()
    patch = api(reader).patch(f"/api/documents/{doc.pk}/", {"title": "x"}, format="json")
    assert patch.status_code == 403 and "keine Dokumente bearbeiten" in patch.json()["detail"]
    assert APIClient().post("/api/akten/", {}, format="json").status_code == 401


def test_upload_returns_a_batch_to_follow(org, bau, settings):
    from demo.setup import demo_pdf
    from scan_ingest.runner import run_pending

    settings.DMS_INGEST_AUTOSTART = False
    client = api(org.anna)
    empty = client.post(f"/api/akten/{bau.pk}/documents/", {}, format="multipart")
    assert empty.status_code == 400 and "files" in empty.json()["detail"]
    pdf = SimpleUploadedFile("bescheid.pdf", demo_pdf("Bescheid", bau.aktenzeichen)[0], "application/pdf")
    response = client.post(f"/api/akten/{bau.pk}/documents/", {"files": [pdf]}, format="multipart")
    assert response.status_code == 202, response.json()
    batch = response.json()
    assert batch["state"] == "queued" and batch["state_label"] == "wartet" and not batch["finished"]
    assert batch["url"].endswith(f"/api/batches/{batch['id']}/")
    run_pending(workers=1)
    state = client.get(f"/api/batches/{batch['id']}/").json()
    assert state["finished"] and state["state"] == "done"
    [entry] = state["documents"]
    assert entry["status"] == "stored" and bau.documents.filter(pk=entry["id"]).exists()
    assert api(org.bernd).get(f"/api/batches/{batch['id']}/").status_code == 404
    assert client.get("/api/batches/99999999999999/").status_code == 404


def test_patch_and_move_a_document(org, bau):
    doc = bau.documents.get()
    other = factories.akte("63.10-2020/0002", "Anbau")
    client = api(org.anna)
    vorgang = Vorgang.objects.get(pk=client.post(f"/api/akten/{other.pk}/vorgaenge/", {"title": "Statik"}).json()["id"])
    bad = client.patch(f"/api/documents/{doc.pk}/", {"date": "03.02.2020"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("Ungültige Eingabe – date:")
    response = client.patch(
        f"/api/documents/{doc.pk}/", {"title": "Bauantrag vollständig", "date": "2020-02-03"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Bauantrag vollständig"
    assert response.json()["date"] == "2020-02-03"
    assert client.put(f"/api/documents/{doc.pk}/", {"title": "x"}, format="json").status_code == 405
    wrong = client.post(
        f"/api/documents/{doc.pk}/move/", {"aktenzeichen": other.aktenzeichen, "vorgang": 10**6}, format="json"
    )
    assert wrong.status_code == 400 and "keinen Vorgang" in wrong.json()["detail"]
    moved = client.post(
        f"/api/documents/{doc.pk}/move/", {"aktenzeichen": other.aktenzeichen, "vorgang": vorgang.pk}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["aktenzeichen"] == other.aktenzeichen
    doc.refresh_from_db()
    assert (doc.akte, doc.vorgang) == (other, vorgang)
    foreign = client.post(f"/api/documents/{doc.pk}/move/", {"aktenzeichen": "32-2020/0001"}, format="json")
    assert foreign.status_code == 400 and "die Sie ändern dürfen" in foreign.json()["detail"]


def test_the_schema_documents_the_write_operations(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/akten/"]) and "patch" in paths["/api/documents/{id}/"]
    for path, method in (
        ("/api/akten/", "post"),
        ("/api/akten/{id}/close/", "post"),
        ("/api/akten/{id}/reopen/", "post"),
        ("/api/akten/{id}/vorgaenge/", "post"),
        ("/api/akten/{id}/documents/", "post"),
        ("/api/documents/{id}/", "patch"),
        ("/api/documents/{id}/move/", "post"),
    ):
        assert {"400", "403", "401"} <= set(paths[path][method]["responses"]), (path, method)
    assert "multipart/form-data" in paths["/api/akten/{id}/documents/"]["post"]["requestBody"]["content"]
    assert "202" in paths["/api/akten/{id}/documents/"]["post"]["responses"]
    assert "200" in paths["/api/batches/{id}/"]["get"]["responses"]
