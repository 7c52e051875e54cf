"""`verify [--json]`: re-hash every stored object; exit 1 naming each missing or altered one; list orphans."""

import time
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from django.core.management.base import CommandError

from dms.management.base import JsonCommand
from dms.models import StoredObject
from dms.storage import ObjectMissing, StorageError, get_storage

BATCH = 256


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class Command(JsonCommand):
    help = (
        "Re-hash every stored object (streamed) against its SHA-256 in the database; exit 1 naming each "
        "missing or altered object. Objects in the store that no row references are reported as orphans."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="objects re-hashed at once (threads; hashing and I/O release the GIL)",
        )

    def run(self, *, workers: int = 4, **options) -> dict:
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        storage = get_storage()
        started = time.monotonic()
        result = {"checked": 0, "ok": 0, "missing": [], "altered": [], "orphans": []}
        rows = StoredObject.objects.order_by("pk").values_list("key", "sha256")
        with ThreadPoolExecutor(workers) as pool, self.progress(rows.count(), "verify") as advance:
            for batch in _batches(rows.iterator(chunk_size=2000), BATCH):
                for (key, expected), actual in zip(
                    batch, pool.map(lambda row: self._rehash(storage, row[0]), batch), strict=False
                ):
                    result["checked"] += 1
                    if actual is None:
                        result["missing"].append({"key": key, "expected": expected})
                    elif actual != expected:
                        result["altered"].append({"key": key, "expected": expected, "actual": actual})
                    else:
                        result["ok"] += 1
                advance(len(batch))
        result["orphans"] = list(self._orphans(storage))
        result["seconds"] = round(time.monotonic() - started, 3)
        return result

    @staticmethod
    def _rehash(storage, key: str) -> str | None:
        """SHA-256 of the stored bytes, None when the object is missing; other store failures stop the run."""
        try:
            return storage.rehash(key)
        except ObjectMissing:
            return None
        except StorageError as exc:
            raise CommandError(f"verify stopped: {exc}") from exc

    @staticmethod
    def _orphans(storage):
        """Keys in the store that no StoredObject row references, looked up a batch at a time."""
        try:
            for batch in _batches(storage.keys(), 1000):
                known = set(StoredObject.objects.filter(key__in=batch).values_list("key", flat=True))
                yield from (key for key in batch if key not in known)
        except StorageError as exc:
            raise CommandError(f"verify stopped while listing the store: {exc}") from exc

    def render(self, result: dict) -> None:
        for item in result["missing"]:
            self.stdout.write(f"MISSING  {item['key']}  expected sha256 {item['expected']}")
        for item in result["altered"]:
            self.stdout.write(f"ALTERED  {item['key']}  expected sha256 {item['expected']}, actual {item['actual']}")
        for key in result["orphans"]:
            self.stdout.write(f"ORPHAN   {key}  (in the store, referenced by no row)")
        self.stdout.write(
            f"{result['checked']} objects checked in {result['seconds']} s: {result['ok']} ok, "
            f"{len(result['missing'])} missing, {len(result['altered'])} altered, {len(result['orphans'])} orphans"
        )

    def exit_code(self, result: dict) -> int:
        return 1 if result["missing"] or result["altered"] else 0
