"""Hash-chained audit trail: each event's hash covers its fields and the previous event's hash; the chain head
is also checkpointed outside the database (dms.audit_anchor) once each append commits."""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from .audit_anchor import anchoring_enabled, checkpoint_write, checkpoints_read
from .models import AuditEvent, AuditHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _jsonable(value):
    return None if value is None else json.loads(json.dumps(value, default=str))


def actor_name(actor) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else actor.get_username()


@dataclass(frozen=True)
class AuditEntry:
    """One event to append: what happened to which object, with its state before and after."""

    action: str
    obj: object = None
    object_type: str = ""
    object_id: str = ""
    before: object = None
    after: object = None


def audit_record(
    *, actor, action: str, obj=None, object_type: str = "", object_id: str = "", before=None, after=None
) -> AuditEvent:
    """Append one event; the head row is locked so concurrent writers chain in order."""
    entry = AuditEntry(action, obj, object_type, object_id, before, after)
    return audit_record_many(actor=actor, entries=[entry])[0]


@transaction.atomic
def audit_record_many(*, actor, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append events in order under one lock of the chain head, in one insert (bulk disposal, imports)."""
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    now, name, prev, events = timezone.now(), actor_name(actor), head.last_hash, []
    for offset, entry in enumerate(entries, start=1):
        obj = entry.obj
        event = AuditEvent(
            seq=last + offset,
            at=now,
            actor=name,
            action=entry.action,
            object_type=entry.object_type or (obj._meta.label if obj is not None else ""),
            object_id=str(entry.object_id or (obj.pk if obj is not None else "")),
            before=_jsonable(entry.before),
            after=_jsonable(entry.after),
            prev_hash=prev,
        )
        event.hash = prev = hashlib.sha256(_canonical(event)).hexdigest()
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    head.last_hash = prev
    head.save(update_fields=["last_hash"])
    if anchoring_enabled():
        last_event = events[-1]
        transaction.on_commit(lambda: _anchor(last_event))
    return events


def _anchor(event: AuditEvent) -> None:
    """Checkpoint a committed head; a failure is logged (the events are stored, only this anchor is missing)."""
    try:
        checkpoint_write(seq=event.seq, event_hash=event.hash, at=event.at.isoformat())
    except Exception:
        logger.exception("audit checkpoint for event %s could not be written", event.seq)


def audit_anchor_head(*, timestamp: bool = False) -> dict | None:
    """Checkpoint the current chain head now (`audit_anchor`: cron, or when anchoring is first switched on),
    with an RFC 3161 time-stamp from the configured TSA if asked."""
    event = AuditEvent.objects.order_by("-seq").first()
    if event is None:
        return None
    checkpoint_write(seq=event.seq, event_hash=event.hash, at=timezone.now().isoformat(), timestamp=timestamp)
    return {"seq": event.seq, "hash": event.hash, "timestamped": timestamp}


@dataclass
class AuditBreak:
    seq: int | None
    reason: str


def audit_verify(batch_size: int = 5000) -> tuple[int, AuditBreak | None]:
    """Walk the chain and compare it with its external checkpoints; return (events checked, the first place
    where the chain breaks or disagrees with a checkpoint, or None)."""
    checkpoints, bad = checkpoints_read() if anchoring_enabled() else ([], [])
    anchored = {}
    for checkpoint in checkpoints:
        anchored.setdefault(checkpoint.seq, []).append(checkpoint)
    prev, expected_seq, checked, agreed = GENESIS, 1, 0, 0
    qs = AuditEvent.objects.order_by("seq")
    for event in qs.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return checked, AuditBreak(expected_seq, f"event {expected_seq} is missing (next present is {event.seq})")
        if event.prev_hash != prev:
            return checked, AuditBreak(event.seq, f"event {event.seq} does not link to event {event.seq - 1}")
        if hashlib.sha256(_canonical(event)).hexdigest() != event.hash:
            return checked, AuditBreak(event.seq, f"event {event.seq} was altered (hash mismatch)")
        for checkpoint in anchored.get(event.seq, ()):
            if checkpoint.hash != event.hash:
                return checked, AuditBreak(
                    event.seq,
                    (
                        f"event {event.seq} differs from its checkpoint of {checkpoint.at}: the trail after event "
                        f"{agreed} (the last one a checkpoint confirms) was rewritten or re-chained"
                    ),
                )
        if event.seq in anchored:
            agreed = event.seq
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).values_list("last_hash", flat=True).first() or GENESIS
    if head != prev:
        return checked, AuditBreak(expected_seq, f"event {expected_seq} and later were removed (chain head mismatch)")
    if checkpoints and checkpoints[-1].seq >= expected_seq:
        last = checkpoints[-1]
        return checked, AuditBreak(
            expected_seq,
            (f"event {expected_seq} and later were removed: the checkpoint of {last.at} anchors event {last.seq}"),
        )
    if bad:
        return checked, AuditBreak(None, f"checkpoint file line {bad[0].line}: {bad[0].reason}")
    return checked, None


def audit_anchor_status() -> dict:
    """What `audit_verify` could compare against: whether anchoring is on, and the last checkpointed event."""
    if not anchoring_enabled():
        return {"enabled": False, "checkpoints": 0, "last_anchored_seq": None}
    checkpoints, bad = checkpoints_read()
    stamped = [c for c in checkpoints if c.stamped_at]
    return {
        "enabled": True,
        "checkpoints": len(checkpoints),
        "bad_checkpoints": len(bad),
        "last_anchored_seq": checkpoints[-1].seq if checkpoints else None,
        "timestamped": len(stamped),
        "last_timestamped_seq": stamped[-1].seq if stamped else None,
        "last_timestamp": stamped[-1].stamped_at if stamped else None,
    }
