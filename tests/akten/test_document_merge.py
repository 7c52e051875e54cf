"""Merging two documents of one Akte (`akten.documents.document_merge`, issue 10: a batch scan split one paper
document in two): a new version of the first with the second's pages appended, the second marked `merged_into`
(kept for the record, gone from lists, search and the review queue), audited on both, refused in German naming
both documents for other Akten, closed, held or disposal Akten, itself, twice, and users without the right."""

from datetime import date

import pytest
from django.utils import timezone

from akten.access import documents_mergeable
from akten.documents import (
    DocumentAccessDenied,
    DocumentError,
    document_create,
    document_merge,
    document_update,
    document_version_add,
)
from akten.models import AkteState, DisposalItem, DisposalRun
from akten.services import akte_close, hold_place
from dms.models import AuditEvent, OutboxEntry
from dms.services import stored_object_put, user_upsert
from search.services import outbox_drain, search_documents
from tests import factories

pytestmark = pytest.mark.django_db


def blob(text):
    return stored_object_put(data=text.encode(), media_type="text/plain")


def doc(akte, by, title, *texts):
    return document_create(
        akte=akte,
        title=title,
        by=by,
        original=blob(f"{title}\n" + "\n".join(texts)),
        pages=[{"number": i, "text": t, "confidence": 90.0} for i, t in enumerate(texts, 1)],
    )


@pytest.fixture
def bau(org, aktenplan):
    return factories.akte("63.10.02-2020/0001", title="Neubau Lindenstraße", opened_on=date(2020, 1, 2))


@pytest.fixture
def pair(org, bau):
    first = doc(bau, org.scan, "Bauantrag", "Bauantrag Lindenstraße Seite eins", "Seite zwei Grundriss")
    second = doc(bau, org.scan, "Stapelscan (Seiten 3-3)", "Seite drei Unterschrift Fensterbauer")
    return first, second


def test_merge_appends_the_pages_as_a_new_version_and_retires_the_other(org, pair):
    first, second = pair
    outbox_drain()
    assert search_documents(user=org.anna, query="Fensterbauer").total == 1
    original = first.current_version.original
    scan = blob("Protokoll")
    version = document_merge(document=first, other=second, by=org.scan, scan_record=scan, reason="Trennblatt zu viel")
    assert version.number == 2 and version.original == original and version.scan_record == scan
    texts = list(version.pages.order_by("number").values_list("number", "text"))
    assert texts == [
        (1, "Bauantrag Lindenstraße Seite eins"),
        (2, "Seite zwei Grundriss"),
        (3, "Seite drei Unterschrift Fensterbauer"),
    ]
    second.refresh_from_db()
    assert second.merged_into == first and second.merged_at is not None
    assert second.versions.count() == 1 and second.current_version.pages.count() == 1, "kept for the record"
    merge = AuditEvent.objects.get(action="document.merge", object_id=str(first.pk))
    assert merge.actor == "scan" and merge.after["merged_document"] == second.pk
    assert merge.after["merged_original"] == second.current_version.original.sha256
    assert merge.after["pages"] == 3 and merge.after["reason"] == "Trennblatt zu viel"
    gone = AuditEvent.objects.get(action="document.merged_into", object_id=str(second.pk))
    assert gone.after["merged_into"] == first.pk and gone.before == {"merged_into": None}
    ops = dict(OutboxEntry.objects.filter(document_id__in=[first.pk, second.pk]).values_list("document_id", "op"))
    assert ops == {first.pk: "upsert", second.pk: "delete"}
    outbox_drain()
    hits = search_documents(user=org.anna, query="Fensterbauer")
    assert [h["document_id"] for h in hits.hits] == [first.pk], "only the merged version is found"
    # a re-index of the merged-away document (an access change, a reindex) does not bring it back
    from dms.outbox import outbox_enqueue

    outbox_enqueue(document_ids=[second.pk])
    outbox_drain()
    assert [h["document_id"] for h in search_documents(user=org.anna, query="Fensterbauer").hits] == [first.pk]


