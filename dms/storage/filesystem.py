"""Filesystem object store: atomic writes (temp file + fsync + rename + directory fsync), bytes checked on write."""

import hashlib
import os
import tempfile
from pathlib import Path

from .base import CHUNK, ObjectMissing, ObjectStorage, StorageError


class FilesystemStorage(ObjectStorage):
    name = "filesystem"
    options: frozenset[str] = frozenset()  # the directory comes from the URL path

    def __init__(self, *, root: str, **options):
        super().__init__(**options)
        if not root:
            raise StorageError("filesystem storage needs a directory: file:///path/to/objects")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".tmp").mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise StorageError(f"invalid object key {key!r}")
        return self.root / key

    def _put(self, key, stream, *, size, sha256, media_type, retain_until):
        """Write to a temp file while hashing; only bytes that hash to the key's sha256 are renamed into place."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root / ".tmp")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise StorageError(
                    f"object {key}: the bytes written hash to {digest.hexdigest()}, not {sha256} "
                    "(the source changed while it was stored); nothing was stored"
                )
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _open(self, key):
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise StorageError(f"object {key} cannot be read: {exc.strerror}") from exc

    def _exists(self, key):
        return self._path(key).is_file()

    def _delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def _iter_keys(self):
        """Keys in sorted order (directories and files sorted at each level, as S3 lists them)."""
        base = self.root / "sha256"
        if not base.exists():
            return
        for dirpath, dirs, files in os.walk(base):
            dirs.sort()
            for f in sorted(files):
                yield os.path.relpath(os.path.join(dirpath, f), self.root).replace(os.sep, "/")


StorageBackend = FilesystemStorage
