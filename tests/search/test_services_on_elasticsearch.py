"""The search service, sync and permission tests of this folder, run once more with a real Elasticsearch node as
the index: drain, grants and revokes through the outbox, department changes, immediate removal, search_check,
reindex with the alias swap, trimming of hits, totals and facets."""

import pytest

from .es import drop_indices, fresh_search_url, needs_elasticsearch
from .test_permissions import *  # noqa: F403 — collected here a second time, on Elasticsearch
from .test_services import *  # noqa: F403
from .test_sync import *  # noqa: F403

pytestmark = needs_elasticsearch


@pytest.fixture(autouse=True)
def _elasticsearch_index(_isolated_data, settings):
    from search.backends import get_backend

    url = settings.DMS_SEARCH_URL = fresh_search_url()
    assert get_backend().name == "elasticsearch"
    yield
    drop_indices(url)
