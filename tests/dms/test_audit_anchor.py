"""The audit chain against someone with database access: the head is checkpointed outside the database with a
key the database does not hold, so cutting the tail and resetting the head, or deleting an event and re-chaining
the rest, is named by `audit_verify` even though the chain in the database is consistent again."""

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, transaction

from dms.audit import _canonical, audit_anchor_head, audit_record, audit_verify
from dms.models import AuditEvent, AuditHead
from tests.dms.test_audit import bypass_trigger, delete_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchored(settings, tmp_path):
    key = tmp_path / "anchor.key"
    key.write_bytes(b"k" * 40)
    settings.DMS_AUDIT_ANCHOR_KEY_FILE = str(key)
    settings.DMS_AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "checkpoints.jsonl"
    return settings


@pytest.fixture
def chain(anchored, django_capture_on_commit_callbacks):
    """Five events, each appended in its own committed transaction, so each one is checkpointed."""
    events = []
    for i in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            events.append(
                audit_record(actor="anna", action="test.write", object_type="test", object_id=str(i), after={"n": i})
            )
    return events


def rechain(start: int, events: list[AuditEvent]) -> None:
    """What a database owner could do: replace the rows from `start` on by `events`, re-numbered and re-hashed
    into a consistent chain, and point the head at the new end (triggers bypassed)."""
    bypass_trigger()
    delete_events("seq >= %s", start)
    prev = AuditEvent.objects.get(seq=start - 1).hash if start > 1 else "0" * 64
    for offset, event in enumerate(events):
        event.seq, event.prev_hash = start + offset, prev
        event.hash = prev = hashlib.sha256(_canonical(event)).hexdigest()
    AuditEvent.objects.bulk_create(events)
    AuditHead.objects.filter(pk=1).update(last_hash=prev)


def test_each_committed_append_writes_a_signed_checkpoint(chain, anchored):
    lines = [json.loads(line) for line in anchored.DMS_AUDIT_ANCHOR_FILE.read_text().splitlines()]
    assert [(row["seq"], row["hash"]) for row in lines] == [(e.seq, e.hash) for e in chain]
    assert all(len(row["mac"]) == 64 for row in lines)
    assert audit_verify() == (5, None)


def test_deleting_the_tail_and_resetting_the_head_is_named(chain, settings):
    bypass_trigger()
    delete_events("seq >= %s", 4)
    AuditHead.objects.filter(pk=1).update(last_hash=chain[2].hash)
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (3, 4)
    assert "event 4 and later were removed: the checkpoint of" in broken.reason and "anchors event 5" in broken.reason
    settings.DMS_AUDIT_ANCHOR_KEY_FILE = None  # the chain alone cannot tell: it is consistent again
    assert audit_verify() == (3, None)


def test_deleting_an_event_and_rechaining_the_rest_is_named(chain, settings, run_command):
    rechain(3, list(AuditEvent.objects.filter(seq__gt=3).order_by("seq")))  # event 3 is gone
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]
    checked, broken = audit_verify()
    assert (checked, broken.seq) == (2, 3)
    assert "event 3 differs from its checkpoint" in broken.reason and "after event 2" in broken.reason
    code, _out, err = run_command("audit_verify")
    assert code == 1 and "broken at event 3" in err
    settings.DMS_AUDIT_ANCHOR_KEY_FILE = None
    assert audit_verify() == (4, None)


def test_a_forged_checkpoint_line_is_named(chain, anchored):
    forged = {"seq": 6, "hash": "a" * 64, "at": "2030-01-01T00:00:00+00:00", "mac": "b" * 64}
    with open(anchored.DMS_AUDIT_ANCHOR_FILE, "a") as fh:
        fh.write(json.dumps(forged) + "\n")
    checked, broken = audit_verify()
    assert checked == 5 and broken.seq is None
    assert "line 6" in broken.reason and "wrong signature" in broken.reason


def test_checkpoints_signed_with_another_key_do_not_count(chain, anchored, tmp_path):
    other = tmp_path / "other.key"
    other.write_bytes(b"x" * 40)
    anchored.DMS_AUDIT_ANCHOR_KEY_FILE = str(other)
    assert "wrong signature" in audit_verify()[1].reason


