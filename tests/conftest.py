"""Shared fixtures. Every test runs with its own data dir (object store, index) under tmp_path."""
import os

import pytest

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path, settings):
    """Each test gets a fresh filesystem object store and search index."""
    from dms import storage

    settings.DMS_STORAGE_URL = f"file://{tmp_path / 'objects'}"
    settings.DMS_SEARCH_URL = f"tantivy://{tmp_path / 'index'}"
    storage._cached.cache_clear()
    yield
    storage._cached.cache_clear()


@pytest.fixture
def org(db):
    """Departments 63 and 32 with a caseworker each, a scan user, an archivist and an admin."""
    from tests import factories

    return factories.org()


@pytest.fixture
def aktenplan(org):
    from tests import factories

    return factories.aktenplan(org)
