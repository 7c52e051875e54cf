"""Crash safety: `manage.py aussonderung execute` (V destroyed, the 0503 written) and `aussonderung import` of the
archive's 0506 (the confirmed A Akten removed) killed with SIGKILL at any point and run again end in exactly the
state of a run that was never interrupted: no Akte half destroyed, none destroyed twice, protocol complete.

Each scenario runs real processes against its own database (a copy of a prepared template: SQLite file, or a
PostgreSQL database created from a template) and its own object store and index directories. The processes run
manage.py through tests/crash_manage.py, which installs the fault hook the environment asks for."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow  # dozens of killed subprocesses: left out by `make test-fast`

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("DMS_DATABASE_URL", "")
USE_PG = PG_URL.startswith("postgres")
BATCH = "3"  # three Akten per batch, so runs are killed between and inside batches


# -- run inside the subprocesses (manage.py shell -c) ------------------------------------------------------------


def scenario_setup(out_dir: str) -> None:
    """Org, Aktenplan, 11 due Akten (4 A, 6 V, 1 not evaluated), a kept Akte sharing an object; offer,
    evaluate, approve; the archive's 0506 confirming the 4 A Akten waits in out/import.0506.xml."""
    from akten.aussonderung.services import run_approve, run_evaluate, run_offer
    from akten.aussonderung.xdomea import build_0506
    from akten.models import Vorgang
    from akten.services import akte_close, aktenplan_unit_upsert
    from dms.services import department_upsert, user_upsert
    from search.services import outbox_drain
    from tests import factories
    from tests.akten.test_aussonderung_helpers import bewertung_0502, make_document

    dept = department_upsert(code="63", name="Bauordnungsamt")
    user_upsert(username="anna", departments=["63"], roles=["caseworker"])
    archiv = user_upsert(username="archiv", roles=["archivist"])
    archiv2 = user_upsert(username="archiv2", roles=["archivist"])
    aktenplan_unit_upsert(
        kennzeichen="63", title="Bauordnung", retention_years=10, aussonderungsart="V", department=dept
    )
    aktenplan_unit_upsert(kennzeichen="63.10", title="Baugenehmigungen", retention_years=30, aussonderungsart="A")
    decisions = {}
    for i in range(11):
        kz, year, art = ("63.10", 1980, "A") if i < 4 else ("63", 2000, "V")
        akte = akte_close(
            akte=factories.akte(f"{kz}-{year}/{i + 1:04d}", f"Akte {i}", opened_on=date(year, 1, 1)),
            on=date(year, 6, 1),
        )
        vorgang = Vorgang.objects.create(akte=akte, title=f"Vorgang {i}")
        make_document(
            akte,
            title=f"Antrag {i}",
            text=f"Akte Antrag{i}",
            on=date(year, 2, 1),
            original=b"shared original" if i == 5 else None,
        )
        make_document(akte, title=f"Bescheid {i}", text=f"Akte Bescheid{i}", vorgang=vorgang)
        if i < 10:
            decisions[akte.uuid] = art
    kept = factories.akte("63-2022/0001", "Noch nicht fällig", opened_on=date(2022, 1, 1))  # due after 2032
    make_document(
        akte_close(akte=kept, on=date(2022, 6, 1)), title="Kopie", text="Akte Kopie", original=b"shared original"
    )
    outbox_drain()
    run = run_offer(as_of=date(2031, 1, 1), out_dir=Path(out_dir), by=archiv)
    path = Path(out_dir) / "bewertung.0502.xml"
    path.write_bytes(bewertung_0502(str(run.uuid), decisions))
    run_evaluate(path=path, by=archiv)
    run_approve(run=run, by=archiv2)
    confirmed = {str(u): True for u, art in decisions.items() if art == "A"}
    (Path(out_dir) / "import.0506.xml").write_bytes(
        build_0506(prozess_id=str(run.uuid), created=run.offered_at, results=confirmed)
    )


