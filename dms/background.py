"""Background processes started from a web request (an ingest batch, an Aussonderung run): a `manage.py`-style
child in its own session, so it outlives the request and a restart of the web server, seeing the database, data
folder, object store, index and spool this process sees."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def in_memory_database() -> bool:
    """The SQLite test database lives in this process only: a child could not open it."""
    name = str(connection.settings_dict.get("NAME", ""))
    return connection.vendor == "sqlite" and ("memory" in name or name in ("", ":memory:"))


def database_url() -> str:
    """The URL of the database this process uses (a test database included), for DMS_DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db.get("USER") else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def child_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "DMS_DATABASE_URL": database_url(),
        "DMS_DATA_DIR": str(settings.DATA_DIR),
        "DMS_STORAGE_URL": settings.DMS_STORAGE_URL,
        "DMS_SEARCH_URL": settings.DMS_SEARCH_URL,
        "DMS_INGEST_DIR": str(settings.DMS_INGEST_DIR),
        "DMS_SPOOL_DIR": str(settings.DMS_SPOOL_DIR),
        "OMP_THREAD_LIMIT": "1",
    }


def spawn_detached(args: list[str], *, log: Path) -> subprocess.Popen:
    """Run `python <args>` in the project folder, in a session of its own, output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=settings.BASE_DIR,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
