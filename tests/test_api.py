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
    assert APIClient().get("/api/akten/").status_code == 403


def test_caseworker_lists_only_own_departments_akten(org, setup):
    body = _client(org.anna).get("/api/akten/").json()
    assert [a["aktenzeichen"] for a in body] == ["63.10.02-2020/0001"]


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
    ids = {d["id"] for d in _client(org.scan).get("/api/documents/").json()}
    assert d63.pk in ids and other.pk not in ids


def test_openapi_schema_is_complete_and_valid():
    """Every API view documents its parameters and responses: the schema validates with warnings as errors."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/search/" in out.getvalue() and "SearchResult" in out.getvalue()