def scenario_dump(out_dir: str, dump_path: str) -> None:
    """Everything the final state consists of, without timestamps: database, storage, index, files, audit."""
    from django.contrib.auth import get_user_model

    from akten.models import Akte, DisposalItem, DisposalRun, Document, Page, Tombstone
    from dms.audit import audit_verify
    from dms.models import AuditEvent, StoredObject
    from dms.storage import get_storage
    from search.services import search_documents

    run = DisposalRun.objects.get()
    out = Path(out_dir)
    protocol = json.loads((out / f"{run.uuid}_Vernichtungsprotokoll.json").read_text())
    for akte in protocol["akten"]:
        akte.pop("at")
        akte["tombstone"] = akte["tombstone"] is not None  # the row id: PostgreSQL does not roll back sequences
    protocol.pop("execution")
    protocol.pop("transfer")
    protocol.pop("transfers")  # the ZIP's SHA-256: its members carry the time it was written
    zip_path = Path(run.transfer_file)
    with zipfile.ZipFile(zip_path) as zf:
        members = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if not n.endswith(".xml")}
        xml = [n for n in zf.namelist() if n.endswith(".0503.xml")]
    anna = get_user_model().objects.get(username="anna")
    state = {
        "run": run.state,
        "protocol_matches_row": run.protocol_sha256
        == hashlib.sha256(
            json.dumps(run.protocol, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest(),
        "protocol": protocol,
        "html": (out / f"{run.uuid}_Vernichtungsprotokoll.html").is_file(),
        "zip_sha_recorded": run.transfer_sha256 == hashlib.sha256(zip_path.read_bytes()).hexdigest(),
        "zip_members": members,
        "zip_xml": xml,
        "partial_files": sorted(p.name for p in out.iterdir() if p.name.endswith(".partial")),
        "akten": dict(Akte.objects.values_list("aktenzeichen", "state")),
        "items": {
            i.aktenzeichen: [i.state, i.decision, i.in_transfer, i.object_results] for i in DisposalItem.objects.all()
        },
        "tombstones": {t.aktenzeichen: [t.disposition, t.contents, t.approved_by] for t in Tombstone.objects.all()},
        "documents": sorted(str(u) for u in Document.objects.values_list("uuid", flat=True)),
        "pages": Page.objects.count(),
        "stored_objects": sorted(StoredObject.objects.values_list("sha256", flat=True)),
        "storage_keys": sorted(get_storage().keys()),
        "index": sorted(h["title"] for h in search_documents(user=anna, query="Akte", limit=100).hits),
        "disposed_once": sorted(
            AuditEvent.objects.filter(action__in=["akte.vernichtet", "akte.abgegeben"]).values_list(
                "object_id", flat=True
            )
        ),
        "audit_ok": audit_verify()[1] is None,
    }
    Path(dump_path).write_text(json.dumps(state, sort_keys=True, indent=1, default=str))


# -- the test side -----------------------------------------------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    url = urlparse(PG_URL)
    with psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _pg_name(suffix: str) -> str:
    return f"{urlparse(PG_URL).path.strip('/') or 'dms'}_crash_{suffix}"


class Scenario:
    """A data dir (objects, index, out, SQLite db) and, on PostgreSQL, a database of its own."""

    def __init__(self, base: Path, name: str):
        self.base, self.name = base / name, name
        self.base.mkdir(parents=True, exist_ok=True)
        self.out = self.base / "out"

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DMS_AUSSONDERUNG_")}
        env.update(
            DMS_DATA_DIR=str(self.base),
            DMS_STORAGE_URL=f"file://{self.base / 'objects'}",
            DMS_SEARCH_URL=f"tantivy://{self.base / 'index'}",
            DMS_AUSSONDERUNG_BATCH=BATCH,
            OMP_THREAD_LIMIT="1",
        )
        env["DMS_DATABASE_URL"] = (
            PG_URL.rsplit("/", 1)[0] + "/" + _pg_name(self.name) if USE_PG else f"sqlite:///{self.base / 'db.sqlite3'}"
        )
        env.update(extra)
        return env

    def manage(self, *args, check=True, **env) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.crash_manage", *args],
            cwd=REPO,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return proc

    def shell(self, code: str) -> None:
        self.manage("shell", "-c", f"from tests.akten.test_aussonderung_crash import *; {code}")

    def copy_from(self, template: "Scenario") -> "Scenario":
        for part in ("objects", "index", "out"):
            shutil.copytree(template.base / part, self.base / part)
        if USE_PG:
            _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name(self.name)}"')
            _pg_admin(f'CREATE DATABASE "{_pg_name(self.name)}" TEMPLATE "{_pg_name(template.name)}"')
        else:
            shutil.copy(template.base / "db.sqlite3", self.base / "db.sqlite3")
        return self

    def execute(self, **env) -> subprocess.CompletedProcess:
        return self.manage(
            "aussonderung", "execute", "1", "--out", str(self.out), "--user", "archiv", check=not env, **env
        )

    def confirm(self, **env) -> subprocess.CompletedProcess:
        """The archive's 0506 confirming every A Akte: they are removed now."""
        return self.manage(
            "aussonderung", "import", str(self.out / "import.0506.xml"), "--user", "archiv", check=not env, **env
        )

    def dump(self) -> dict:
        path = self.base / "dump.json"
        self.shell(f"scenario_dump({str(self.out)!r}, {str(path)!r})")
        return json.loads(path.read_text())

    def resume_and_dump(self) -> dict:
        """Run execute again; read the 0506 unless it was recorded before the kill; execute again (on a run
        awaiting the import it removes what was confirmed); dump."""
        path = self.base / "dump.json"
        execute = f"call_command('aussonderung', 'execute', '1', '--out', {str(self.out)!r}, '--user', 'archiv')"
        self.shell(
            "from django.core.management import call_command; "
            "from akten.models import DisposalMessage; "
            f"{execute}; "
            "DisposalMessage.objects.filter(kind='0506').exists() or call_command('aussonderung', 'import', "
            f"{str(self.out / 'import.0506.xml')!r}, '--user', 'archiv'); "
            f"{execute}; "
            f"scenario_dump({str(self.out)!r}, {str(path)!r})"
        )
        return json.loads(path.read_text())

    def drop(self) -> None:
        if USE_PG:
            _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name(self.name)}"')


