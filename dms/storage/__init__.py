"""Pick the object store from DMS_STORAGE_URL (file://PATH or s3://KEY:SECRET@host:port/bucket)."""

import functools
import importlib
from urllib.parse import parse_qsl, unquote, urlparse

from .base import ObjectLocked, ObjectMissing, ObjectStorage, PutResult, StorageError, key_for

BACKENDS = {"file": "dms.storage.filesystem", "s3": "dms.storage.s3", "s3+https": "dms.storage.s3"}


def storage_from_url(url: str) -> ObjectStorage:
    parsed = urlparse(url)
    module_path = BACKENDS.get(parsed.scheme)
    if module_path is None:
        raise StorageError(f"unknown storage URL scheme {parsed.scheme!r} in DMS_STORAGE_URL (expected file or s3)")
    backend = importlib.import_module(module_path).StorageBackend
    options = dict(parse_qsl(parsed.query, keep_blank_values=True))
    if parsed.scheme == "file":
        return backend(root=unquote(parsed.path), **options)
    if not parsed.hostname:
        raise StorageError(
            f"DMS_STORAGE_URL {parsed.scheme}://… names no host (expected s3://KEY:SECRET@host:port/bucket)"
        )
    return backend(
        endpoint=f"{parsed.hostname}:{parsed.port or 9000}",
        access_key=unquote(parsed.username or ""),
        secret_key=unquote(parsed.password or ""),
        bucket=parsed.path.strip("/"),
        secure=parsed.scheme == "s3+https",
        **options,
    )


@functools.cache
def _cached(url: str) -> ObjectStorage:
    return storage_from_url(url)


def get_storage() -> ObjectStorage:
    from django.conf import settings

    return _cached(settings.DMS_STORAGE_URL)


__all__ = [
    "ObjectLocked",
    "ObjectMissing",
    "ObjectStorage",
    "PutResult",
    "StorageError",
    "get_storage",
    "key_for",
    "storage_from_url",
]
