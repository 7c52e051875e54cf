"""Filesystem object store: atomic writes (temp file + fsync + rename + directory fsync)."""
import os
import shutil
import tempfile
from pathlib import Path

from .base import CHUNK, ObjectStorage, StorageError


class FilesystemStorage(ObjectStorage):
    name = "filesystem"
    options = frozenset({"root"})

    def __init__(self, *, root: str, **options):
        super().__init__(**options)
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".tmp").mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise StorageError(f"invalid object key {key!r}")
        return self.root / key

    def _put(self, key, stream, *, size, sha256, media_type, retain_until):
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root / ".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
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
            raise StorageError(f"object {key} is missing") from None

    def _exists(self, key):
        return self._path(key).is_file()

    def _delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def _iter_keys(self):
        base = self.root / "sha256"
        if not base.exists():
            return
        for dirpath, _dirs, files in os.walk(base):
            for f in files:
                yield os.path.relpath(os.path.join(dirpath, f), self.root).replace(os.sep, "/")


StorageBackend = FilesystemStorage
