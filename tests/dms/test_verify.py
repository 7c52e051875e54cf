"""`verify`: every StoredObject row's object is re-hashed; missing and altered objects are named and fail the run."""

import hashlib
import io
import json

import pytest

from dms import storage as storage_module
from dms.services import stored_object_put
from dms.storage import get_storage
from tests.dms.s3server import bucket_url, moto_s3  # noqa: F401  (session fixture)


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, settings, tmp_path):
    """The configured store: the test's filesystem store, or a fresh bucket on moto's S3 server."""
    if request.param == "s3":
        settings.DMS_STORAGE_URL = bucket_url(request.getfixturevalue("moto_s3"))
        storage_module._cached.cache_clear()
    return request.param


def alter(key: str, data: bytes) -> None:
    """Overwrite the stored bytes behind the store's back (a disk error, a tampering admin)."""
    storage = get_storage()
    if hasattr(storage, "root"):
        path = storage.root / key
        path.chmod(0o644)
        path.write_bytes(data)
    else:
        storage.client.put_object(storage.bucket, key, io.BytesIO(data), len(data))


def remove_behind_the_back(key: str) -> None:
    get_storage().delete(key)


def verify_json(run_command):
    code, out, err = run_command("verify", "--json")
    return code, json.loads(out), err


@pytest.mark.django_db
def test_clean_store_passes(backend, run_command):
    """Every object present and intact: exit 0, all counted ok, nothing missing, altered or orphaned."""
    for i in range(3):
        stored_object_put(data=f"Seite {i}".encode(), media_type="text/plain")
    code, result, _ = verify_json(run_command)
    assert code == 0
    assert (result["checked"], result["ok"]) == (3, 3)
    assert result["missing"] == result["altered"] == result["orphans"] == []
    assert result["seconds"] >= 0


@pytest.mark.django_db
def test_altered_and_missing_objects_are_named_and_fail(backend, run_command):
    """An altered object is named with expected and actual sha256, a deleted one as missing; exit 1."""
    kept = stored_object_put(data=b"intact", media_type="text/plain")
    altered = stored_object_put(data=b"original bytes", media_type="text/plain")
    gone = stored_object_put(data=b"deleted bytes", media_type="text/plain")
    alter(altered.key, b"tampered bytes")
    remove_behind_the_back(gone.key)

    code, result, _ = verify_json(run_command)
    assert code == 1
    assert (result["checked"], result["ok"]) == (3, 1)
    assert result["altered"] == [
        {"key": altered.key, "expected": altered.sha256, "actual": hashlib.sha256(b"tampered bytes").hexdigest()}
    ]
    assert result["missing"] == [{"key": gone.key, "expected": gone.sha256}]
    assert kept.key not in json.dumps(result["altered"] + result["missing"])


@pytest.mark.django_db
def test_orphans_are_reported_without_failing(backend, run_command):
    """An object in the store that no row references is listed as an orphan; the run still passes."""
    stored_object_put(data=b"referenced", media_type="text/plain")
    orphan = get_storage().put_bytes(b"stored, but its row was never written").key
    code, result, _ = verify_json(run_command)
    assert code == 0
    assert result["orphans"] == [orphan]
    assert result["checked"] == 1


@pytest.mark.django_db
def test_human_output_names_each_problem(run_command):
    """Without --json each missing or altered object gets a line with its key and hashes; exit 1."""
    altered = stored_object_put(data=b"first", media_type="text/plain")
    gone = stored_object_put(data=b"second", media_type="text/plain")
    alter(altered.key, b"changed")
    remove_behind_the_back(gone.key)
    code, out, _ = run_command("verify")
    assert code == 1
    actual = hashlib.sha256(b"changed").hexdigest()
    assert f"ALTERED  {altered.key}  expected sha256 {altered.sha256}, actual {actual}" in out
    assert f"MISSING  {gone.key}  expected sha256 {gone.sha256}" in out
    assert "2 objects checked" in out and "1 missing, 1 altered" in out


@pytest.mark.django_db
def test_more_objects_than_one_batch(run_command):
    """Rows beyond one re-hash batch are all checked, with a single worker as with several."""
    from dms.management.commands.verify import BATCH

    for i in range(BATCH + 5):
        stored_object_put(data=f"object {i}".encode(), media_type="text/plain")
    for workers in ("1", "3"):
        code, out, _ = run_command("verify", "--json", "--workers", workers)
        assert code == 0
        assert json.loads(out)["ok"] == BATCH + 5


@pytest.mark.django_db
def test_unreadable_object_stops_with_an_error(run_command):
    """A store failure other than a missing object stops verify with an error naming the object (exit != 0)."""
    obj = stored_object_put(data=b"unreadable", media_type="text/plain")
    path = get_storage().root / obj.key
    path.unlink()
    path.mkdir()  # reading it now fails with "Is a directory"
    code, out, err = run_command("verify", "--json")
    assert code != 0
    assert f"verify stopped: object {obj.key} cannot be read" in err
    assert out == ""
