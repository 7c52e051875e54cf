"""Checkpoints of the audit chain head kept outside the database: one JSON line per checkpoint (sequence number,
event hash, time) with an HMAC-SHA256 under a key that is not in the database (DMS_AUDIT_ANCHOR_KEY_FILE).
Someone who can rewrite the database but not the checkpoint file or the key cannot cut the tail, reset the
head or re-chain the trail after a deleted event without `audit_verify` noticing."""

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_BYTES = 32  # HMAC-SHA256: a key shorter than the hash output weakens it (RFC 2104, section 3)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    stamped_at: str | None = None  # the TSA's time when the checkpoint carries a verified RFC 3161 time-stamp


@dataclass(frozen=True)
class BadCheckpoint:
    line: int
    reason: str


def anchoring_enabled() -> bool:
    return bool(settings.DMS_AUDIT_ANCHOR_KEY_FILE)


def _key() -> bytes:
    path = Path(settings.DMS_AUDIT_ANCHOR_KEY_FILE)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"DMS_AUDIT_ANCHOR_KEY_FILE {path}: cannot be read ({exc.strerror})") from None
    if len(key) < MIN_KEY_BYTES:
        raise ImproperlyConfigured(
            f"DMS_AUDIT_ANCHOR_KEY_FILE {path}: the key has {len(key)} bytes, at least "
            f"{MIN_KEY_BYTES} are needed (e.g. `head -c 48 /dev/urandom | base64 > {path}`)"
        )
    return key


def _message(seq: int, event_hash: str, at: str) -> bytes:
    """What the HMAC and an RFC 3161 time-stamp cover."""
    return f"eakte-audit-checkpoint:{seq}:{event_hash}:{at}".encode()


def _mac(key: bytes, seq: int, event_hash: str, at: str) -> str:
    return hmac.new(key, _message(seq, event_hash, at), hashlib.sha256).hexdigest()


def checkpoint_write(*, seq: int, event_hash: str, at: str, timestamp: bool = False) -> Checkpoint:
    """Append one signed checkpoint line (O_APPEND, one write, fsync) to DMS_AUDIT_ANCHOR_FILE; with `timestamp`,
    it also carries the TSA's RFC 3161 time-stamp of the same message (raises TimestampError, writing nothing,
    when the TSA fails)."""
    row = {"seq": seq, "hash": event_hash, "at": at, "mac": _mac(_key(), seq, event_hash, at)}
    if timestamp:
        from .audit_timestamp import timestamp_request

        row["tsr"] = timestamp_request(_message(seq, event_hash, at))
    line = json.dumps(row, separators=(",", ":")) + "\n"
    path = Path(settings.DMS_AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(seq, event_hash, at, "requested" if timestamp else None)


def checkpoints_read() -> tuple[list[Checkpoint], list[BadCheckpoint]]:
    """Every checkpoint whose MAC holds, ordered by seq; lines that are unreadable or carry a wrong MAC apart."""
    path = Path(settings.DMS_AUDIT_ANCHOR_FILE)
    if not path.exists():
        return [], []
    key, good, bad = _key(), [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, text in enumerate(fh, start=1):
            try:
                row = json.loads(text)
                seq, event_hash, at, mac = int(row["seq"]), str(row["hash"]), str(row["at"]), str(row["mac"])
            except (ValueError, KeyError, TypeError):
                bad.append(BadCheckpoint(number, "unreadable checkpoint line"))
                continue
            if not hmac.compare_digest(mac, _mac(key, seq, event_hash, at)):
                bad.append(
                    BadCheckpoint(
                        number,
                        f"checkpoint for event {seq} has a wrong signature (forged or "
                        "altered, or signed with another key)",
                    )
                )
                continue
            stamped_at = None
            if row.get("tsr") and settings.DMS_AUDIT_TSA_ROOTS:
                from .audit_timestamp import TimestampError, timestamp_check

                try:
                    stamped_at = timestamp_check(str(row["tsr"]), _message(seq, event_hash, at))
                except TimestampError as exc:
                    bad.append(BadCheckpoint(number, f"checkpoint for event {seq}: {exc}"))
                    continue
            good.append(Checkpoint(seq, event_hash, at, stamped_at))
    good.sort(key=lambda c: c.seq)
    return good, bad
