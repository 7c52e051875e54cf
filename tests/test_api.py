"""REST API: deny by default, only selector results, and every content read is audited."""

import pytest
from rest_framework.test import APIClient

from akten.models import Document, DocumentVersion
from dms.models import AuditEvent
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


@pytest.mark.parametrize("url", ["/api/akten/", "/api/documents/"])
def test_a_limit_that_is_no_positive_number_is_a_400_naming_it(org, setup, url):
    """A bad `limit` is refused (it used to fall back to the default silently); above 1000 it counts as 1000."""
    client = _client(org.anna)
    for limit in (0, -5, "alle"):
        response = client.get(url, {"limit": limit})
        assert response.status_code == 400 and "limit" in response.json()


def test_akten_state_filter_takes_only_known_states(org, setup):
    client = _client(org.anna)
    assert client.get("/api/akten/", {"state": "offen"}).json()["count"] == 1
    assert client.get("/api/akten/", {"state": "zdA"}).json()["count"] == 0
    response = client.get("/api/akten/", {"state": "geschlossen"})
    assert response.status_code == 400 and "'geschlossen' ist kein Zustand" in response.json()["state"]


def test_content_with_an_unknown_which_is_a_400_naming_it(org, setup):
    _a63, _a32, d63, _d32 = setup
    response = _client(org.anna).get(f"/api/documents/{d63.pk}/content/", {"which": "scan"})
    assert response.status_code == 400 and "'scan' ist nicht erlaubt" in response.json()["which"]


@pytest.mark.parametrize(
    "url",
    ["/api/akten/0.5/", "/api/documents/x/", "/api/documents/null,null/content/", "/api/documents/-1e-5/content/"],
)
def test_a_malformed_id_is_the_apis_json_404_not_a_500_or_an_html_page(org, setup, url):
    response = _client(org.anna).get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_schema_documents_the_error_answers_of_each_operation():
    """401 and 429 everywhere, 404 where the path names an object, 400 where query parameters are checked."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/akten/"]["get"]["responses"]) == {"200", "400", "401", "429"}
    assert set(paths["/api/akten/{id}/"]["get"]["responses"]) == {"200", "401", "404", "429"}
    assert set(paths["/api/documents/{id}/content/"]["get"]["responses"]) == {"200", "400", "401", "404", "429", "500"}
    offset = next(p for p in paths["/api/documents/"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"] == {"type": "integer", "minimum": 0, "maximum": 1_000_000}


def test_document_detail_shows_filing_versions_and_page_counts_to_those_who_may_see_it(org, setup):
    """A Fachverfahren follows a document: Akte, Vorgang, every version with its files and page count; another
    department's document stays a 404 (the one access rule)."""
    from akten.models import Vorgang

    a63, _a32, _d63, d32 = setup
    vorgang = Vorgang.objects.create(akte=a63, title="Baugenehmigungsverfahren")
    doc = factories.document(a63, "Bauantrag mit Plänen", vorgang=vorgang, pages=3)
    second = DocumentVersion.objects.create(document=doc, number=2, original=doc.versions.get().original)
    body = _client(org.anna).get(f"/api/documents/{doc.pk}/").json()
    assert (body["akte_id"], body["vorgang"], body["aktenzeichen"]) == (
        a63.pk,
        "Baugenehmigungsverfahren",
        a63.aktenzeichen,
    )
    assert [(v["number"], v["pages"], v["has_scan_record"]) for v in body["versions"]] == [(1, 3, False), (2, 0, False)]
    assert body["pages"] == 0  # the current version is the newest
    first = body["versions"][0]
    assert first["original"]["sha256"] == second.original.sha256 and first["rendition"] is None
    assert _client(org.anna).get(f"/api/documents/{d32.pk}/").status_code == 404
