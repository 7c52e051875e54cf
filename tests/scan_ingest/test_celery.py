"""With DMS_BROKER_URL set, the page stages run as Celery tasks: a real Celery worker (subprocess) on the real
Redis at 127.0.0.1:6379 (database 11, a queue of this test's own) does the pages; this process stays the
one writer."""

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from akten.models import Document
from dms.storage import get_storage
from scan_ingest import synth
from scan_ingest.services import ingest_run

from .conftest import page

pytestmark = pytest.mark.slow  # OCR-heavy: left out by `make test-fast`

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/11"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db
@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_pages_run_as_celery_tasks_on_a_worker_and_the_result_is_the_same(aktenplan, org, scans, settings, tmp_path):
    queue = f"ingest-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DMS_BROKER_URL": REDIS,
        "DMS_DATA_DIR": str(tmp_path / "worker-data"),
        "OMP_THREAD_LIMIT": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--pool",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "w"),  # noqa: SIM115  (closed with the worker)
    )
    try:
        settings.DMS_BROKER_URL = REDIS
        settings.DMS_INGEST_QUEUE = queue
        settings.DMS_INGEST_TASK_TIMEOUT = 120
        synth.save_pdf([page(1), synth.separator_page("DMS:DOK:Anlage", dpi=150), page(2)], scans / "b.pdf", 150)
        page(3).save(scans / "c.png", dpi=(150, 150))
        result = ingest_run(path=scans, akte="63.10.02-1998/0042", workers=2, user=org.scan)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert result["errors"] == [], (tmp_path / "worker.log").read_text()
    assert [(d["source"], d["source_pages"], d["status"]) for d in result["documents"]] == [
        ("b.pdf", "1-1", "stored"),
        ("b.pdf", "3-3", "stored"),
        ("c.png", None, "stored"),
    ]
    for entry in result["documents"]:
        version = Document.objects.get(pk=entry["id"]).current_version
        assert version.pages.get().text.strip()
        record = json.loads(get_storage().read(version.scan_record.key))
        assert {p["worker"] for p in record["pages"]["detail"]} == {f"{socket.gethostname()}:{worker.pid}"}, (
            "the pages were done by the Celery worker, not by this process"
        )
