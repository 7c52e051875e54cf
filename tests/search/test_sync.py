"""Sync rules: permission changes reach the index through the outbox; search_check reports drift; reindex
rebuilds resumably and swaps generations."""

import json

import pytest

from akten.models import Document
from akten.services import akte_change_department, akte_grant, akte_revoke
from dms.models import OutboxEntry
from search.backends import get_backend
from search.models import ReindexRun
from search.services import outbox_drain, search_documents
from search.sync import search_check, search_reindex

from .conftest import make_document


def found(user, text="Sondernutzungserlaubnis"):
    return search_documents(user=user, query=text).total


def test_grant_and_revoke_reach_the_index_through_the_outbox(org, akten):
    make_document(akten.ordnung, pages=["Sondernutzungserlaubnis für den Wochenmarkt"])
    outbox_drain()
    assert found(org.bernd) == 1 and found(org.anna) == 0
    akte_grant(akte=akten.ordnung, department=org.d63, by=org.admin)
    assert found(org.anna) == 0  # not drained yet: the index still has the old principals
    assert outbox_drain() == 1
    assert found(org.anna) == 1
    akte_revoke(akte=akten.ordnung, department=org.d63, by=org.admin)
    outbox_drain()
    assert found(org.anna) == 0 and found(org.bernd) == 1


def test_user_grant_reaches_the_index(org, akten):
    make_document(akten.ordnung, pages=["Sondernutzungserlaubnis"])
    akte_grant(akte=akten.ordnung, user=org.anna, by=org.admin)
    outbox_drain()
    assert found(org.anna) == 1


def test_department_change_moves_visibility_and_facets(org, akten):
    make_document(akten.ordnung, pages=["Sondernutzungserlaubnis"])
    outbox_drain()
    akte_change_department(akte=akten.ordnung, department=org.d63, by=org.admin)
    outbox_drain()
    result = search_documents(user=org.anna, query="Sondernutzungserlaubnis")
    assert result.total == 1 and result.hits[0]["department"] == "63"
    assert result.facets["department"] == [{"value": "63", "count": 1}]
    assert found(org.bernd) == 0


def test_scan_user_sees_only_what_they_ingested(org, akten):
    mine = make_document(akten.ordnung, pages=["Sondernutzungserlaubnis Nummer eins"], by=org.scan)
    make_document(akten.ordnung, pages=["Sondernutzungserlaubnis Nummer zwei"])
    outbox_drain()
    result = search_documents(user=org.scan, query="Sondernutzungserlaubnis")
    assert result.total == 1 and result.hits[0]["document_id"] == mine.pk


def test_search_check_reports_missing_stale_and_orphan(org, akten):
    """Drift made behind the outbox's back is found; pending outbox rows are not drift."""
    a = make_document(akten.bau, pages=["eins"])
    b = make_document(akten.bau, pages=["zwei"])
    c = make_document(akten.bau, pages=["drei"])
    outbox_drain()
    assert search_check()["ok"]
    d = make_document(akten.bau, pages=["vier"])
    report = search_check()
    assert report["ok"] and report["pending"] == 1  # enqueued, not yet drained: not drift
    OutboxEntry.objects.all().delete()  # the change never reaches the indexer
    Document.objects.filter(pk=b.pk).update(title="geändert ohne Outbox")
    Document.objects.filter(pk=c.pk).delete()
    report = search_check()
    assert not report["ok"]
    assert report["missing"] == [d.pk] and report["stale"] == [b.pk] and report["orphan"] == [c.pk]
    assert report["documents"] == 3 and report["indexed"] == 3
    assert a.pk not in report["missing"] + report["stale"] + report["orphan"]


def test_search_check_command_exits_1_on_drift_and_repair_fixes_it(org, akten, run_command):
    doc = make_document(akten.bau, pages=["eins"])
    outbox_drain()
    assert run_command("search_check", "--json")[0] == 0
    Document.objects.filter(pk=doc.pk).update(title="anders")
    code, out, _ = run_command("search_check", "--json")
    assert code == 1 and json.loads(out)["stale"] == [doc.pk]
    assert run_command("search_check", "--repair")[0] == 1
    outbox_drain()
    assert run_command("search_check")[0] == 0


def test_reindex_rebuilds_what_drifted_and_swaps_generation(org, akten):
    docs = [make_document(akten.bau, pages=[f"Seite {i} Lärmschutzwand"]) for i in range(5)]
    outbox_drain()
    OutboxEntry.objects.all().delete()
    Document.objects.filter(pk=docs[0].pk).update(title="Lärmschutzgutachten")
    get_backend().remove([docs[1].pk])
    before = get_backend().current_generation()
    result = search_reindex(batch_size=2, commit_every=2)
    assert result["finished"] and result["indexed"] == 5
    assert get_backend().current_generation() != before
    assert search_check()["ok"]
    assert found(org.anna, "Lärmschutzwand") == 5


def test_interrupted_reindex_resumes_and_catches_up_on_changes_made_meanwhile(org, akten):
    docs = [make_document(akten.bau, pages=[f"Seite {i} Bebauungsplan"]) for i in range(8)]
    outbox_drain()
    first = search_reindex(batch_size=2, commit_every=4, stop_after=6)  # 6 written, 4 committed
    assert not first["finished"] and first["indexed"] == 4
    run = ReindexRun.objects.get(finished_at__isnull=True)
    assert run.last_document_id == docs[3].pk
    # meanwhile: the live index keeps being served and updated through the outbox
    Document.objects.filter(pk=docs[0].pk).update(title="Flächennutzungsplan")
    from dms.outbox import outbox_enqueue

    outbox_enqueue(document_ids=[docs[0].pk])
    outbox_drain()
    assert found(org.anna, "Flächennutzungsplan") == 1
    second = search_reindex(batch_size=2)
    assert second["resumed"] and second["finished"] and second["indexed"] == 8 and second["caught_up"] == 0
    assert search_check()["ok"]  # docs[0]'s new title reached the new generation (catch-up)
    assert found(org.anna, "Flächennutzungsplan") == 1 and found(org.anna, "Bebauungsplan") == 8


