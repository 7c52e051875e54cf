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


@pytest.fixture(autouse=True)
def _no_ingest_worker_process(settings, tmp_path):
    """batch_submit starts no worker process in tests (it would use the environment's database, not the test
    one); tests run the worker (scan_ingest.runner) in-process. Spool under tmp_path."""
    settings.DMS_INGEST_AUTOSTART = False
    settings.DMS_SPOOL_DIR = tmp_path / "spool"


@pytest.fixture
def org(db):
    """Departments 63 and 32 with a caseworker each, a scan user, an archivist and an admin."""
    from tests import factories

    return factories.org()


@pytest.fixture
def aktenplan(org):
    from tests import factories

    return factories.aktenplan(org)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs ~0.2 s per password; tests only need a working hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def run_command():
    """Run a management command in-process: returns (exit code, stdout, stderr); CommandError -> exit 1."""
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    def run(*args, **kwargs):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, stdout=out, stderr=err, **kwargs)
            code = 0
        except SystemExit as exc:
            code = exc.code
        except CommandError as exc:
            err.write(str(exc))
            code = exc.returncode
        return code, out.getvalue(), err.getvalue()

    return run


def pytest_sessionfinish(session, exitstatus):
    """`make test-elasticsearch` sets DMS_TEST_FAIL_ON_SKIP: there a skipped test means the node was not used."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("DMS_TEST_FAIL_ON_SKIP") and skipped:
        reporter.write_line(f"{len(skipped)} test(s) skipped although DMS_TEST_FAIL_ON_SKIP is set", red=True)
        session.exitstatus = 1
