"""SearchBackendTests run against the embedded tantivy backend, and against Elasticsearch when a server is named."""
import os

import pytest

from search.backends import backend_from_url

from .backend_suite import SearchBackendTests


class TestTantivyBackend(SearchBackendTests):
    def make_backend(self, tmp_path):
        return backend_from_url(f"tantivy://{tmp_path / 'suite-index'}")


ES_URL = os.environ.get("DMS_TEST_ELASTICSEARCH_URL")


@pytest.mark.skipif(not ES_URL, reason="DMS_TEST_ELASTICSEARCH_URL not set")
class TestElasticsearchBackend(SearchBackendTests):
    def make_backend(self, tmp_path):
        return backend_from_url(f"{ES_URL.rstrip('/')}/eakte-test-{tmp_path.name.lower()}")
