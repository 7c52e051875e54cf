"""End-to-end smoke test of the production-like run (`make run-cluster`, tools/cluster.sh): PostgreSQL, a real
Elasticsearch node, S3 through the `minio` client against moto's S3 server, Celery workers on Redis, gunicorn with
whitenoise and DEBUG off. A scan batch is ingested (pages done by the Celery workers), found over HTTP by a
caseworker, and a disposal round trip runs through the commands against the same cluster."""

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from .search.es import ES_URL

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.elasticsearch,  # runs in `make test-elasticsearch`, where the tools and servers are in place
    pytest.mark.skipif(not ES_URL, reason="DMS_TEST_ELASTICSEARCH_URL not set (make test-elasticsearch)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_env(path: Path) -> dict:
    """cluster.env as the shell reads it (`set -a; . cluster.env`): KEY='value' lines."""
    env = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value[1:-1] if value[:1] == "'" else value
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    data = tmp_path_factory.mktemp("cluster")
    port = free_port()
    log = open(data / "cluster.log", "w")  # noqa: SIM115  (closed when the cluster stops)
    proc = subprocess.Popen(
        [
            ROOT / "tools" / "cluster.sh",
            "--port",
            str(port),
            "--data",
            data,
            "--db",
            f"eakte_smoke_{uuid.uuid4().hex[:8]}",
            "--no-demo",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while "cluster: ready" not in (data / "cluster.log").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGTERM)
            pytest.fail("the cluster did not start:\n" + (data / "cluster.log").read_text()[-4000:])
        time.sleep(0.5)
    env = {**os.environ, **read_env(data / "cluster.env")}
    yield {"url": f"http://127.0.0.1:{port}", "env": env, "data": data}
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=90)


def manage(cluster, *args) -> dict:
    done = subprocess.run(
        [sys.executable, "manage.py", *args, "--json"],
        cwd=ROOT,
        env=cluster["env"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"manage.py {' '.join(map(str, args))}: {done.stderr[-3000:]}"
    return json.loads(done.stdout)


def get(cluster, path, user=None):
    request = urllib.request.Request(cluster["url"] + path)
    if user:
        token = base64.b64encode(f"{user}:demo".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_ingest_search_and_disposal_on_the_production_like_cluster(cluster, tmp_path):
    from scan_ingest import synth
    from tests.akten.test_aussonderung_e2e import archive_0506
    from tests.akten.test_aussonderung_helpers import bewertung_0502

    # served by gunicorn, DEBUG off: static files through whitenoise, a German 404 without internals
    status, _, body = get(cluster, "/login/")
    assert status == 200 and b"Anmelden" in body
    status, headers, _ = get(cluster, "/static/admin/css/base.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(cluster, "/gibt-es-nicht/")
    assert missing.value.code == 404 and b"Traceback" not in missing.value.read()

    # a scan batch: pages OCR'd by the Celery workers, objects in S3, indexed in Elasticsearch by the indexer
    scans = tmp_path / "scans"
    scans.mkdir()
    word = "Quarzsandgrube"
    synth.text_page(f"Genehmigung der {word} am Mühlenweg. " + synth.german_text(3, 2), dpi=150, seed=3).save(
        scans / "seite1.png", dpi=(150, 150)
    )
    synth.text_page(synth.german_text(4, 3), dpi=150, seed=4).save(scans / "seite2.png", dpi=(150, 150))
    # the demo's Bestandsakte is closed (z.d.A. 2000): legacy scans go in only when that is said (and audited)
    result = manage(cluster, "ingest", scans, "--akte", "63.10.02-1998/0042", "--user", "scan", "--into-closed")
    assert result["errors"] == [] and {d["status"] for d in result["documents"]} == {"stored"}
    assert "s3://" in cluster["env"]["DMS_STORAGE_URL"] and "elasticsearch+" in cluster["env"]["DMS_SEARCH_URL"]

    deadline, hits = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        hits = json.loads(get(cluster, f"/api/search/?q={word}", user="sb63")[2])
        if hits.get("total"):
            break
        time.sleep(1)
    assert hits["total"] == 1, hits
    assert json.loads(get(cluster, f"/api/search/?q={word}", user="sb32")[2])["total"] == 0  # other department

    # disposal round trip: offer (0501) -> the archive's 0502 -> four eyes -> execute (0503 + protocol)
    out = tmp_path / "out"
    offer = manage(cluster, "aussonderung", "offer", "--out", out, "--user", "archiv")
    assert offer["akten"] > 0 and offer["state"] == "offered"
    text_0501 = Path(offer["file"]).read_text()
    ids = re.findall(r"<xdomea:Akte>\s*<xdomea:Identifikation>\s*<xdomea:ID>([^<]+)</xdomea:ID>", text_0501)
    assert len(ids) == offer["akten"]
    decisions = {akte_id: ("A" if i % 2 else "V") for i, akte_id in enumerate(ids)}
    path_0502 = tmp_path / f"{offer['prozess_id']}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    path_0502.write_bytes(bewertung_0502(offer["prozess_id"], decisions))
    assert manage(cluster, "aussonderung", "evaluate", path_0502, "--user", "archiv")["not_evaluated"] == []
    assert manage(cluster, "aussonderung", "approve", str(offer["run"]), "--user", "archiv2")["state"] == "approved"
    executed = manage(cluster, "aussonderung", "execute", str(offer["run"]), "--out", out, "--user", "archiv2")
    summary = executed["summary"]
    transferred = [akte_id for akte_id, decision in decisions.items() if decision == "A"]
    # V destroyed at once; A handed over, kept read-only until the archive's 0506 confirms the import
    assert summary["vernichtet"] == len(ids) - len(transferred)
    assert summary["import_ausstehend"] == len(transferred) and summary["abgegeben"] == 0
    assert Path(executed["transfer"]).name.endswith("_Aussonderung.Aussonderung.0503.zip")
    assert Path(executed["protocol"]["html"]).exists()
    path_0506 = tmp_path / f"{offer['prozess_id']}_Aussonderung.AussonderungImportBestaetigen.0506.xml"
    path_0506.write_bytes(archive_0506(offer["prozess_id"], {u: (True, f"StA {i}") for i, u in enumerate(transferred)}))
    imported = manage(cluster, "aussonderung", "import", path_0506, "--user", "archiv")
    assert imported["state"] == "done" and len(imported["confirmed"]) == len(transferred)
    assert manage(cluster, "audit_verify")["ok"] is True
