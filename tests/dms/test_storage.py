"""Object storage: one backend suite (`StorageBackendTests`) run against the filesystem and moto's S3 server."""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from minio.error import S3Error

from dms.storage import ObjectLocked, ObjectMissing, StorageError, key_for, storage_from_url
from dms.storage.base import CHUNK, retention_instant
from tests.dms.s3server import bucket_url, moto_s3  # noqa: F401  (session fixture)

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024

# Measures one put_file + rehash of a large file in a separate process, so that only the client's memory counts
# (moto's server keeps objects in memory in this process).
_MEASURE = """
import json, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
from dms.storage import storage_from_url
storage = storage_from_url(sys.argv[2])
tracemalloc.start()
result = storage.put_file(sys.argv[3])
put_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
sha = storage.rehash(result.key)
read_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"key": result.key, "sha256": sha, "put_peak": put_peak, "read_peak": read_peak}))
"""


class StorageBackendTests:
    """The rules every object store keeps. Subclasses provide `url_for(options)` and `corrupt()`."""

    large_size = 24 * MIB
    large_options = ""
    stream_limit = 4 * MIB  # memory one put/rehash of `large_size` bytes may take in the client

    @pytest.fixture
    def storage(self, url_for):
        return storage_from_url(url_for())

    def corrupt(self, storage, key: str, data: bytes) -> None:
        raise NotImplementedError

    def test_round_trip_is_bit_exact(self, storage):
        """What goes in comes back byte for byte (all 256 byte values, random tail)."""
        data = bytes(range(256)) * 4 + os.urandom(5000)
        result = storage.put_bytes(data, media_type="application/pdf")
        assert storage.read(result.key) == data
        assert result.size == len(data)

    def test_key_is_content_addressed(self, storage, tmp_path):
        """The key is sha256/ab/cd/<hash> of the content, the same from bytes and from a file."""
        data = b"Bauantrag 1998/0042"
        sha = hashlib.sha256(data).hexdigest()
        result = storage.put_bytes(data)
        assert (result.key, result.sha256) == (f"sha256/{sha[:2]}/{sha[2:4]}/{sha}", sha)
        path = tmp_path / "scan.pdf"
        path.write_bytes(data)
        assert storage.put_file(path).key == result.key

    def test_same_content_is_stored_once(self, storage):
        """A second put of the same bytes reports created=False and the store holds one object."""
        first = storage.put_bytes(b"same content")
        second = storage.put_bytes(b"same content")
        assert (first.created, second.created) == (True, False)
        assert second.key == first.key
        assert list(storage.keys()) == [first.key]

    def test_open_returns_a_stream(self, storage):
        """open() gives a stream that can be read piecewise and closed."""
        data = os.urandom(3 * CHUNK + 17)
        key = storage.put_bytes(data).key
        with storage.open(key) as fh:
            head = fh.read(10)
            rest = fh.read()
        assert head + rest == data and len(head) == 10
        assert fh.closed

    def test_missing_object_raises_naming_the_key(self, storage):
        """Reading, opening or re-hashing a key not in the store raises ObjectMissing (a StorageError) naming it."""
        key = key_for("0" * 64)
        for call in (storage.open, storage.read, storage.rehash):
            with pytest.raises(StorageError, match=key) as info:
                call(key)
            assert isinstance(info.value, ObjectMissing)
        assert not storage.exists(key)

    def test_delete_removes_the_object(self, storage):
        """After delete the key is gone; deleting a missing key is not an error."""
        key = storage.put_bytes(b"to be destroyed").key
        assert storage.exists(key)
        storage.delete(key)
        assert not storage.exists(key)
        assert list(storage.keys()) == []
        storage.delete(key)

    def test_keys_lists_every_object(self, storage):
        """keys() yields every stored key once, in sorted order."""
        keys = {storage.put_bytes(f"document {i}".encode()).key for i in range(5)}
        listed = list(storage.keys())
        assert listed == sorted(keys)

    def test_rehash_detects_alteration(self, storage):
        """rehash() re-reads the stored bytes: an altered object no longer hashes to its key."""
        result = storage.put_bytes(b"original scan")
        assert storage.rehash(result.key) == result.sha256
        self.corrupt(storage, result.key, b"altered scan")
        assert storage.rehash(result.key) == hashlib.sha256(b"altered scan").hexdigest()

    def test_concurrent_puts_of_the_same_content_are_safe(self, storage):
        """Eight threads storing the same bytes at once leave one intact object under one key."""
        data = os.urandom(2 * MIB)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: storage.put_bytes(data), range(8)))
        assert {r.key for r in results} == {key_for(hashlib.sha256(data).hexdigest())}
        assert any(r.created for r in results)
        assert list(storage.keys()) == [results[0].key]
        assert storage.read(results[0].key) == data

    def test_large_file_is_streamed(self, url_for, tmp_path):
        """put_file and rehash of a large file hold only a bounded part of it in memory, never the whole file."""
        path = tmp_path / "large.tif"
        with open(path, "wb") as fh:
            for _ in range(self.large_size // MIB):
                fh.write(os.urandom(MIB))
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        out = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(ROOT), url_for(self.large_options), str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        measured = json.loads(out.stdout)
        assert measured["sha256"] == sha and measured["key"] == key_for(sha)
        assert measured["put_peak"] < self.stream_limit, measured
        assert measured["read_peak"] < self.stream_limit, measured
        assert self.stream_limit < self.large_size / 2

    def test_unknown_option_is_rejected(self, url_for):
        """An option the backend does not know is refused when the backend is built ("Invalid setting …")."""
        with pytest.raises(StorageError, match=r"Invalid setting.*\bbogus\b"):
            storage_from_url(url_for("bogus=1"))


class TestFilesystemStorage(StorageBackendTests):
    @pytest.fixture
    def url_for(self, tmp_path):
        return lambda options="": f"file://{tmp_path / 'store'}" + (f"?{options}" if options else "")

    def corrupt(self, storage, key, data):
        path = storage.root / key
        path.chmod(0o644)
        path.write_bytes(data)

    def test_failed_write_leaves_nothing_under_the_key(self, storage):
        """A write that fails midway (the source raises) leaves no file under the key and no temp file."""

        class Breaks(io.RawIOBase):
            sent = 0

            def readable(self):
                return True

            def readinto(self, buffer):
                if self.sent >= 2 * CHUNK:
                    raise OSError("scanner disconnected")
                buffer[:CHUNK] = b"x" * CHUNK
                self.sent += CHUNK
                return CHUNK

        key = key_for("a" * 64)
        with pytest.raises(OSError, match="scanner disconnected"):
            storage._put(key, Breaks(), size=4 * CHUNK, sha256="a" * 64, media_type="image/tiff", retain_until=None)
        assert not storage.exists(key)
        assert not (storage.root / key).exists()
        assert list((storage.root / ".tmp").iterdir()) == []

    def test_bytes_that_do_not_match_the_hash_are_refused(self, storage):
        """Only bytes hashing to the key's sha256 land under it (a file changed while being stored is refused)."""
        sha = hashlib.sha256(b"what was hashed").hexdigest()
        with pytest.raises(StorageError, match="nothing was stored"):
            storage._put(
                key_for(sha),
                io.BytesIO(b"what was written"),
                size=16,
                sha256=sha,
                media_type="application/pdf",
                retain_until=None,
            )
        assert not storage.exists(key_for(sha))
        assert list((storage.root / ".tmp").iterdir()) == []

    def test_objects_are_read_only_files(self, storage):
        """Stored files are mode 0444: immutable objects are not opened for writing by accident."""
        key = storage.put_bytes(b"immutable").key
        assert (storage.root / key).stat().st_mode & 0o777 == 0o444


class TestS3Storage(StorageBackendTests):
    large_options = f"part_size={5 * MIB}"
    stream_limit = 12 * MIB  # one 5 MiB part in flight (plus the request body the client builds from it)
    large_size = 32 * MIB

    @pytest.fixture
    def url_for(self, moto_s3):
        bucket = bucket_url(moto_s3).split("/")[3].split("?")[0]
        return lambda options="": bucket_url(moto_s3, options, bucket=bucket)

    def corrupt(self, storage, key, data):
        storage.client.put_object(storage.bucket, key, io.BytesIO(data), len(data))

    def test_delete_in_a_versioned_bucket_removes_every_version(self, url_for):
        """With versioning on, delete leaves no version and no delete marker of the key behind."""
        storage = storage_from_url(url_for("versioning=1"))
        key = storage.put_bytes(b"version one").key
        storage.client.put_object(storage.bucket, key, io.BytesIO(b"version one"), 11)  # a second version
        assert len(storage._versions(key)) == 2
        storage.delete(key)
        listed = storage.client.list_objects(storage.bucket, prefix=key, recursive=True, include_version=True)
        assert list(listed) == []
        assert not storage.exists(key)

    def test_retention_blocks_deletion(self, url_for):
        """An object under object-lock retention cannot be deleted: ObjectLocked names the key and the date."""
        storage = storage_from_url(url_for("object_lock=1"))
        until = date.today() + timedelta(days=365 * 10)
        key = storage.put_bytes(b"Bauakte 1998", retain_until=until).key
        assert storage.retained_until(key) == retention_instant(until)
        with pytest.raises(
            ObjectLocked,
            match=rf"{key}.*retention until {until + timedelta(days=1)}T00:00:00\+00:00"
            r".*COMPLIANCE",
        ) as info:
            storage.delete(key)
        assert info.value.key == key
        assert storage.read(key) == b"Bauakte 1998"
        # the server refuses too, even when asked for the version directly
        version = storage._versions(key)[0].version_id
        with pytest.raises(S3Error, match="AccessDenied"):
            storage.client.remove_object(storage.bucket, key, version_id=version)

    def test_governance_mode_is_stored(self, url_for):
        """retention_mode=GOVERNANCE locks objects in GOVERNANCE mode; deletion is still refused."""
        storage = storage_from_url(url_for("object_lock=1&retention_mode=governance"))
        key = storage.put_bytes(b"governed", retain_until=date.today() + timedelta(days=30)).key
        assert storage._stat(key).metadata["x-amz-object-lock-mode"] == "GOVERNANCE"
        with pytest.raises(ObjectLocked, match="GOVERNANCE"):
            storage.delete(key)

    def test_retention_of_deduplicated_content_only_grows(self, url_for):
        """Storing the same content again with a later date extends the lock; an earlier date never shortens it."""
        storage = storage_from_url(url_for("object_lock=1"))
        soon, later = date.today() + timedelta(days=30), date.today() + timedelta(days=3000)
        key = storage.put_bytes(b"shared attachment", retain_until=soon).key
        storage.put_bytes(b"shared attachment", retain_until=later)
        assert storage.retained_until(key) == retention_instant(later)
        storage.put_bytes(b"shared attachment", retain_until=soon)
        assert storage.retained_until(key) == retention_instant(later)

    def test_large_object_gets_retention_too(self, url_for, tmp_path):
        """An object uploaded in parts is locked as well (set after the upload completes)."""
        storage = storage_from_url(url_for(f"object_lock=1&part_size={5 * MIB}"))
        path = tmp_path / "big.pdf"
        path.write_bytes(os.urandom(6 * MIB))
        until = date.today() + timedelta(days=100)
        key = storage.put_file(path, retain_until=until).key
        assert storage.retained_until(key) == retention_instant(until)
        with pytest.raises(ObjectLocked):
            storage.delete(key)

    def test_retention_is_ignored_without_object_lock(self, storage):
        """Without object_lock=1 the bucket has no lock: retain_until stores the object unlocked."""
        key = storage.put_bytes(b"plain", retain_until=date.today() + timedelta(days=30)).key
        assert storage.retained_until(key) is None
        storage.delete(key)
        assert not storage.exists(key)

    def test_sha256_checksum_is_sent_on_upload(self, storage):
        """The PUT carries x-amz-checksum-sha256 = base64(sha256(content)); the server keeps it."""
        data = b"checksummed content"
        expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
        trace = io.StringIO()
        storage.client.trace_on(trace)
        try:
            key = storage.put_bytes(data).key
        finally:
            storage.client.trace_off()
        put_request = trace.getvalue().split(f"PUT /{storage.bucket}/{key}", 1)[1].split("HTTP/1.1 ", 1)[0]
        assert f"x-amz-checksum-sha256: {expected}".lower() in put_request.lower()
        stat = storage.client.stat_object(storage.bucket, key, extra_headers={"x-amz-checksum-mode": "ENABLED"})
        assert stat.metadata["x-amz-checksum-sha256"] == expected

    def test_bucket_is_created_when_missing(self, url_for):
        """Building the backend creates its bucket; object_lock=1 creates it with versioning and object lock."""
        storage = storage_from_url(url_for("object_lock=1"))
        assert storage.client.bucket_exists(storage.bucket)
        assert storage.client.get_bucket_versioning(storage.bucket).status == "Enabled"
        storage.client.get_object_lock_config(storage.bucket)  # raises when the bucket has no object lock

    def test_existing_bucket_without_lock_is_refused_for_object_lock(self, url_for):
        """object_lock=1 on a bucket created without lock is an error naming the bucket (lock cannot be added)."""
        plain = storage_from_url(url_for())
        with pytest.raises(StorageError, match=rf"bucket {plain.bucket} exists without object lock"):
            storage_from_url(url_for("object_lock=1"))

    @pytest.mark.parametrize(
        "option, message",
        [
            ("retention_mode=FOREVER", "Invalid setting retention_mode='FOREVER'"),
            ("part_size=1024", "Invalid setting part_size='1024'"),
            ("part_size=big", "Invalid setting part_size='big'"),
            ("object_lock=maybe", "Invalid setting object_lock='maybe'"),
        ],
    )
    def test_bad_option_values_are_rejected(self, url_for, option, message):
        """Option values are checked when the backend is built; the error names the setting and the value."""
        with pytest.raises(StorageError, match=message):
            storage_from_url(url_for(option))

    def test_url_without_host_or_bucket_is_rejected(self, moto_s3):
        """An S3 URL must name a host and exactly one bucket."""
        with pytest.raises(StorageError, match="names no host"):
            storage_from_url("s3:///bucket")
        with pytest.raises(StorageError, match="exactly one bucket"):
            storage_from_url(f"s3://k:s@{moto_s3}/")
