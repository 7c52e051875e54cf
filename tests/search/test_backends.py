"""SearchBackendTests run against the embedded tantivy backend and against a real Elasticsearch node."""
import pytest

from search.backends import backend_from_url

from .backend_suite import SearchBackendTests
from .es import drop_indices, fresh_search_url, needs_elasticsearch


class TestTantivyBackend(SearchBackendTests):
    def make_backend(self, tmp_path):
        return backend_from_url(f"tantivy://{tmp_path / 'suite-index'}")


@pytest.mark.usefixtures("_drop_es_indices")
class TestElasticsearchBackend(SearchBackendTests):
    pytestmark = needs_elasticsearch

    @pytest.fixture
    def _drop_es_indices(self):
        self.urls = []
        yield
        for url in self.urls:
            drop_indices(url)

    def make_backend(self, tmp_path):
        self.urls.append(fresh_search_url())
        return backend_from_url(self.urls[-1])

    # The 4-gram compound field finds a part in any position (`Rechnung` in `Schlussrechnung`, `Glas` in
    # `Glasur`), while the embedded backend finds first parts only: the two disagree until compound search uses
    # one shipped lexicon on both (issue 13). Strict: these fail the run once they pass, so the marks go then.
    @pytest.mark.xfail(strict=True, reason="compound parts differ between the backends until issue 13")
    def test_stemming_finds_plural_and_singular(self, backend):
        super().test_stemming_finds_plural_and_singular(backend)

    @pytest.mark.xfail(strict=True, reason="compound parts differ between the backends until issue 13")
    def test_compound_parts_find_the_compound(self, backend):
        super().test_compound_parts_find_the_compound(backend)
