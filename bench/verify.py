"""Benchmark `verify`: seconds per 1,000 objects on the filesystem store and on moto's S3 server.

Creates N random objects (default 1,000 × 100 KB) with StoredObject rows in a throwaway SQLite database under a
temporary DMS_DATA_DIR (removed afterwards), then times `verify --json` on each backend. The filesystem figure
is with a warm page cache (the objects were just written). moto runs as its own process (like a MinIO
server would), so the client's threads do not share a GIL with the server.

    .venv/bin/python bench/verify.py [--objects 1000] [--size-kb 100] [--workers 1,4]
"""

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    """moto's S3 server in a child process on a free port; returns it once it accepts connections."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto_server did not start within 30 s")


def populate(count: int, size: int) -> None:
    from dms.models import StoredObject
    from dms.services import stored_object_put

    StoredObject.objects.all().delete()
    for _ in range(count):
        stored_object_put(data=os.urandom(size), media_type="application/octet-stream")


def run_verify(workers: int) -> tuple[dict, float]:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.monotonic()
    call_command("verify", "--json", "--workers", str(workers), stdout=out)
    return json.loads(out.getvalue()), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--size-kb", type=int, default=100)
    parser.add_argument("--workers", default="1,4", help="comma-separated thread counts to time")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]

    data_dir = tempfile.mkdtemp(prefix="bench-verify-")
    os.environ["DMS_DATA_DIR"] = data_dir
    os.environ.pop("DMS_DATABASE_URL", None)  # throwaway SQLite in the data dir
    os.environ["DMS_STORAGE_URL"] = f"file://{data_dir}/objects"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from dms import storage

    call_command("migrate", verbosity=0)
    moto, endpoint = start_moto()
    backends = {
        "filesystem": f"file://{data_dir}/objects",
        "s3 (moto)": f"s3://bench:bench-secret@{endpoint}/bench-verify?region=us-east-1",
    }
    total_mb = args.objects * args.size_kb / 1024
    print(f"{args.objects} objects × {args.size_kb} KB ({total_mb:.0f} MB), data dir {data_dir}")
    try:
        for name, url in backends.items():
            settings.DMS_STORAGE_URL = url
            storage._cached.cache_clear()
            started = time.monotonic()
            populate(args.objects, args.size_kb * 1024)
            print(f"{name:12} stored in {time.monotonic() - started:.1f} s")
            for count in workers:
                result, wall = run_verify(count)
                assert result["ok"] == args.objects and not result["missing"] and not result["altered"], result
                per_1000 = wall / args.objects * 1000
                print(
                    f"{name:12} verify --workers {count}: {wall:.2f} s for {result['checked']} objects "
                    f"= {per_1000:.2f} s per 1,000 objects ({total_mb / wall:.0f} MB/s)"
                )
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
