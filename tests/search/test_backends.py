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