def test_reindex_command_json(org, akten, run_command):
    make_document(akten.bau, pages=["eins"])
    code, out, _ = run_command("reindex", "--json")
    assert code == 0 and json.loads(out)["indexed"] == 1


def test_search_command_prints_the_design_json(org, akten, run_command):
    doc = make_document(akten.bau, title="Baugenehmigung", pages=["Baugenehmigung erteilt"], source="a/b.pdf")
    outbox_drain()
    code, out, err = run_command("search", "Baugenehmigungen", "--user", "anna", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["total"] == 1
    assert {
        k: data["hits"][0][k] for k in ("document_id", "aktenzeichen", "title", "department", "source", "source_pages")
    } == {
        "document_id": doc.pk,
        "aktenzeichen": "63.10.02-2020/0001",
        "title": "Baugenehmigung",
        "department": "63",
        "source": "a/b.pdf",
        "source_pages": None,
    }
    assert data["hits"][0]["rank"] == 1 and "<b>" in data["hits"][0]["snippet"]


def test_search_command_errors(org, run_command):
    code, _, err = run_command("search", "x", "--user", "niemand")
    assert code != 0 and "niemand" in err
    code, _, err = run_command("search", "x", "--user", "anna", "--department", "99")
    assert code != 0 and "99" in err


def test_reindex_restart_discards_an_unfinished_run(org, akten):
    make_document(akten.bau, pages=["Seite Bebauungsplan"])
    make_document(akten.bau, pages=["Seite Bebauungsplan"])
    first = search_reindex(batch_size=1, commit_every=1, stop_after=1)
    assert not first["finished"]
    again = search_reindex(restart=True)
    assert again["finished"] and not again["resumed"] and again["indexed"] == 2
    assert ReindexRun.objects.filter(finished_at__isnull=True).count() == 0
    assert found(org.anna, "Bebauungsplan") == 2


def test_search_command_human_output(org, akten, run_command):
    make_document(akten.bau, title="Abnahme", pages=["Deckblatt", "Die Schlussabnahme erfolgte am 3. Mai."])
    outbox_drain()
    code, out, err = run_command("search", 'Schlussabnahme "erfolgte', "--user", "anna")
    assert code == 0
    assert out.splitlines()[0] == "1 Treffer"
    assert "63.10.02-2020/0001  Abnahme  [63, S. 2]" in out and "Die Schlussabnahme erfolgte" in out
    assert "ohne Gegenstück" in err


@pytest.fixture
def parallel(settings, monkeypatch):
    """A rebuild of any size splits compounds in two worker processes (search/parts_pool.py)."""
    monkeypatch.setattr("search.sync.PARALLEL_MIN_DOCS", 0)
    settings.DMS_INDEX_WORKERS = 2


def test_with_parts_gives_each_document_the_parts_the_backend_would_compute(org, akten):
    from search.compounds import index_parts
    from search.indexdoc import iter_index_docs
    from search.parts_pool import parts_text, with_parts

    make_document(akten.bau, pages=["Abwassergebührenbescheid und Kaufvertrag"], title="Frauenbeauftragte")
    make_document(akten.bau, pages=["Online-Dienst der E-Akte"], title="Arbeitsvertrag")
    make_document(akten.bau, pages=["kurz"], title="Brief")
    inline = [doc for batch in iter_index_docs(batch_size=2) for doc in batch]
    ahead = [doc for batch in with_parts(iter_index_docs(batch_size=2), workers=2) for doc in batch]
    assert [d.document_id for d in ahead] == [d.document_id for d in inline]
    assert all(d.parts is None for d in inline)
    assert [d.parts for d in ahead] == [index_parts(parts_text(d)) for d in inline]
    assert {"vertrag", "wasser", "Frauen"} <= set(ahead[0].parts.split())  # parts as written in the word
    assert ahead[0].stamp == inline[0].stamp  # parts are derived from the text: no false drift


def test_a_parallel_reindex_finds_compound_parts_like_the_inline_one(org, akten, parallel):
    make_document(akten.bau, pages=["Der Abwassergebührenbescheid wurde zugestellt"])
    make_document(akten.bau, pages=["Kaufvertrag über das Grundstück"])
    outbox_drain()
    result = search_reindex(batch_size=1, commit_every=1)
    assert result["finished"] and result["indexed"] == 2
    assert search_check()["ok"]
    assert found(org.anna, "Wasser") == 1 and found(org.anna, "Vertrag") == 1 and found(org.anna, "Gebühren") == 1


def test_an_interrupted_parallel_reindex_stops_its_workers_and_resumes(org, akten, parallel):
    docs = [make_document(akten.bau, pages=[f"Seite {i} Bebauungsplan"]) for i in range(6)]
    outbox_drain()
    first = search_reindex(batch_size=2, commit_every=2, stop_after=4)
    assert not first["finished"] and first["indexed"] == 4
    assert ReindexRun.objects.get(finished_at__isnull=True).last_document_id == docs[3].pk
    second = search_reindex(batch_size=2)
    assert second["finished"] and second["indexed"] == 6
    assert found(org.anna, "Plan") == 6  # a compound part, from the workers
