"""Object storage: immutable, content-addressed objects (`sha256/ab/cd/<hash>`). One base, backends fill hooks."""

import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import BinaryIO

CHUNK = 1024 * 1024


class StorageError(Exception):
    """A storage operation failed; the message names the key."""


class ObjectMissing(StorageError):
    """The object named by the key is not in the store."""

    def __init__(self, key: str):
        super().__init__(f"object {key} is missing")
        self.key = key


class ObjectLocked(StorageError):
    """The object is under object-lock retention (or a legal hold) and cannot be deleted before its date."""

    def __init__(self, key: str, until: datetime | None, mode: str | None = None):
        what = f"object-lock retention until {until.isoformat()}" if until else "an object-lock legal hold"
        super().__init__(f"object {key} cannot be deleted: it is under {what}" + (f" ({mode})" if mode else ""))
        self.key, self.until, self.mode = key, until, mode


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str
    size: int
    created: bool  # False when the object was already there (dedupe by hash)


def key_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def sha256_of_stream(stream: BinaryIO) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
    return h.hexdigest(), size


def retention_instant(day: date) -> datetime:
    """Retention "until D" keeps the object locked through the whole of day D (until the next midnight, UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def parse_flag(backend: str, name: str, value) -> bool:
    """URL option booleans: 1/0, true/false, yes/no, on/off; anything else is an invalid setting."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise StorageError(f"Invalid setting {name}={value!r} for storage backend {backend!r}: expected 1 or 0")


def sha256_of_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file, streamed."""
    with open(path, "rb") as fh:
        return sha256_of_stream(fh)[0]


class ObjectStorage:
    """Public API defined once; subclasses implement the `_hooks`."""

    name = "base"
    options: frozenset[str] = frozenset()

    def __init__(self, **options):
        unknown = set(options) - set(self.options)
        if unknown:
            raise StorageError(f"Invalid setting(s) for storage backend {self.name!r}: {', '.join(sorted(unknown))}")

    # -- public API -------------------------------------------------------------------------------
    def put_bytes(
        self, data: bytes, *, media_type: str = "application/octet-stream", retain_until: date | None = None
    ) -> PutResult:
        sha = hashlib.sha256(data).hexdigest()
        return self._put_checked(io.BytesIO(data), sha, len(data), media_type, retain_until)

    def put_file(
        self, path: str | os.PathLike, *, media_type: str = "application/octet-stream", retain_until: date | None = None
    ) -> PutResult:
        with open(path, "rb") as fh:
            sha, size = sha256_of_stream(fh)
            fh.seek(0)
            return self._put_checked(fh, sha, size, media_type, retain_until)

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; the caller closes it. Raises ObjectMissing."""
        return self._open(key)

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def exists(self, key: str) -> bool:
        return self._exists(key)

    def delete(self, key: str) -> None:
        """Remove the object (every version where the store keeps versions). Raises ObjectLocked."""
        self._delete(key)

    def keys(self) -> Iterator[str]:
        return self._iter_keys()

    def rehash(self, key: str) -> str:
        """SHA-256 of the stored bytes, streamed (for `verify`)."""
        with self.open(key) as fh:
            return sha256_of_stream(fh)[0]

    def retained_until(self, key: str) -> datetime | None:
        """End of the object-lock retention of the object, None where the store does not lock it."""
        return self._retained_until(key)

    # -- internals --------------------------------------------------------------------------------
    def _put_checked(self, stream, sha, size, media_type, retain_until) -> PutResult:
        key = key_for(sha)
        if self._exists(key):
            if retain_until is not None:
                # Deduplicated content kept by two Akten stays locked until the later of their dates.
                self._extend_retention(key, retain_until)
            return PutResult(key, sha, size, created=False)
        self._put(key, stream, size=size, sha256=sha, media_type=media_type, retain_until=retain_until)
        return PutResult(key, sha, size, created=True)

    def _hook(self, name):
        raise NotImplementedError(f"storage backend {self.name!r} does not implement {name}")

    def _put(self, key, stream, *, size, sha256, media_type, retain_until):
        self._hook("_put")

    def _open(self, key) -> BinaryIO:
        self._hook("_open")

    def _exists(self, key) -> bool:
        self._hook("_exists")

    def _delete(self, key) -> None:
        self._hook("_delete")

    def _iter_keys(self) -> Iterator[str]:
        self._hook("_iter_keys")

    def _retained_until(self, key) -> datetime | None:
        return None  # stores without object lock keep no retention date

    def _extend_retention(self, key, retain_until: date) -> None:
        return None
