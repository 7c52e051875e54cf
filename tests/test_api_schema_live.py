"""The OpenAPI schema matches what the API really returns: schemathesis (its CLI, a separate process) generates
requests from /api/schema/ against a real HTTP server (pytest-django's live server, on the test database of the
run, SQLite or PostgreSQL) holding the demo municipality, authenticated with a caseworker's API token. Every
check runs — no 500, no undocumented status code, content type, header or response shape, unauthenticated calls
refused, schema-violating requests rejected — except `positive_data_acceptance`: the search's offset bound
depends on `limit` (offset + limit at most 10,000), which OpenAPI cannot state, so a schema-valid offset of 9,999
with the default limit is rightly a 400. Bounded (fixed seed, 60 examples per operation and phase): ~4 min
with the write endpoints (they create Akten and Vorgänge in the test database; uploads only spool)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture
def demo_token(transactional_db, settings):
    from django.contrib.auth import get_user_model

    from demo.setup import setup
    from dms.api.tokens import api_token_create

    # The run sends wrong tokens on purpose (ignored_auth); the lockout itself is tested in tests/test_api_tokens.py.
    settings.AXES_FAILURE_LIMIT = 10**6
    setup(password="demo")
    return api_token_create(user=get_user_model().objects.get(username="sb63"), by=None)


@pytest.mark.slow  # a minute of generated requests: `make test` runs it, `make test-fast` leaves it out
def test_schemathesis_finds_no_500_and_nothing_undocumented(live_server, demo_token, tmp_path):
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Token {demo_token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "60",
            "--seed",
            "1",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )  # its .schemathesis/ cache stays out of the tree
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]
    assert "Tested: 15" in run.stdout, run.stdout[-6000:]  # every operation was exercised
    assert re.search(r"(\d+) generated, \1 passed", run.stdout)
    # The warnings allowed: the demo has no ingested document, so /scan/ answers its documented 404 only (its 200
    # is tested in tests/scan_ingest/test_api_scan.py); generated ids rarely name an Akte or document the caller may
    # change and generated Kennzeichen rarely exist, so the writes answer mostly their documented 404/400 here
    # (their 200/201/202 are tested in tests/test_api_edits.py).
    allowed = {
        "GET /api/documents/{id}/scan/",
        "POST /api/akten/",
        "POST /api/akten/{id}/close/",
        "POST /api/akten/{id}/reopen/",
        "POST /api/akten/{id}/vorgaenge/",
        "POST /api/akten/{id}/documents/",
        "GET /api/batches/{id}/",
        "PATCH /api/documents/{id}/",
        "POST /api/documents/{id}/move/",
    }
    warnings = run.stdout.split("WARNINGS", 1)[1].split("SUMMARY", 1)[0] if "WARNINGS" in run.stdout else ""
    assert set(re.findall(r"  - (.+)", warnings)) <= allowed, warnings
