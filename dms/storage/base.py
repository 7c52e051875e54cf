"""Object storage: immutable, content-addressed objects (`sha256/ab/cd/<hash>`). One base, backends fill hooks."""
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Iterator

CHUNK = 1024 * 1024


class StorageError(Exception):
    """A storage operation failed; the message names the key."""


class ObjectLocked(StorageError):
    """The object is under object-lock retention and cannot be deleted before its date."""


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


class ObjectStorage:
    """Public API defined once; subclasses implement the `_hooks`."""

    name = "base"
    options: frozenset[str] = frozenset()

    def __init__(self, **options):
        unknown = set(options) - set(self.options)
        if unknown:
            raise StorageError(f"Invalid setting(s) for storage backend {self.name!r}: {', '.join(sorted(unknown))}")

    # -- public API -------------------------------------------------------------------------------
    def put_bytes(self, data: bytes, *, media_type: str = "application/octet-stream",
                  retain_until: date | None = None) -> PutResult:
        sha = hashlib.sha256(data).hexdigest()
        return self._put_checked(io.BytesIO(data), sha, len(data), media_type, retain_until)

    def put_file(self, path: str | os.PathLike, *, media_type: str = "application/octet-stream",
                 retain_until: date | None = None) -> PutResult:
        with open(path, "rb") as fh:
            sha, size = sha256_of_stream(fh)
            fh.seek(0)
            return self._put_checked(fh, sha, size, media_type, retain_until)

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; the caller closes it."""
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

    # -- internals --------------------------------------------------------------------------------
    def _put_checked(self, stream, sha, size, media_type, retain_until) -> PutResult:
        key = key_for(sha)
        if self._exists(key):
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
