"""The backend is chosen by DMS_SEARCH_URL; options are checked when it is built; hooks name the backend."""

import pytest

from search.backends import backend_from_url, get_backend
from search.backends.base import SearchBackend, SearchError
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.tantivy import TantivyBackend


def test_url_picks_the_backend(tmp_path):
    assert isinstance(backend_from_url(f"tantivy://{tmp_path}/ix"), TantivyBackend)
    es = backend_from_url("elasticsearch+https://elastic:geheim@search.example:9243/akten?request_timeout=5")
    assert isinstance(es, ElasticsearchBackend) and es.alias == "akten"


def test_default_index_alias():
    assert backend_from_url("elasticsearch+http://localhost:9200").alias == "eakte-documents"


def test_unknown_scheme_and_unknown_option_are_rejected(tmp_path):
    with pytest.raises(SearchError, match="unknown search URL scheme 'solr'"):
        backend_from_url("solr://localhost:8983")
    with pytest.raises(SearchError, match=r"Invalid setting.*'tantivy': shards"):
        backend_from_url(f"tantivy://{tmp_path}/ix?shards=3")


def test_hook_not_filled_names_the_backend():
    class Half(SearchBackend):
        name = "half"

    with pytest.raises(NotImplementedError, match="search backend 'half' does not implement _apply"):
        Half().upsert([object()])


def test_get_backend_follows_settings(settings, tmp_path):
    settings.DMS_SEARCH_URL = f"tantivy://{tmp_path}/other"
    assert get_backend().root == tmp_path / "other"


def test_analyzers_survive_reopening(tmp_path):
    """tantivy forgets custom tokenizers on open: a reopened index must still analyse German (re-registered)."""
    from search.parser import query_from_text
    from tests.search.backend_suite import doc

    url = f"tantivy://{tmp_path}/ix"
    backend_from_url(url).upsert([doc(1, "Die Baugenehmigungen liegen vor.")])
    fresh = backend_from_url(url)  # a new process would see the same
    query, _ = query_from_text("Baugenehmigung", principals=("g:1",))
    assert fresh.search(query).total == 1


def test_index_of_another_schema_is_reported_with_the_remedy(tmp_path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("other", stored=True)
    (tmp_path / "ix" / "gen-old").mkdir(parents=True)
    tantivy.Index(builder.build(), path=str(tmp_path / "ix" / "gen-old"))
    (tmp_path / "ix" / "CURRENT").write_text("gen-old\n")
    with pytest.raises(SearchError, match=r"gen-old.*schema does not match.*manage.py reindex"):
        backend_from_url(f"tantivy://{tmp_path}/ix").count()


def test_drain_session_follows_a_generation_swap_made_meanwhile(tmp_path):
    """A writer kept open across outbox batches must not keep writing into a generation that a reindex (here: a
    second backend, as another process would be) has replaced."""
    from search.parser import query_from_text
    from tests.search.backend_suite import doc

    url = f"tantivy://{tmp_path}/ix"
    drainer, reindexer = backend_from_url(url), backend_from_url(url)
    query, _ = query_from_text("Flurkarte", principals=("g:1",))
    with drainer.writing():
        drainer.apply(upsert=[doc(1, "Flurkarte eins")])
        reindexer.rebuild_begin(generation="gen-2")
        reindexer.rebuild_write("gen-2", [doc(1, "Flurkarte eins")])
        reindexer.rebuild_finish("gen-2")
        drainer.apply(upsert=[doc(2, "Flurkarte zwei")])
    assert reindexer.current_generation() == "gen-2"
    assert {h["document_id"] for h in backend_from_url(url).search(query).hits} == {1, 2}