def test_a_rolled_back_append_writes_no_checkpoint(anchored, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_record(actor="anna", action="test.write", object_type="test")
        raise RuntimeError("rolled back")
    assert callbacks == [] and not anchored.DMS_AUDIT_ANCHOR_FILE.exists()


def test_a_short_key_is_refused_with_its_file_named(anchored, tmp_path):
    short = tmp_path / "short.key"
    short.write_bytes(b"tooshort")
    anchored.DMS_AUDIT_ANCHOR_KEY_FILE = str(short)
    audit_record(actor="anna", action="test.write", object_type="test")
    with pytest.raises(ImproperlyConfigured, match=r"short.key: the key has 8 bytes, at least 32"):
        audit_anchor_head()


def test_audit_anchor_command_checkpoints_an_existing_trail(anchored, run_command):
    """A trail written before anchoring was switched on: `audit_anchor` checkpoints its head, and from then on
    cutting that tail is named."""
    anchored.DMS_AUDIT_ANCHOR_KEY_FILE = None
    events = [audit_record(actor="anna", action="test.write", object_type="test", object_id=str(i)) for i in range(3)]
    anchored.DMS_AUDIT_ANCHOR_KEY_FILE = str(anchored.DMS_AUDIT_ANCHOR_FILE.parent.parent / "anchor.key")
    code, out, _ = run_command("audit_anchor", "--json")
    assert code == 0 and json.loads(out)["anchored"]["seq"] == events[-1].seq
    code, out, _ = run_command("audit_verify")
    assert code == 0 and "agrees with 1 external checkpoints" in out
    bypass_trigger()
    delete_events("seq = %s", events[-1].seq)
    AuditHead.objects.filter(pk=1).update(last_hash=events[-2].hash)
    assert audit_verify()[1].seq == events[-1].seq


def test_audit_anchor_command_refuses_without_a_key(run_command):
    code, _, err = run_command("audit_anchor")
    assert code == 1 and "DMS_AUDIT_ANCHOR_KEY_FILE" in err


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_puts_the_delete_guard_back():
    """`flush` (the test runner's, or an operator's on purpose) may empty the trail; the guard is back after."""
    audit_record(actor="anna", action="test.write", object_type="test")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    audit_record(actor="anna", action="test.write", object_type="test")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        delete_events("seq > %s", 0)


# -- RFC 3161 time-stamps from a local TSA (OpenSSL's) -----------------------------------------------------------
from tests.dms.tsa import tsa  # noqa: E402,F401  (session fixture)


@pytest.fixture
def stamped(chain, anchored, tsa):
    url, roots, _ = tsa
    anchored.DMS_AUDIT_TSA_URL, anchored.DMS_AUDIT_TSA_ROOTS = url, str(roots)
    return anchored


def test_audit_anchor_checkpoint_carries_a_verified_rfc3161_timestamp(stamped, run_command):
    code, out, err = run_command("audit_anchor")
    assert code == 0, err
    assert "checkpoint written for event 5 with an RFC 3161 time-stamp" in out
    code, out, _ = run_command("audit_verify", "--json")
    anchors = json.loads(out)["anchors"]
    assert code == 0 and anchors["timestamped"] == 1 and anchors["last_timestamped_seq"] == 5
    assert anchors["last_timestamp"].startswith(str(datetime.date.today().year))


def test_a_timestamp_from_an_untrusted_tsa_is_named(stamped, tsa, run_command):
    assert run_command("audit_anchor")[0] == 0
    stamped.DMS_AUDIT_TSA_ROOTS = str(tsa[2])  # the verifier now trusts another root only
    _checked, broken = audit_verify()
    assert broken.seq is None and "RFC 3161 time-stamp does not verify" in broken.reason


def test_a_timestamp_moved_to_another_checkpoint_is_named(stamped, run_command):
    """A token is bound to its checkpoint's message: copied onto a forged checkpoint line it fails."""
    assert run_command("audit_anchor")[0] == 0
    lines = stamped.DMS_AUDIT_ANCHOR_FILE.read_text().splitlines()
    token = json.loads(lines[-1])["tsr"]
    earlier = json.loads(lines[0]) | {"tsr": token}
    with open(stamped.DMS_AUDIT_ANCHOR_FILE, "a") as fh:
        fh.write(json.dumps(earlier) + "\n")
    broken = audit_verify()[1]
    assert broken.seq is None and f"line {len(lines) + 1}" in broken.reason and "does not verify" in broken.reason


def test_an_unreachable_tsa_is_an_error_and_writes_no_checkpoint(stamped, run_command):
    before = stamped.DMS_AUDIT_ANCHOR_FILE.read_text()
    stamped.DMS_AUDIT_TSA_URL = "http://127.0.0.1:9/tsa"
    code, _, err = run_command("audit_anchor")
    assert code == 1 and "TSA http://127.0.0.1:9/tsa" in err and "no checkpoint was written" in err
    assert stamped.DMS_AUDIT_ANCHOR_FILE.read_text() == before
