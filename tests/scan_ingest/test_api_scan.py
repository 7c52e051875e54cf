"""`GET /api/documents/{id}/scan/`: a Fachverfahren reads how a document came in and its scan's quality check,
for documents the caller may see (the one access rule); one that did not come through ingest is a 404 saying so."""

import pytest
from rest_framework.test import APIClient

from scan_ingest import synth
from scan_ingest.services import ingest_run
from tests import factories

from .conftest import page

AZ = "63.10.02-1998/0042"


def _get(user, document_id):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/documents/{document_id}/scan/")


@pytest.mark.django_db
def test_scan_quality_of_an_ingested_document_through_the_access_rule(aktenplan, org, scans):
    synth.save_pdf([page(1), synth.blank_page(dpi=150)], scans / "akte.pdf", 150)
    result = ingest_run(path=scans, akte=AZ, workers=1, user=org.scan)
    (entry,) = result["documents"]
    body = _get(org.anna, entry["id"]).json()
    assert (body["document_id"], body["batch"], body["source"], body["pages"]) == (
        entry["id"],
        result["batch"],
        "akte.pdf",
        2,
    )
    assert body["qa_state"] == "needs_review" and any("leer" in r for r in body["review_reasons"])
    assert _get(org.scan, entry["id"]).status_code == 200  # the scan account reads what it ingested
    assert _get(org.bernd, entry["id"]).status_code == 404  # another department: not visible, not even its QA
    typed_in = factories.document(factories.akte("63.10.02-2020/0001"), "Vermerk")
    response = _get(org.anna, typed_in.pk)
    assert response.status_code == 404 and "nicht über die Erfassung" in response.json()["detail"]
    assert _get(org.anna, "x").status_code == 404
