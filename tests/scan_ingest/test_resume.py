"""Resume after kill -9: `manage.py ingest` runs as a subprocess on its own database and data dir, is killed
with SIGKILL mid-batch (once between putting a document's objects and committing its rows, once from outside
at a random moment), and re-run: the final state is exact — every file once, no half document, no orphan
object in the store, and the batch that was interrupted is the one that finishes. The killed run goes through
tests/crash_manage.py, which installs the fault hook (DMS_INGEST_FAULT)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import page

pytestmark = pytest.mark.slow  # OCR and killed subprocesses: left out by `make test-fast`

ROOT = Path(__file__).resolve().parents[2]
AZ = "63.10.02-1998/0042"
PAGES = 8

STATE_SCRIPT = """
import json
from akten.models import Document
from dms.models import StoredObject
from dms.storage import get_storage
from scan_ingest.models import IngestBatch, IngestDocument
from dms.models import OutboxEntry
docs = list(Document.objects.order_by("source"))
print(json.dumps({
    "sources": [d.source for d in docs],
    "complete": all(d.versions.count() == 1 and d.current_version.rendition_id and d.current_version.scan_record_id
                    and d.current_version.pages.count() == 1 for d in docs),
    "storing": IngestDocument.objects.filter(status="storing").count(),
    "keys": sorted(get_storage().keys()),
    "rows": sorted(StoredObject.objects.values_list("key", flat=True)),
    "batches": list(IngestBatch.objects.order_by("pk").values_list("pk", "state", "runs")),
}))
"""


@pytest.fixture
def env(tmp_path):
    """A data dir and a database of its own: SQLite file, or a fresh PostgreSQL database when the suite runs
    on PostgreSQL."""
    environ = {**os.environ, "DMS_DATA_DIR": str(tmp_path / "data"), "OMP_THREAD_LIMIT": "1", "DMS_BROKER_URL": ""}
    base = os.environ.get("DMS_DATABASE_URL", "")
    dropdb = None
    if base.startswith("postgres"):
        import psycopg

        name = f"ingest_resume_{os.getpid()}"
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        environ["DMS_DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{name}"

        def dropdb():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        environ["DMS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'db.sqlite3'}"
    manage(environ, "migrate", "-v0")
    manage(environ, "shell", "-c", "from tests import factories; factories.aktenplan(factories.org())")
    yield environ
    if dropdb:
        dropdb()


def manage(environ, *args, check=True, **kw):
    done = subprocess.run(
        [sys.executable, "-m", "tests.crash_manage", *args], cwd=ROOT, env=environ, capture_output=True, text=True, **kw
    )
    if check and done.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stderr}\n{done.stdout}")
    return done


def stored_count(environ) -> int:
    url = environ["DMS_DATABASE_URL"]
    sql = "SELECT count(*) FROM scan_ingest_ingestdocument WHERE status = 'stored'"
    if url.startswith("sqlite"):
        with sqlite3.connect(urlparse(url).path, timeout=5) as conn:
            try:
                return conn.execute(sql).fetchone()[0]
            except sqlite3.OperationalError:
                return 0
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def state(environ) -> dict:
    return json.loads(manage(environ, "shell", "-c", STATE_SCRIPT).stdout.strip().splitlines()[-1])


def test_ingest_killed_mid_batch_resumes_to_the_exact_final_state(env, tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    for i in range(PAGES):
        page(i, 1).save(scans / f"s{i}.png", dpi=(150, 150))
    args = ("ingest", str(scans), "--akte", AZ, "--user", "scan", "--json")

    # 1. killed (SIGKILL) after the 3rd document's objects are put, before its rows commit
    killed = manage({**env, "DMS_INGEST_FAULT": "after_put:3"}, *args, "--workers", "1", check=False)
    assert killed.returncode == -signal.SIGKILL
    after_fault = state(env)
    assert len(after_fault["sources"]) == 2 and after_fault["storing"] == 1
    assert set(after_fault["keys"]) - set(after_fault["rows"]), "the killed document left objects without rows"

    # 2. re-run, killed from outside (the whole process group) once two more documents are in
    proc = subprocess.Popen(
        [sys.executable, "manage.py", *args, "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while stored_count(env) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(state(env)["sources"]) < PAGES, "the second run was interrupted before the end"

    # 3. re-run to the end: the interrupted batch finishes; every file is in exactly once
    final = manage(env, *args, "--workers", "2")
    result = json.loads(final.stdout)
    assert result["errors"] == [] and sorted(d["source"] for d in result["documents"]) == sorted(
        f"s{i}.png" for i in range(PAGES)
    )
    assert all(d["status"] == "stored" for d in result["documents"])
    end = state(env)
    assert end["sources"] == sorted(f"s{i}.png" for i in range(PAGES)), "no duplicate, none missing"
    assert end["complete"] and end["storing"] == 0
    assert end["keys"] == end["rows"], "no orphan object and no row without its object"
    assert end["batches"] == [[result["batch"], "done", 3]]

    # 4. and once more: idempotent, everything a duplicate, nothing new
    again = json.loads(manage(env, *args, "--workers", "1").stdout)
    assert {d["status"] for d in again["documents"]} == {"duplicate"}
    assert state(env)["keys"] == end["keys"]
