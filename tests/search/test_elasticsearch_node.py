"""What only a real Elasticsearch node shows: the official client accepts it, the first generation appears behind
the alias, a real response becomes hits with pages and facets, reads go on during the alias swap, the outbox
keeps every change while the node is down, and both backends give the same answers for the same data."""

import random
import subprocess
import threading
import time
from pathlib import Path

import pytest

from search.backends import backend_from_url
from search.indexdoc import IndexDoc, az_keys
from search.parser import query_from_text

from .backend_suite import doc
from .es import drop_indices, fresh_search_url, needs_elasticsearch

pytestmark = needs_elasticsearch
ES_SH = Path(__file__).resolve().parents[2] / "tools" / "elasticsearch" / "es.sh"


@pytest.fixture
def es(request):
    url = fresh_search_url()
    request.addfinalizer(lambda: drop_indices(url))
    return backend_from_url(url)


def test_the_official_client_accepts_the_node_as_elasticsearch_7_10(es):
    """The 7.17 client's product check passes: the node reports the build flavour a packaged distribution has."""
    info = es.client.info()
    assert info["version"]["number"] == "7.10.2"
    assert info["version"]["build_flavor"] == "default"
    assert info["tagline"] == "You Know, for Search"
    assert es.count() == 0  # a real request through the checked transport


def test_first_use_creates_the_first_generation_behind_the_alias(es):
    es.upsert([doc(5, "Glasfasernetz der Stadt")])
    assert list(es.client.indices.get_alias(name=es.alias)) == [f"{es.alias}-gen-initial"]
    assert es.current_generation() == "gen-initial"
    source = es.client.get(index=es.alias, id=5)["_source"]
    assert source["principals"] == ["g:1"] and source["doc_id"] == 5 and source["meta"]["pages"] == [1]


def test_a_real_response_becomes_hits_with_page_snippet_and_facets(es):
    es.upsert([doc(9, "Deckblatt", "Anlage & Kosten", "Die Schlussrechnung folgt.", title="Turnhalle", year=2020)])
    query, _ = query_from_text("Schlussrechnung", principals=("g:1",))
    result = es.search(query)
    assert result.total == 1
    hit = result.hits[0]
    assert hit["page"] == 3  # the page of the highlighted word, found from the fragment's offset in the body
    assert "Anlage &amp; Kosten" in hit["snippet"] and "Die <b>Schlussrechnung</b> folgt." in hit["snippet"]
    assert result.facets["year"] == [{"value": 2020, "count": 1}]
    assert result.facets["department"] == [{"value": "63", "count": 1}]


def test_reads_go_on_during_the_alias_swap(es):
    """Searches running while a rebuild swaps the alias never fail and never see an empty or half index."""
    es.upsert([doc(i, f"Bauakte Nummer {i}") for i in range(1, 41)])
    query, _ = query_from_text("Bauakte", principals=("g:1",), limit=0)
    totals, errors, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                totals.append(es.search(query).total)
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for generation in ("gen-2", "gen-3"):
            es.rebuild_begin(generation=generation)
            es.rebuild_write(generation, [doc(i, f"Bauakte Nummer {i}") for i in range(1, 41)])
            es.rebuild_commit(generation)
            es.rebuild_finish(generation)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(totals) > 10 and set(totals) == {40}
    assert es.current_generation() == "gen-3"
    assert sorted(es.client.indices.get(index=f"{es.alias}-*")) == [f"{es.alias}-gen-3"]  # old ones dropped


# -- the node goes away in the middle of a drain ---------------------------------------------------------------
@pytest.fixture
def own_node(tmp_path):
    """A node of this test's own (the shared one must stay up for the others): start/stop by tools/elasticsearch."""
    data = tmp_path / "es"

    def start() -> str:
        return subprocess.run([ES_SH, "start", data], check=True, capture_output=True, text=True).stdout.strip()

    def stop() -> None:
        subprocess.run([ES_SH, "stop", data], check=True, capture_output=True)

    yield start, stop
    stop()


