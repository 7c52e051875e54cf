"""The search service contract other apps rely on: drain, search, immediate removal."""

from dms.models import OutboxEntry
from search.services import index_remove_documents, outbox_drain, search_documents

from .conftest import make_document


def test_drained_document_is_found_by_its_department_with_page_and_snippet(org, akten):
    """After the outbox is drained, a member of the lead department finds the document; the hit names the
    Akte, the page of the best hit and a highlighted snippet; the outbox is empty afterwards."""
    doc = make_document(
        akten.bau,
        title="Baugenehmigung Lindenstraße",
        source="scan/001.pdf",
        pages=["Deckblatt ohne Inhalt", "Die Baugenehmigung wird unter Auflagen erteilt."],
    )
    assert outbox_drain() == 1
    assert not OutboxEntry.objects.exists()
    result = search_documents(user=org.anna, query="Auflagen")
    assert result.total == 1
    hit = result.hits[0]
    assert hit["document_id"] == doc.pk
    assert hit["aktenzeichen"] == "63.10.02-2020/0001"
    assert hit["department"] == "63" and hit["source"] == "scan/001.pdf" and hit["source_pages"] is None
    assert hit["page"] == 2
    assert "<b>Auflagen</b>" in hit["snippet"]
    assert set(hit) >= {
        "document_id",
        "aktenzeichen",
        "title",
        "department",
        "source",
        "source_pages",
        "rank",
        "snippet",
    }
    assert {"value": "63", "count": 1} in result.facets["department"]


def test_other_department_neither_sees_nor_counts_the_document(org, akten):
    make_document(akten.bau, pages=["Die Baugenehmigung wird erteilt."])
    outbox_drain()
    result = search_documents(user=org.bernd, query="Baugenehmigung")
    assert result.total == 0 and result.hits == [] and result.facets["department"] == []


def test_index_remove_documents_takes_effect_at_once(org, akten):
    doc = make_document(akten.bau, pages=["Abrissverfügung für das Nebengebäude"])
    outbox_drain()
    assert search_documents(user=org.anna, query="Abrissverfügung").total == 1
    index_remove_documents(document_ids=[doc.pk])
    assert search_documents(user=org.anna, query="Abrissverfügung").total == 0


def test_deleted_document_leaves_the_index_through_the_outbox(org, akten):
    """A vanished document (or a delete row) removes its entry when the outbox is drained."""
    from dms.outbox import outbox_enqueue

    doc = make_document(akten.bau, pages=["Stellplatznachweis"])
    outbox_drain()
    doc_id = doc.pk
    doc.delete()
    outbox_enqueue(document_ids=[doc_id], op="delete")
    assert outbox_drain() == 1
    assert search_documents(user=org.anna, query="Stellplatznachweis").total == 0


def test_indexer_command_and_task_drain_the_outbox(org, akten, run_command):
    """The standing indexer (`search_indexer`) and the Celery task apply what the web side enqueued."""
    import json

    from akten.services import akte_grant
    from search.tasks import outbox_drain_task

    make_document(akten.ordnung, pages=["Marktsatzung"])
    code, out, _ = run_command("search_indexer", "--once", "--json")
    assert code == 0 and json.loads(out) == {"applied": 1}
    akte_grant(akte=akten.ordnung, department=org.d63, by=org.admin)
    assert outbox_drain_task.apply().get() == 1
    assert search_documents(user=org.anna, query="Marktsatzung").total == 1


def test_ocr_text_is_normalised_before_indexing(org, akten):
    """Decomposed umlauts (PDF text: `u` + combining diaeresis) and words hyphenated at a line break are found
    like ordinary text; a hyphen before a capital (`Bau-\\nAntrag`) stays a hyphen."""
    make_document(akten.bau, pages=["Der Gebu\u0308hrenbescheid zur Bauge-\nnehmigung und der Bau-\nAntrag"])
    outbox_drain()
    assert search_documents(user=org.anna, query="Gebührenbescheid").total == 1
    assert search_documents(user=org.anna, query="Gebu\u0308hrenbescheid").total == 1
    result = search_documents(user=org.anna, query="Baugenehmigung")
    assert result.total == 1 and "<b>Baugenehmigung</b>" in result.hits[0]["snippet"]
    assert search_documents(user=org.anna, query="Antrag").total == 1


def test_limit_is_bounded(org):
    import pytest

    with pytest.raises(ValueError, match="limit"):
        search_documents(user=org.anna, query="x", limit=100_000)