@pytest.fixture(scope="module")
def crash_base(tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    template = Scenario(base, "tpl")
    if USE_PG:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name("tpl")}"')
        _pg_admin(f'CREATE DATABASE "{_pg_name("tpl")}"')
    template.manage("migrate", "--noinput", "-v", "0")
    template.out.mkdir()
    template.shell(f"scenario_setup({str(template.out)!r})")
    reference = Scenario(base, "ref").copy_from(template)
    reference.execute()
    reference.confirm()
    made = [reference]
    yield base, template, reference.dump(), made
    for scenario in [*made, template]:
        scenario.drop()


def _resume_and_compare(scenario, reference_state):
    """The re-run (the same command, in a fresh process) and the dump of its final state, in one process."""
    assert scenario.resume_and_dump() == reference_state


def test_reference_run_is_complete(crash_base):
    """The uninterrupted run: 4 A transferred, 6 V destroyed, 1 kept, the shared object survives."""
    _, _, ref, _ = crash_base
    summary = ref["protocol"]["summary"]
    assert (summary["abgegeben"], summary["vernichtet"], summary["nicht_bewertet"]) == (4, 6, 1)
    assert ref["run"] == "done" and ref["audit_ok"] and ref["zip_sha_recorded"] and ref["protocol_matches_row"]
    assert len(ref["disposed_once"]) == len(set(ref["disposed_once"])) == 10
    assert len(ref["zip_members"]) == 4 * 2 * 2 and ref["partial_files"] == []
    assert len(ref["documents"]) == 3 and sorted(ref["index"]) == ["Antrag 10", "Bescheid 10", "Kopie"]
    assert len(ref["stored_objects"]) == len(ref["storage_keys"]) == 6  # 3 kept docs x 2 objects
    assert hashlib.sha256(b"shared original").hexdigest() in ref["stored_objects"]  # used by the kept Akte too


@pytest.mark.parametrize(
    "kill_at",
    [
        "started",
        "transfer_file#3",
        "transfer_written",
        "rows_removing#1",
        "rows_removed#2",
        "object_deleting#2",
        "object_removed#1",
        "index_removed#1",
        "items_finished#2",
        "done",
    ],
)
def test_killed_run_resumes_to_the_same_final_state(crash_base, kill_at):
    base, template, reference_state, made = crash_base
    scenario = Scenario(base, kill_at.replace("#", "_")).copy_from(template)
    made.append(scenario)
    killed = scenario.execute(DMS_AUSSONDERUNG_KILL_AT=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    _resume_and_compare(scenario, reference_state)


@pytest.mark.parametrize(
    "kill_at", ["rows_removing#1", "rows_removed#1", "object_deleting#2", "index_removed#2", "items_finished#1"]
)
def test_killed_while_removing_the_confirmed_akten_resumes(crash_base, kill_at):
    """The 0506 is recorded in one transaction, then the confirmed A Akten are removed batch by batch: killed in
    there, the re-run (execute) removes the rest and ends in the reference state."""
    base, template, reference_state, made = crash_base
    scenario = Scenario(base, "confirm_" + kill_at.replace("#", "_")).copy_from(template)
    made.append(scenario)
    scenario.execute()
    killed = scenario.confirm(DMS_AUSSONDERUNG_KILL_AT=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    _resume_and_compare(scenario, reference_state)


@pytest.mark.parametrize("after", [0.8, 2.0])
def test_killed_from_outside_at_an_arbitrary_moment(crash_base, after):
    """SIGKILL from another process while the run works (slowed by a pause at every step), then a re-run."""
    base, template, reference_state, made = crash_base
    scenario = Scenario(base, f"ext_{after}").copy_from(template)
    made.append(scenario)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.crash_manage",
            "aussonderung",
            "execute",
            "1",
            "--out",
            str(scenario.out),
            "--user",
            "archiv",
        ],
        cwd=REPO,
        env=scenario.env(DMS_AUSSONDERUNG_STEP_DELAY="0.05"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    _resume_and_compare(scenario, reference_state)
