"""The audit trail is append-only and hash-chained: the database refuses updates, and `audit_verify` names the
first event that was altered or removed even by someone who can bypass the trigger."""

import json

import pytest
from django.db import IntegrityError, connection, transaction

from dms.audit import audit_record, audit_verify
from dms.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Five events, seq 1..5."""
    return [
        audit_record(
            actor="anna",
            action="test.write",
            object_type="test",
            object_id=str(i),
            before={"n": i - 1},
            after={"n": i, "text": "Grüße"},
        )
        for i in range(1, 6)
    ]


def bypass_trigger():
    """What a database owner could do: switch off the append-only triggers (rolled back with the test)."""
    with connection.cursor() as cur:
        for trigger in ("dms_auditevent_no_update", "dms_auditevent_no_delete"):
            if connection.vendor == "postgresql":
                cur.execute(f"ALTER TABLE dms_auditevent DISABLE TRIGGER {trigger}")
            else:
                cur.execute(f"DROP TRIGGER {trigger}")


def delete_events(where: str, *params) -> None:
    """What a database owner could do: delete audit rows in SQL, past the model (the triggers decide)."""
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM dms_auditevent WHERE {where}", params)


def test_intact_chain_verifies(chain, run_command):
    assert audit_verify() == (5, None)
    code, out, _ = run_command("audit_verify", "--json")
    assert code == 0
    assert json.loads(out) | {"seconds": 0} == {
        "ok": True,
        "checked": 5,
        "first_broken": None,
        "seconds": 0,
        "anchors": {"enabled": False, "checkpoints": 0, "last_anchored_seq": None},
    }


def test_each_event_links_to_the_previous_one(chain):
    assert chain[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]


def test_database_refuses_update_of_an_event(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(actor="mallory")
    assert AuditEvent.objects.get(seq=3).actor == "anna"


def test_database_refuses_delete_of_an_event(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        delete_events("seq = %s", 5)
    assert AuditEvent.objects.filter(seq=5).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's; SQLite has none")
def test_database_refuses_truncate_of_the_trail(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE dms_auditevent")
    assert AuditEvent.objects.count() == 5


def test_model_refuses_save_and_delete_of_an_event(chain):
    event = AuditEvent.objects.get(seq=2)
    event.actor = "mallory"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "mallory"),
        ("action", "test.read"),
        ("object_type", "other"),
        ("object_id", "99"),
        ("before", {"n": 0}),
        ("after", {"n": 3, "text": "Gruesse"}),
        ("after", None),
    ],
)
def test_altered_field_names_that_event(chain, run_command, field, value):
    bypass_trigger()
    AuditEvent.objects.filter(seq=3).update(**{field: value})
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (2, 3)
    assert "event 3 was altered" in broken.reason
    code, _out, err = run_command("audit_verify")
    assert code == 1
    assert "broken at event 3" in err


def test_altered_timestamp_names_that_event(chain):
    bypass_trigger()
    AuditEvent.objects.filter(seq=4).update(at=chain[3].at.replace(year=2001))
    assert audit_verify()[1].seq == 4


def test_rehashed_forgery_is_caught_at_the_next_link(chain):
    """Altering an event and recomputing its own hash breaks the link from the following event."""
    import hashlib

    from dms.audit import _canonical

    bypass_trigger()
    forged = AuditEvent.objects.get(seq=2)
    forged.actor = "mallory"
    AuditEvent.objects.filter(seq=2).update(actor="mallory", hash=hashlib.sha256(_canonical(forged)).hexdigest())
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (2, 3)
    assert "does not link to event 2" in broken.reason


def test_altered_prev_hash_names_that_event(chain):
    bypass_trigger()
    AuditEvent.objects.filter(seq=5).update(prev_hash="f" * 64)
    assert audit_verify()[1].seq == 5


def test_deleted_middle_event_is_named(chain, run_command):
    bypass_trigger()
    delete_events("seq = %s", 3)
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (2, 3)
    assert "event 3 is missing" in broken.reason
    code, out, _ = run_command("audit_verify", "--json")
    assert code == 1
    assert json.loads(out)["first_broken"]["seq"] == 3


def test_deleted_last_event_is_named(chain, run_command):
    """The chain head (kept in its own row) still names the hash of event 5, so cutting the tail shows."""
    bypass_trigger()
    delete_events("seq = %s", 5)
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (4, 5)
    assert "removed" in broken.reason
    code, _, err = run_command("audit_verify")
    assert code == 1 and "event 5" in err


def test_deleted_first_event_is_named(chain):
    bypass_trigger()
    delete_events("seq = %s", 1)
    assert audit_verify()[1].seq == 1


def test_chain_continues_after_verification(chain):
    audit_record(actor=None, action="test.more", object_type="test")
    assert audit_verify() == (6, None)
    assert AuditEvent.objects.get(seq=6).actor == "system"


def test_empty_trail_verifies(run_command):
    assert audit_verify() == (0, None)
    assert run_command("audit_verify")[0] == 0


CONCURRENT_SCRIPT = """
import multiprocessing, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.core.management import call_command
from django.db import connections

def write(n):
    connections.close_all()
    from dms.audit import audit_record
    for i in range(15):
        audit_record(actor=f"w{n}", action="test.concurrent", object_type="test", object_id=str(i))
    return n

if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert sorted(pool.map(write, range(4))) == [0, 1, 2, 3]
    from dms.audit import audit_verify
    print(audit_verify())
"""


def test_concurrent_processes_chain_one_after_another_on_sqlite_file(tmp_path):
    """The default deployment (SQLite file, WAL, BEGIN IMMEDIATE): four writer processes queue on the chain
    head; the trail ends up with 60 events and verifies."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DMS_DATA_DIR": str(tmp_path), "DMS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT_SCRIPT],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(60, None)"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="in-process threads need a server database (the in-memory SQLite test database locks "
    "whole tables); SQLite is covered by the file-database test above",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_one_after_another():
    """Writers in parallel transactions queue on the chain head: no fork, no gap, every event verifies."""
    import threading

    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(15):
                audit_record(actor=f"w{n}", action="test.concurrent", object_type="test", object_id=str(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit_verify() == (60, None)


@pytest.mark.django_db
def test_batched_append_chains_in_order_and_an_altered_batch_event_is_named(org):
    """audit_record_many appends its events in the given order, each linked to the one before; the chain
    verifies, and an event altered inside the batch is the one audit_verify names."""
    from dms.audit import AuditEntry, audit_record_many

    first = audit_record(actor=org.anna, action="single", object_type="x", object_id="0")
    events = audit_record_many(
        actor=org.anna,
        entries=[AuditEntry(f"bulk.{i}", object_type="x", object_id=str(i), after={"i": i}) for i in range(1, 4)],
    )
    assert [e.seq for e in events] == [first.seq + 1, first.seq + 2, first.seq + 3]
    assert [e.action for e in AuditEvent.objects.filter(seq__gt=first.seq)] == ["bulk.1", "bulk.2", "bulk.3"]
    assert events[0].prev_hash == first.hash and events[2].prev_hash == events[1].hash
    assert audit_verify()[1] is None
    bypass_trigger()
    AuditEvent.objects.filter(seq=events[1].seq).update(after={"i": 99})
    assert audit_verify()[1].seq == events[1].seq
