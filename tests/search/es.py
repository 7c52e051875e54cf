"""The Elasticsearch node the tests use: `DMS_TEST_ELASTICSEARCH_URL=http://127.0.0.1:9201` (started by
`make test-elasticsearch` with tools/elasticsearch/es.sh). Tests that need it carry `needs_elasticsearch`."""

import os
import uuid

import pytest

ES_URL = (os.environ.get("DMS_TEST_ELASTICSEARCH_URL") or "").rstrip("/")

needs_elasticsearch = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(not ES_URL, reason="DMS_TEST_ELASTICSEARCH_URL not set (make test-elasticsearch starts a node)"),
]


def fresh_search_url() -> str:
    """A search URL with an alias of its own on the test node."""
    return f"elasticsearch+{ES_URL}/eakte-t-{uuid.uuid4().hex[:12]}"


def drop_indices(url: str) -> None:
    """Delete the alias's generations (every concrete index `<alias>-…`)."""
    from search.backends import backend_from_url

    backend = backend_from_url(url)
    backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True, allow_no_indices=True)
