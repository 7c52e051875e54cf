"""S3 object store through the `minio` client (MinIO, AWS S3, moto): same content-addressed keys as the filesystem.

URL: `s3://KEY:SECRET@host:port/bucket` (`s3+https://` for TLS) with options
`object_lock=1` (bucket with versioning + object lock; needed for `retain_until`), `versioning=1`,
`retention_mode=COMPLIANCE|GOVERNANCE`, `region=…`, `part_size=<bytes>` (objects above it go up in parts).
"""

import base64
import io
from datetime import UTC, date, datetime

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import S3Error
from minio.retention import Retention
from minio.versioningconfig import ENABLED, VersioningConfig

from .base import ObjectLocked, ObjectMissing, ObjectStorage, StorageError, parse_flag, retention_instant

MIN_PART = 5 * 1024 * 1024  # S3: every part but the last is at least 5 MiB
MAX_PART = 5 * 1024 * 1024 * 1024  # S3: at most 5 GiB per PUT or part
DEFAULT_PART = 16 * 1024 * 1024
NOT_FOUND = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound", "NoSuchVersion"}
LOCK_MODE = "x-amz-object-lock-mode"
LOCK_UNTIL = "x-amz-object-lock-retain-until-date"
LEGAL_HOLD = "x-amz-object-lock-legal-hold"


class _Body(io.RawIOBase):
    """The streamed body of a GET; closing it hands the connection back to the pool."""

    def __init__(self, response):
        self._response = response

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._response.readinto(buffer)

    def close(self):
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


