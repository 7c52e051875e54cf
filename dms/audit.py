"""Hash-chained audit trail: each event's hash covers its fields and the previous event's hash."""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": event.at.astimezone(dt_timezone.utc).isoformat(timespec="microseconds"),
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


@transaction.atomic
def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 before=None, after=None) -> AuditEvent:
    """Append one event; the head row is locked so concurrent writers chain in order."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    event = AuditEvent(
        seq=last + 1, at=timezone.now(), actor=actor_name(actor), action=action, object_type=object_type,
        object_id=str(object_id), before=_jsonable(before), after=_jsonable(after), prev_hash=head.last_hash,
    )
    event.hash = hashlib.sha256(_canonical(event)).hexdigest()
    event.save(force_insert=True)
    head.last_hash = event.hash
    head.save(update_fields=["last_hash"])
    return event


@dataclass
class AuditBreak:
    seq: int | None
    reason: str


def audit_verify(batch_size: int = 5000) -> tuple[int, AuditBreak | None]:
    """Walk the chain; return (events checked, first broken link or None)."""
    prev, expected_seq, checked = GENESIS, 1, 0
    qs = AuditEvent.objects.order_by("seq")
    for event in qs.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return checked, AuditBreak(expected_seq, f"event {expected_seq} is missing (next present is {event.seq})")
        if event.prev_hash != prev:
            return checked, AuditBreak(event.seq, f"event {event.seq} does not link to event {event.seq - 1}")
        if hashlib.sha256(_canonical(event)).hexdigest() != event.hash:
            return checked, AuditBreak(event.seq, f"event {event.seq} was altered (hash mismatch)")
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).values_list("last_hash", flat=True).first() or GENESIS
    if head != prev:
        return checked, AuditBreak(expected_seq, f"event {expected_seq} and later were removed (chain head mismatch)")
    return checked, None