@pytest.mark.django_db(transaction=True)
def test_outbox_keeps_every_change_while_the_node_is_down(org, akten, settings, own_node):
    """Stopped mid-drain, the node misses nothing: the applied part left the outbox, the rest waits there; after
    the node returns one drain catches up and search_check is clean."""
    from dms.models import OutboxEntry
    from search.backends import reset_backends
    from search.services import outbox_drain, search_documents
    from search.sync import search_check

    from .conftest import make_document

    start, stop = own_node
    settings.DMS_SEARCH_URL = f"elasticsearch+{start()}/eakte-outage"
    for i in range(30):
        make_document(akten.bau, pages=[f"Bauantrag Nummer {i}"])
    assert outbox_drain(batch_size=10) == 30

    for i in range(30, 90):
        make_document(akten.bau, pages=[f"Bauantrag Nummer {i}"])
    applied, failure = [], []

    def drain():
        from django.db import connection

        try:
            applied.append(outbox_drain(batch_size=5))
        except Exception as exc:
            failure.append(exc)
        finally:
            connection.close()  # this thread's own connection; left open it keeps the test database busy

    drainer = threading.Thread(target=drain)
    drainer.start()
    deadline = time.monotonic() + 60
    while OutboxEntry.objects.count() > 45 and time.monotonic() < deadline:  # a few batches land, then the plug
        time.sleep(0.01)
    stop()
    drainer.join(timeout=120)
    assert failure, "the drain must fail while the node is down"
    left = OutboxEntry.objects.count()
    assert 0 < left < 60

    for i in range(90, 95):  # changes made during the outage wait in the outbox too
        make_document(akten.bau, pages=[f"Bauantrag Nummer {i}"])
    assert OutboxEntry.objects.count() == left + 5

    reset_backends()
    settings.DMS_SEARCH_URL = f"elasticsearch+{start()}/eakte-outage"  # same data directory, maybe a new port
    assert outbox_drain() == left + 5
    assert not OutboxEntry.objects.exists()
    report = search_check()
    assert report["ok"] and report["documents"] == report["indexed"] == 95
    assert search_documents(user=org.anna, query="Bauantrag", limit=0).total == 95


# -- one generated archive, two backends -------------------------------------------------------------------------
WORDS = [
    "Antrag",
    "Bescheid",
    "Gutachten",
    "Vermerk",
    "Satzung",
    "Haushalt",
    "Schule",
    "Brücke",
    "Straße",
    "Friedhof",
    "Wasser",
    "Kanal",
    "Gebühr",
    "Vertrag",
    "Planung",
    "Förderung",
    "Denkmal",
    "Spielplatz",
    "Feuerwehr",
    "Baumschutz",
    "Lärm",
    "Parkplatz",
    "Markt",
    "Kita",
]


def generated_archive(seed: int) -> list[IndexDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(1, 121):
        dept = rng.choice(["10", "32", "63"])
        az = f"{dept}-{rng.choice([2018, 2019, 2020])}/{rng.randint(1, 9):04d}"
        principals = {f"g:{dept}"} | ({f"u:{rng.randint(1, 3)}"} if rng.random() < 0.2 else set())
        pages = tuple((n, " ".join(rng.choices(WORDS, k=12))) for n in range(1, rng.randint(1, 3) + 1))
        docs.append(
            IndexDoc(
                document_id=i,
                akte_id=i,
                aktenzeichen=az,
                az_keys=az_keys(az),
                unit=dept,
                title=rng.choice(WORDS),
                department=dept,
                document_type=rng.choice(["Bescheid", "Vermerk", "Antrag"]),
                year=int(az.split("-")[1][:4]),
                source=f"scan/{i}.pdf",
                source_pages=None,
                pages=pages,
                principals=tuple(sorted(principals)),
            )
        )
    return docs


QUERIES = [
    "Antrag",
    "Schule Kanal",
    '"Brücke Straße"',
    "Gutachten -Vermerk",
    "Haushalt dept:32",
    "Denkmal year:2019",
    "Markt type:bescheid",
    "Feuerwehr az:63",
    "Gebuehr",
    "Strasse Wasser",
    "Friedhof Lärm Kita",
]
VIEWERS = [("g:10",), ("g:32", "u:2"), ("g:63", "g:10"), ("u:1",), ("g:10", "g:32", "g:63", "u:1", "u:2", "u:3")]


def test_both_backends_give_the_same_answers_for_the_same_data(es, tmp_path):
    """Permission trimming, totals, hit sets and facets agree between tantivy and Elasticsearch."""
    tantivy = backend_from_url(f"tantivy://{tmp_path / 'ix'}")
    archive = generated_archive(seed=7)
    tantivy.upsert(archive)
    es.upsert(archive)
    compared = 0
    for text in QUERIES:
        for principals in VIEWERS:
            query, _ = query_from_text(text, principals=principals, limit=200)
            a, b = tantivy.search(query), es.search(query)
            assert a.total == b.total, (text, principals)
            assert {h["document_id"] for h in a.hits} == {h["document_id"] for h in b.hits}, (text, principals)
            for name in ("department", "unit", "year", "document_type"):
                assert sorted(map(str, map(dict.items, a.facets[name]))) == sorted(
                    map(str, map(dict.items, b.facets[name]))
                ), (text, principals, name)
            compared += a.total
    assert compared > 100  # the queries really find documents
