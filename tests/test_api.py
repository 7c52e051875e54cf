"""REST API: deny by default, only selector results, and every content read is audited."""
import pytest
from rest_framework.test import APIClient

from dms.models import AuditEvent, Document, DocumentVersion
from dms.services import stored_object_put
from tests import factories


def _document(akte, by, content=b"%PDF-1.7 demo"):
    version_obj = stored_object_put(data=content, media_type="application/pdf")
    doc = Document.objects.create(akte=akte, department=akte.lead_department, title="Bauantrag", created_by=by)
    DocumentVersion.objects.create(document=doc, original=version_obj, rendition=version_obj)
    return doc


@pytest.fixture
def setup(org, aktenplan):
    a63 = factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße 4")
    a32 = factories.akte("32-2020/0001", "Gaststättenerlaubnis")
    return a63, a32, _document(a63, org.scan), _document(a32, org.scan, b"%PDF other")


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused(setup):
    assert APIClient().get("/api/akten/").status_code == 401  # 401 with `WWW-Authenticate: Token`


def test_caseworker_lists_only_own_departments_akten(org, setup):
    body = _client(org.anna).get("/api/akten/").json()
    assert [a["aktenzeichen"] for a in body["results"]] == ["63.10.02-2020/0001"] and body["count"] == 1


def test_other_departments_document_is_not_found(org, setup):
    _a63, _a32, _d63, d32 = setup
    assert _client(org.anna).get(f"/api/documents/{d32.pk}/content/").status_code == 404


def test_content_read_returns_bytes_and_writes_audit_event(org, setup):
    _a63, _a32, d63, _d32 = setup
    before = AuditEvent.objects.filter(action="document.read").count()
    response = _client(org.anna).get(f"/api/documents/{d63.pk}/content/")
    assert response.status_code == 200
    assert response.getvalue() == b"%PDF-1.7 demo"
    event = AuditEvent.objects.filter(action="document.read").last()
    assert AuditEvent.objects.filter(action="document.read").count() == before + 1
    assert (event.actor, event.object_id) == ("anna", str(d63.pk))


def test_scan_user_reads_what_it_ingested_only(org, setup):
    _a63, a32, d63, _d32 = setup
    other = Document.objects.create(akte=a32, department=a32.lead_department, title="fremd", created_by=org.admin)
    ids = {d["id"] for d in _client(org.scan).get("/api/documents/").json()["results"]}
    assert d63.pk in ids and other.pk not in ids


def test_openapi_schema_is_complete_and_valid():
    """Every API view documents its parameters and responses: the schema validates with warnings as errors."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/search/" in out.getvalue() and "SearchResult" in out.getvalue()


@pytest.mark.parametrize("url", ["/api/akten/", "/api/documents/"])
def test_lists_are_paged_and_their_offset_bounded(org, setup, url):
    """Every list is paged (limit capped at 1000); an offset past the bound or not a number is a 400 naming
    `offset`, never a 500 from an out-of-range database parameter."""
    from dms.api.pagination import MAX_OFFSET

    client = _client(org.anna)
    body = client.get(url, {"limit": 10**9}).json()
    assert body["count"] == 1 and len(body["results"]) == 1
    assert client.get(url, {"offset": MAX_OFFSET}).json()["results"] == []
    for offset in (MAX_OFFSET + 1, 10**30, -1, "viele"):
        response = client.get(url, {"offset": offset})
        assert response.status_code == 400 and "offset" in response.json()