def test_a_merged_document_takes_no_further_change(org, pair):
    first, second = pair
    document_merge(document=first, other=second, by=org.admin)
    with pytest.raises(DocumentError, match=r"ist in Dokument \d+ zusammengeführt"):
        document_update(document=second, by=org.admin, title="Neu")
    with pytest.raises(DocumentError, match="zusammengeführt; es können keine neuen Fassungen"):
        document_version_add(document=second, by=None, original=blob("x"), pages=[])
    third = doc(first.akte, org.scan, "Dritter", "drei")
    with pytest.raises(DocumentError, match=r"„Stapelscan \(Seiten 3-3\)“ \(\d+\) ist schon in Dokument"):
        document_merge(document=third, other=second, by=org.admin)
    with pytest.raises(DocumentError, match="ist schon in Dokument"):
        document_merge(document=second, other=third, by=org.admin)


def test_merge_refuses_itself_and_another_akte(org, bau, pair):
    first, _ = pair
    with pytest.raises(DocumentError, match=r"„Bauantrag“ \(\d+\) lässt sich nicht mit sich selbst"):
        document_merge(document=first, other=first, by=org.admin)
    elsewhere = factories.akte("63.10.02-2020/0002", title="Anbau")
    foreign = doc(elsewhere, org.scan, "Fremd", "fremd")
    with pytest.raises(DocumentError, match=r"„Bauantrag“ .* und „Fremd“ .* liegen in verschiedenen Akten"):
        document_merge(document=first, other=foreign, by=org.admin)
    assert first.versions.count() == 1 and not AuditEvent.objects.filter(action="document.merge").exists()


def test_merge_refuses_closed_held_and_disposal_akten(org, bau, pair):
    first, second = pair
    akte_close(akte=bau, on=date(2021, 1, 1), by=org.anna)
    with pytest.raises(DocumentError, match=r"z\.d\.A\..*„Bauantrag“ .* lassen sich nicht zusammenführen"):
        document_merge(document=first, other=second, by=org.admin)
    type(bau).objects.filter(pk=bau.pk).update(state=AkteState.OFFEN, zda_date=None)
    hold_place(akte=bau, reason="Rechtsstreit", by=org.archiv)
    with pytest.raises(DocumentError, match=r"Löschsperre.*Rechtsstreit.*lassen sich nicht zusammenführen"):
        document_merge(document=first, other=second, by=org.admin)
    bau.holds.update(released_at=timezone.now())
    run = DisposalRun.objects.create(as_of=date(2060, 1, 1), proposed_by=org.archiv)
    DisposalItem.objects.create(run=run, akte=bau, aktenzeichen=bau.aktenzeichen, akte_uuid=bau.uuid, proposal="A")
    with pytest.raises(DocumentError, match="laufenden Aussonderung"):
        document_merge(document=first, other=second, by=org.admin)
    type(bau).objects.filter(pk=bau.pk).update(state=AkteState.ANGEBOTEN)
    with pytest.raises(DocumentError, match="Aussonderung"):
        document_merge(document=first, other=second, by=org.admin)
    second.refresh_from_db()
    assert second.merged_into is None and first.versions.count() == 1


def test_who_may_merge(org, bau, pair):
    first, second = pair
    scan2 = user_upsert(username="scan2", password="pw", roles=["scan"])
    mine = doc(bau, scan2, "Von scan2", "anderer Scan")
    assert documents_mergeable(org.scan, first, second) and not documents_mergeable(org.scan, first, mine)
    assert documents_mergeable(org.anna, first, mine), "the caseworker with the change right on the Akte"
    for user, other in ((org.scan, mine), (org.bernd, second), (org.archiv, second)):
        with pytest.raises(DocumentAccessDenied, match=r"darf diese Dokumente nicht zusammenführen"):
            document_merge(document=first, other=other, by=user)
    document_merge(document=first, other=mine, by=org.anna)
    document_merge(document=first, other=second, by=org.admin)
    assert first.current_version.pages.count() == 4
