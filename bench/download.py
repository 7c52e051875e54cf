"""Benchmark content downloads: memory and throughput of streaming a large object through the web endpoint
(hash re-checked on the way), on the filesystem store.

Stores one random object of --size-mb (default 256) in a throwaway SQLite database under a temporary
DMS_DATA_DIR (removed afterwards), then fetches it through Django's test client once whole and once as a byte
range from its middle, reporting the Python heap peak (tracemalloc) and MB/s. The peak stays near two 1 MiB
chunks whatever the object's size: the object is never read into memory.

    .venv/bin/python bench/download.py [--size-mb 256]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="eakte-bench-download-"))
    os.environ.update(
        DMS_DATA_DIR=str(data_dir),
        DMS_ALLOWED_HOSTS="testserver",
        DMS_DATABASE_URL=f"sqlite:///{data_dir / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    try:
        run(data_dir, args.size_mb * 1024 * 1024)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(data_dir: Path, size: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from akten.models import Document, DocumentVersion
    from dms.services import stored_object_put
    from tests import factories

    org = factories.org()
    factories.aktenplan(org)
    akte = factories.akte("63.10.02-2024/0001", "Benchmark")
    source = data_dir / "big.pdf"
    with open(source, "wb") as fh:
        for _ in range(size // (1024 * 1024)):
            fh.write(os.urandom(1024 * 1024))
    obj = stored_object_put(path=source, media_type="application/pdf")
    source.unlink()
    doc = Document.objects.create(akte=akte, department=akte.lead_department, title="Großes Dokument")
    DocumentVersion.objects.create(document=doc, original=obj, rendition=obj)
    client = Client()
    client.force_login(org.anna)
    url = f"/akten/{akte.pk}/dokumente/{doc.pk}/"
    for label, headers in (
        ("whole object", {}),
        ("range, 1 MiB from the middle", {"Range": f"bytes={size // 2}-{size // 2 + 1024 * 1024 - 1}"}),
    ):
        tracemalloc.start()
        started = time.monotonic()
        response = client.get(url, headers=headers)
        received = sum(len(chunk) for chunk in response.streaming_content)
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{label}: {received / 2**20:.0f} MiB sent of a {size / 2**20:.0f} MiB object "
            f"(status {response.status_code}) in {seconds:.2f} s, {size / 2**20 / seconds:.0f} MiB/s hashed; "
            f"Python heap peak {peak / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