def _parse_until(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class S3Storage(ObjectStorage):
    name = "s3"
    options = frozenset({"object_lock", "versioning", "retention_mode", "region", "part_size"})

    def __init__(
        self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False, **options
    ):
        super().__init__(**options)
        if not bucket or "/" in bucket:
            raise StorageError(f"S3 storage URL needs exactly one bucket after the host, got {bucket!r}")
        self.bucket = bucket
        self.endpoint = endpoint
        self.object_lock = parse_flag(self.name, "object_lock", options.get("object_lock", "0"))
        self.versioning = self.object_lock or parse_flag(self.name, "versioning", options.get("versioning", "0"))
        self.retention_mode = str(options.get("retention_mode", COMPLIANCE)).upper()
        if self.retention_mode not in (COMPLIANCE, GOVERNANCE):
            raise StorageError(
                f"Invalid setting retention_mode={options['retention_mode']!r} for storage backend "
                f"'s3': expected {COMPLIANCE} or {GOVERNANCE}"
            )
        try:
            self.part_size = int(options.get("part_size", DEFAULT_PART))
        except ValueError:
            self.part_size = -1
        if not MIN_PART <= self.part_size <= MAX_PART:
            raise StorageError(
                f"Invalid setting part_size={options.get('part_size')!r} for storage backend 's3': "
                f"expected a number of bytes from {MIN_PART} to {MAX_PART}"
            )
        self.region = options.get("region") or None
        try:
            self.client = Minio(
                endpoint,
                access_key=access_key or None,
                secret_key=secret_key or None,
                secure=secure,
                region=self.region,
            )
        except ValueError as exc:
            raise StorageError(f"S3 storage URL: {exc}") from None
        self._call(f"bucket {bucket}", self._ensure_bucket)

    # -- setup ------------------------------------------------------------------------------------
    def _ensure_bucket(self):
        """Create the bucket when missing (with object lock if asked); refuse a bucket that lacks the asked lock."""
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket, location=self.region, object_lock=self.object_lock)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        if self.object_lock:
            try:
                self.client.get_object_lock_config(self.bucket)
            except S3Error as exc:
                if exc.code != "ObjectLockConfigurationNotFoundError":
                    raise
                raise StorageError(
                    f"bucket {self.bucket} exists without object lock, but the storage URL asks for object_lock=1; "
                    "object lock can only be enabled when a bucket is created"
                ) from None
        elif self.versioning:
            self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))

    def _call(self, what: str, fn, *args, **kwargs):
        """Run a client call; S3 and connection failures become StorageError naming the object or bucket."""
        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            raise StorageError(f"{what}: S3 error {exc.code}: {exc.message}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StorageError(f"{what}: cannot reach S3 endpoint {self.endpoint}: {exc}") from exc

    # -- hooks ------------------------------------------------------------------------------------
    def _put(self, key, stream, *, size, sha256, media_type, retain_until):
        """One PUT carrying x-amz-checksum-sha256 up to part_size (memory: one part); larger objects go in parts."""
        until = self._lock_instant(retain_until)
        retention = Retention(self.retention_mode, until) if until else None
        if size <= self.part_size:
            checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
            headers = {"x-amz-checksum-sha256": checksum, "x-amz-sdk-checksum-algorithm": "SHA256"}
            self._call(
                f"object {key}",
                self.client.put_object,
                self.bucket,
                key,
                stream,
                size,
                content_type=media_type,
                metadata=headers,
                retention=retention,
                part_size=self.part_size,
            )
            return
        # S3 has no whole-object SHA-256 for multipart uploads; each part is protected by its signed payload
        # hash (SigV4, http) or Content-MD5 (https). One part in memory at a time.
        result = self._call(
            f"object {key}",
            self.client.put_object,
            self.bucket,
            key,
            stream,
            size,
            content_type=media_type,
            part_size=self.part_size,
            num_parallel_uploads=1,
        )
        if retention:
            # Retention set after completion: moto drops lock headers on multipart uploads; S3/MinIO accept both.
            self._call(
                f"object {key}",
                self.client.set_object_retention,
                self.bucket,
                key,
                retention,
                version_id=result.version_id,
            )

    def _open(self, key):
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in NOT_FOUND:
                raise ObjectMissing(key) from None
            raise StorageError(f"object {key}: S3 error {exc.code}: {exc.message}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StorageError(f"object {key}: cannot reach S3 endpoint {self.endpoint}: {exc}") from exc
        return io.BufferedReader(_Body(response), 1024 * 1024)

    def _stat(self, key, version_id=None):
        """The object's headers (lock mode and date live there: moto's get_object_retention is broken)."""
        try:
            # moto refuses versionId=null on HEAD; the null version of an unversioned bucket is the object itself
            version_id = None if version_id == "null" else version_id
            return self.client.stat_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in NOT_FOUND:
                return None
            raise StorageError(f"object {key}: S3 error {exc.code}: {exc.message}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise StorageError(f"object {key}: cannot reach S3 endpoint {self.endpoint}: {exc}") from exc

    def _exists(self, key):
        return self._stat(key) is not None

    def _versions(self, key):
        return [
            v
            for v in self._call(
                f"object {key}",
                lambda: list(self.client.list_objects(self.bucket, prefix=key, recursive=True, include_version=True)),
            )
            if v.object_name == key
        ]

    def _delete(self, key):
        """Every version and delete marker goes; nothing is deleted while any version is still locked."""
        versions = self._versions(key)
        now = datetime.now(UTC)
        for version in versions:
            if version.is_delete_marker:
                continue
            stat = self._stat(key, version.version_id)
            if stat is None:
                continue
            until = _parse_until(stat.metadata.get(LOCK_UNTIL))
            if stat.metadata.get(LEGAL_HOLD) == "ON":
                raise ObjectLocked(key, None)
            if until and until > now:
                raise ObjectLocked(key, until, stat.metadata.get(LOCK_MODE))
        for version in versions:
            try:
                self.client.remove_object(self.bucket, key, version_id=version.version_id)
            except S3Error as exc:
                if exc.code == "AccessDenied":
                    raise ObjectLocked(key, self._retained_until(key)) from exc
                if exc.code not in NOT_FOUND:
                    raise StorageError(f"object {key}: S3 error {exc.code}: {exc.message}") from exc

    def _iter_keys(self):
        objects = self._call(
            f"bucket {self.bucket}", self.client.list_objects, self.bucket, prefix="sha256/", recursive=True
        )
        try:
            for obj in objects:
                yield obj.object_name
        except S3Error as exc:
            raise StorageError(f"bucket {self.bucket}: S3 error {exc.code}: {exc.message}") from exc

    def _retained_until(self, key):
        stat = self._stat(key)
        return _parse_until(stat.metadata.get(LOCK_UNTIL)) if stat else None

    def _extend_retention(self, key, retain_until: date):
        """Retention only grows: a later date replaces an earlier one (COMPLIANCE forbids shortening)."""
        until = self._lock_instant(retain_until)
        if until is None:
            return
        current = self._retained_until(key)
        if current is None or current < until:
            self._call(
                f"object {key}",
                self.client.set_object_retention,
                self.bucket,
                key,
                Retention(self.retention_mode, until),
            )

    def _lock_instant(self, retain_until: date | None) -> datetime | None:
        """The lock instant for `retain_until`; none without object lock on the bucket or for a past date."""
        if retain_until is None or not self.object_lock:
            return None
        until = retention_instant(retain_until)
        return until if until > datetime.now(UTC) else None


StorageBackend = S3Storage
