"""The Scanstelle (/scanstelle/): only the scan role and admins; upload starts a background batch; the batches
page polls running batches and shows per file stored / duplicate / refused with the German reason; the review
queue lists what needs a look and the review page accepts (recorded in the scan record and audited), turns a page
and corrects metadata with suggestions shown, never applied; a scan operator sees nothing they did not ingest."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from akten.models import Document
from dms.models import AuditEvent
from dms.services import user_upsert
from dms.storage import get_storage
from scan_ingest import synth
from scan_ingest.models import IngestBatch, IngestDocument
from scan_ingest.runner import run_pending
from scan_ingest.selectors import review_queue
from tests import factories

AZ = "63.10.02-1998/0042"
pytestmark = pytest.mark.django_db


def png(text: str, seed: int = 1) -> bytes:
    out = io.BytesIO()
    synth.text_page(text, dpi=150, seed=seed).save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


LETTER = (
    "Bauantrag Gartenweg 12\n"
    "Aachen, den 12.03.1998\n"
    "Sehr geehrte Damen und Herren, wir beantragen die Genehmigung für den Neubau eines Wohnhauses."
)


def upload(client, *files, **data):
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(reverse("scan:upload"), {"dateien": uploads, **data})


@pytest.fixture
def ingested(client, org, aktenplan):
    """A batch uploaded by the scan operator through the form and run by the worker: one letter, one broken
    file."""
    client.force_login(org.scan)
    response = upload(client, ("brief.png", png(LETTER)), ("kaputt.pdf", b"%PDF-1.4\nkaputt"), akte=AZ)
    assert response.status_code == 302
    batch = IngestBatch.objects.get()
    run_pending(workers=1)
    batch.refresh_from_db()
    return batch


def test_only_the_scan_role_and_admins_enter(client, org):
    client.force_login(org.anna)
    page = client.get(reverse("scan:start"))
    assert page.status_code == 403 and "Kein Zugriff auf die Scanstelle" in page.content.decode()
    client.force_login(org.admin)
    assert client.get(reverse("scan:start")).status_code == 200
    client.force_login(org.scan)
    assert "Noch keine Stapel." in client.get(reverse("scan:start")).content.decode()


def test_upload_returns_at_once_and_the_waiting_batch_polls_its_row(client, org, aktenplan):
    client.force_login(org.scan)
    response = upload(client, ("a.png", png("Erster Brief")), akte=AZ)
    batch = IngestBatch.objects.get()
    assert response["Location"] == reverse("scan:batch", args=[batch.pk])
    assert batch.state == IngestBatch.State.QUEUED and batch.source_label == "Upload Scanstelle"
    listing = client.get(reverse("scan:start")).content.decode()
    assert "wartet" in listing and f'hx-get="{reverse("scan:batch_row", args=[batch.pk])}"' in listing
    detail = client.get(reverse("scan:batch", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in detail and f"Stapel {batch.pk}" in detail


def test_upload_form_errors_are_german(client, org, aktenplan):
    client.force_login(org.scan)
    page = client.post(reverse("scan:upload"), {"akte": AZ})
    assert page.status_code == 400 and "Dateien: bitte mindestens eine Datei wählen." in page.content.decode()
    page = upload(client, ("a.png", b"x"), akte="kein Zeichen")
    assert page.status_code == 400 and "Ziel-Akte:" in page.content.decode()


def test_finished_batch_shows_stored_and_refused_with_the_german_reason(client, ingested):
    listing = client.get(reverse("scan:start")).content.decode()
    assert "mit Fehlern" in listing and "hx-trigger" not in listing, "a finished batch is not polled"
    detail = client.get(reverse("scan:batch", args=[ingested.pk])).content.decode()
    doc = Document.objects.get()
    assert reverse("scan:review", args=[doc.pk]) in detail and "gespeichert" in detail
    assert "abgelehnt" in detail and "beschädigtes PDF" in detail


def test_a_duplicate_links_to_the_existing_document(client, org, ingested):
    upload(client, ("brief.png", png(LETTER)), akte=AZ)
    second = IngestBatch.objects.order_by("-pk").first()
    run_pending(workers=1)
    detail = client.get(reverse("scan:batch", args=[second.pk])).content.decode()
    assert "Duplikat" in detail and reverse("scan:review", args=[Document.objects.get().pk]) in detail


def test_another_operators_batch_and_document_are_not_found(client, org, ingested):
    other = user_upsert(username="scan2", password="pw", roles=["scan"])
    client.force_login(other)
    doc = Document.objects.get()
    assert client.get(reverse("scan:batch", args=[ingested.pk])).status_code == 404
    assert client.get(reverse("scan:batch_row", args=[ingested.pk])).status_code == 404
    assert client.get(reverse("scan:review", args=[doc.pk])).status_code == 404
    assert client.get(reverse("scan:review_page_image", args=[doc.pk, 1]) + "?w=160").status_code == 404
    assert client.post(reverse("scan:review_accept", args=[doc.pk]), {"pruefpunkte": ["seiten"]}).status_code == 404
    assert "Noch keine Stapel." in client.get(reverse("scan:start")).content.decode()
    caseworker_doc = factories.document(factories.akte("63.10.02-1998/0043", "Fremd"), "Fremd")
    client.force_login(org.scan)
    assert client.get(reverse("scan:review", args=[caseworker_doc.pk])).status_code == 404


def test_review_queue_lists_the_hint_and_the_page_shows_text_and_suggestions(client, ingested):
    doc = Document.objects.get()
    queue = client.get(reverse("scan:review_list")).content.decode()
    assert "Titel ist nur der Dateiname" in queue and reverse("scan:review", args=[doc.pk]) in queue
    page = client.get(reverse("scan:review", args=[doc.pk])).content.decode()
    assert "Gartenweg" in page and 'id="seitentext"' in page
    assert "Bauantrag Gartenweg 12" in page and "12.03.1998" in page, "title and date suggested"
    assert Document.objects.get().title == "brief" and Document.objects.get().date is None, "never applied"
    image = client.get(reverse("scan:review_page_image", args=[doc.pk, 1]) + "?w=160")
    assert image.status_code == 200 and image["Content-Type"] in ("image/png", "image/jpeg")


def test_accept_records_who_when_what_in_the_scan_record_audits_and_leaves_the_queue(client, org, ingested):
    doc = Document.objects.get()
    refused = client.post(reverse("scan:review_accept", args=[doc.pk]), {}, follow=True)
    assert "Prüfpunkte" in refused.content.decode() and review_queue(user=org.scan).count() == 1
    response = client.post(
        reverse("scan:review_accept", args=[doc.pk]), {"pruefpunkte": ["seiten", "metadaten"], "bemerkung": "ok"}
    )
    assert response["Location"] == reverse("scan:review_list")
    assert review_queue(user=org.scan).count() == 0
    version = Document.objects.get().current_version
    record = json.loads(get_storage().read(version.scan_record.key))
    assert record["review"]["accepted_by"] == "scan" and record["review"]["accepted_at"]
    assert record["review"]["checked"] == ["Seiten vollständig und lesbar", "Titel, Datum und Dokumentart geprüft"]
    assert version.number == 2 and version.original_id == doc.versions.get(number=1).original_id
    event = AuditEvent.objects.get(action="scan.review_accept", object_id=str(doc.pk))
    assert event.actor == "scan" and event.after["note"] == "ok"
    entry = IngestDocument.objects.get(document=doc)
    assert entry.reviewed_by == org.scan and not entry.review_open


def test_rotate_makes_a_new_version_with_the_page_turned(client, ingested):
    import pikepdf

    doc = Document.objects.get()
    client.post(reverse("scan:review_rotate", args=[doc.pk]), {"seite": 1, "grad": 90})
    version = Document.objects.get().current_version
    with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
        assert int(pdf.pages[0].obj.get("/Rotate", 0)) % 360 == 90
    record = json.loads(get_storage().read(version.scan_record.key))
    assert record["review_steps"][-1]["what"] == "Seite 1 um 90° gedreht" and record["review_steps"][-1]["by"] == "scan"


def test_metadata_correction_applies_only_what_was_sent_and_is_audited_with_the_operator(client, ingested):
    doc = Document.objects.get()
    client.post(
        reverse("scan:review_metadata", args=[doc.pk]),
        {"title": "Bauantrag Gartenweg 12", "date": "12.03.1998", "document_type": "Antrag"},
    )
    doc.refresh_from_db()
    assert (doc.title, doc.date, doc.document_type) == ("Bauantrag Gartenweg 12", date(1998, 3, 12), "Antrag")
    event = AuditEvent.objects.get(action="document.update", object_id=str(doc.pk))
    assert event.actor == "scan" and event.after["title"] == "Bauantrag Gartenweg 12"
    assert event.before["title"] != "Bauantrag Gartenweg 12" and event.after["reason"] == "Prüfung"


def test_the_batches_page_stays_fast_with_10000_batches(client, org, django_assert_max_num_queries):
    IngestBatch.objects.bulk_create(
        IngestBatch(
            path=f"/spool/{n}",
            fingerprint=f"{n:064x}",
            operator=org.scan,
            state=IngestBatch.State.DONE,
            background=True,
        )
        for n in range(10_000)
    )
    client.force_login(org.scan)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("scan:start"), {"page": 3})
    html = page.content.decode()
    assert "Seite 3 von 200" in html and html.count('<tr id="stapel-') == 50


def test_reocr_and_replacing_a_page_by_a_rescan_make_new_versions(client, ingested, tmp_path):
    doc = Document.objects.get()
    client.post(reverse("scan:review_reocr", args=[doc.pk]))
    assert Document.objects.get().current_version.number == 2
    two_pages = synth.save_pdf([synth.text_page("Eins", dpi=150), synth.text_page("Zwei", dpi=150)], tmp_path / "2.pdf")
    refused = client.post(
        reverse("scan:review_replace", args=[doc.pk]),
        {"seite": 1, "nachscan": SimpleUploadedFile("zwei.pdf", two_pages.read_bytes())},
        follow=True,
    )
    assert "genau eine Seite erwartet" in refused.content.decode()
    rescan = png("Nachscan: Bauantrag Gartenweg 12 mit Lageplan und Unterschrift", seed=9)
    client.post(
        reverse("scan:review_replace", args=[doc.pk]), {"seite": 1, "nachscan": SimpleUploadedFile("neu.png", rescan)}
    )
    version = Document.objects.get().current_version
    assert version.number == 3 and "Lageplan" in version.pages.get(number=1).text
    record = json.loads(get_storage().read(version.scan_record.key))
    step = record["review_steps"][-1]
    assert step["what"] == "Seite 1 durch Nachscan ersetzt" and step["by"] == "scan"
    from dms.models import StoredObject

    assert StoredObject.objects.filter(sha256=step["rescan_sha256"], media_type="image/png").exists()
    assert version.original_id == doc.versions.get(number=1).original_id, "the original stays bit-exact"


def test_split_before_a_page_makes_a_new_document_and_both_wait_for_review(client, org, aktenplan, tmp_path):
    import pikepdf

    from scan_ingest.pdfa_check import document_problems

    client.force_login(org.scan)
    two = synth.save_pdf(
        [synth.text_page(LETTER, dpi=150, seed=2), synth.text_page("Lageplan\n\nMaßstab 1:500", dpi=150, seed=5)],
        tmp_path / "zwei.pdf",
    )
    upload(client, ("zwei.pdf", two.read_bytes()), akte=AZ)
    run_pending(workers=1)
    doc = Document.objects.get()
    client.post(reverse("scan:review_accept", args=[doc.pk]), {"pruefpunkte": ["seiten"]})
    assert client.post(reverse("scan:review_split", args=[doc.pk]), {"seite": 1}).status_code == 302
    assert Document.objects.count() == 1, "there is nothing before page 1 to split off"
    response = client.post(reverse("scan:review_split", args=[doc.pk]), {"seite": 2})
    new = Document.objects.exclude(pk=doc.pk).get()
    assert response["Location"] == reverse("scan:review", args=[new.pk]) and new.title == "Lageplan"
    for document, text in ((doc, "Gartenweg"), (new, "Maßstab")):
        version = document.current_version
        with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
            assert len(pdf.pages) == 1 and document_problems(pdf) == [], "each part is still PDF/A-2b"
        assert version.pages.count() == 1 and text in version.pages.get().text
        assert version.original.sha256 == doc.versions.get(number=1).original.sha256
    assert {e.document_id for e in review_queue(user=org.scan)} == {doc.pk, new.pk}
    assert AuditEvent.objects.filter(action="document.split", object_id=str(new.pk), actor="scan").exists()


def test_the_state_filter_follows_the_badge(client, org):
    IngestBatch.objects.create(path="/a", fingerprint="a", operator=org.scan, state="done", report={"errors": 0})
    IngestBatch.objects.create(path="/b", fingerprint="b", operator=org.scan, state="done", report={"errors": 2})
    IngestBatch.objects.create(path="/c", fingerprint="c", operator=org.scan, state="failed", failure="weg")
    IngestBatch.objects.create(path="/d", fingerprint="d", operator=org.scan, state="queued")
    client.force_login(org.scan)

    def listed(state):
        return client.get(reverse("scan:start"), {"status": state}).context["rows"]

    assert [r["batch"].path for r in listed("failed")] == ["/c", "/b"]
    assert [r["batch"].path for r in listed("done")] == ["/a"]
    assert [r["batch"].path for r in listed("queued")] == ["/d"]
    page = client.get(reverse("scan:start"), {"status": "failed"}).content.decode()
    assert "Stand: mit Fehlern" in page, "the active filter is a removable chip"


def test_an_upload_of_more_than_a_hundred_files_is_taken(client, org, aktenplan):
    client.force_login(org.scan)
    response = upload(client, *[(f"seite-{n:03}.png", b"x") for n in range(150)], akte=AZ)
    assert response.status_code == 302
    batch = IngestBatch.objects.get()
    assert len(list((Path(batch.spool) / "files").iterdir())) == 150


def test_merge_with_the_next_document_of_the_batch(client, org, aktenplan):
    """Two files of one batch that are one paper document: merged from the first one's review page (asked once,
    naming both with their page counts); one PDF/A with both pages, the second kept for the record but gone from
    the queue, the Akte page and the search."""
    import pikepdf

    from scan_ingest.pdfa_check import document_problems
    from search.services import outbox_drain, search_documents

    client.force_login(org.scan)
    upload(
        client, ("1-brief.png", png(LETTER, seed=3)), ("2-plan.png", png("Lageplan Gartenweg Maßstab", seed=4)), akte=AZ
    )
    run_pending(workers=1)
    first, second = Document.objects.order_by("pk")
    page = client.get(reverse("scan:review", args=[first.pk])).content.decode()
    assert "Mit nächstem Dokument zusammenführen" in page
    assert "„1-brief“ (1 Seite) und „2-plan“ (1 Seite) zu einem Dokument mit 2 Seiten" in page
    refused = client.post(reverse("scan:review_merge", args=[first.pk]), {"mit": first.pk}, follow=True)
    assert "lässt sich nicht mit sich selbst zusammenführen" in refused.content.decode()
    response = client.post(reverse("scan:review_merge", args=[first.pk]), {"mit": second.pk})
    assert response["Location"] == reverse("scan:review", args=[first.pk])
    version = Document.objects.get(pk=first.pk).current_version
    assert version.number == 2 and version.original == first.versions.get(number=1).original
    assert [
        ("Gartenweg" in t, "Lageplan" in t) for t in version.pages.order_by("number").values_list("text", flat=True)
    ] == [
        (True, False),
        (True, True),
    ]
    with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
        assert len(pdf.pages) == 2 and document_problems(pdf) == [], "still PDF/A-2b"
    step = json.loads(get_storage().read(version.scan_record.key))["review_steps"][-1]
    assert step["merged_document"] == second.pk and step["by"] == "scan"
    assert step["merged_original_sha256"] == second.current_version.original.sha256
    second.refresh_from_db()
    assert second.merged_into_id == first.pk
    assert [e.document_id for e in review_queue(user=org.scan)] == [first.pk]
    batch = client.get(reverse("scan:batch", args=[IngestBatch.objects.get().pk])).content.decode()
    assert f'zusammengeführt in <a href="{reverse("scan:review", args=[first.pk])}">Dokument {first.pk}</a>' in batch
    merged_page = client.get(reverse("scan:review", args=[second.pk])).content.decode()
    assert "Zusammengeführt in" in merged_page and "Mit nächstem Dokument" not in merged_page
    outbox_drain()
    assert [h["document_id"] for h in search_documents(user=org.anna, query="Lageplan").hits] == [first.pk]
    client.force_login(org.anna)
    akte_page = client.get(reverse("akten:akte_detail", args=[first.akte_id])).content.decode()
    assert "1-brief" in akte_page and "2-plan" not in akte_page
    viewer = client.get(reverse("akten:document", args=[first.akte_id, second.pk])).content.decode()
    assert "Zusammengeführt in" in viewer and "1-brief" in viewer


def test_another_operator_cannot_merge(client, org, aktenplan):
    client.force_login(org.scan)
    upload(client, ("1-a.png", png("Erste Seite", seed=5)), ("2-b.png", png("Zweite Seite", seed=6)), akte=AZ)
    run_pending(workers=1)
    first, second = Document.objects.order_by("pk")
    client.force_login(user_upsert(username="scan2", password="pw", roles=["scan"]))
    assert client.post(reverse("scan:review_merge", args=[first.pk]), {"mit": second.pk}).status_code == 404
    assert Document.objects.get(pk=second.pk).merged_into_id is None


def test_merge_takes_only_the_next_document_or_one_still_waiting_for_review(client, org, aktenplan):
    from scan_ingest.review import ReviewError, document_merge_with, merge_next

    client.force_login(org.scan)
    files = [(f"{n}-teil.png", png(f"Teil {n} des Antrags", seed=10 + n)) for n in (1, 2, 3)]
    upload(client, *files, akte=AZ)
    run_pending(workers=1)
    one, two, three = (IngestDocument.objects.get(document=d) for d in Document.objects.order_by("pk"))
    assert merge_next(one).pk == two.pk and merge_next(two).pk == three.pk and merge_next(three) is None
    client.post(reverse("scan:review_accept", args=[three.document_id]), {"pruefpunkte": ["seiten"]})
    three.refresh_from_db()
    with pytest.raises(ReviewError, match="weder das nächste Dokument des Stapels"):
        document_merge_with(entry=one, by=org.scan, other=three)
    document_merge_with(entry=one, by=org.scan, other=two)
    assert merge_next(one).pk == three.pk, "after a merge the one after the merged document is next"
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.anna)
    listed = api.get("/api/documents/").json()
    ids = {d["id"] for d in listed.get("results", listed)}
    assert one.document_id in ids and two.document_id not in ids
    assert api.get(f"/api/documents/{two.document_id}/").status_code == 200, "kept for the record"
