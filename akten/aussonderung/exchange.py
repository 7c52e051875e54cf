"""The exchange folder with the archive (DMS_XDOMEA_EXCHANGE_DIR), as many archives work: this system copies the
messages it writes (0501, 0503, 0505) into `outbox/`; the archive drops its messages (0502, 0504, 0506, 0507) into
`inbox/`. `exchange_poll` reads each file in `inbox/` through `message_import` and moves it to `done/`, or, when it
is refused, to `error/` beside a `<name>.fehler.txt` with the German reason. A file read but not yet moved when the
process stopped (its message is recorded under its inbox path) goes to `done/` on the next poll. Files whose name
starts with a dot or ends in `.partial`/`.tmp` are still being written and are left alone."""

import os
from pathlib import Path

from django.utils import timezone

from ..models import DisposalMessage
from . import DisposalError
from .messages import message_import
from .services import exchange_dir, require_archivist, write_atomic

SUBFOLDERS = ("inbox", "outbox", "done", "error")


def exchange_folders() -> dict[str, Path]:
    base = exchange_dir()
    if base is None:
        raise DisposalError("kein Austauschordner eingerichtet: DMS_XDOMEA_EXCHANGE_DIR ist nicht gesetzt")
    folders = {name: base / name for name in SUBFOLDERS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _pending(inbox: Path) -> list[Path]:
    files = [
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith((".partial", ".tmp"))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _move(path: Path, folder: Path) -> Path:
    """Move into `folder`; an existing file of the same name is kept and the newcomer gets a time prefix."""
    target = folder / path.name
    if target.exists():
        target = folder / f"{timezone.localtime():%Y%m%d-%H%M%S-%f}_{path.name}"
    os.replace(path, target)
    return target


def exchange_poll(*, by) -> list[dict]:
    """Import every message waiting in inbox/ (oldest first). Returns one row per file: {"file", "status":
    "done"|"error", "moved_to", "reason"?, plus the import report}."""
    require_archivist(by, "Austauschordner einlesen")
    folders = exchange_folders()
    rows = []
    for path in _pending(folders["inbox"]):
        name = path.name
        recorded = DisposalMessage.objects.filter(direction="in", file=str(path.resolve())).first()
        if recorded is not None:
            # read before, but the process stopped before moving it: it belongs in done/, not in error/
            moved = _move(path, folders["done"])
            DisposalMessage.objects.filter(pk=recorded.pk).update(file=str(moved.resolve()))
            rows.append(
                {"file": name, "status": "done", "moved_to": str(moved), "kind": recorded.kind, "run": recorded.run_id}
            )
            continue
        try:
            if path.suffix.lower() not in (".xml", ".zip"):
                raise DisposalError(f"{name}: keine xdomea-Nachricht (erwartet wird eine .xml- oder .zip-Datei)")
            _run, report = message_import(path=path, by=by, name=name)
        except DisposalError as exc:
            moved = _move(path, folders["error"])
            write_atomic(moved.with_name(moved.name + ".fehler.txt"), f"{exc}\n".encode())
            rows.append({"file": name, "status": "error", "moved_to": str(moved), "reason": str(exc)})
            continue
        moved = _move(path, folders["done"])
        DisposalMessage.objects.filter(direction="in", file=str(path.resolve())).update(file=str(moved.resolve()))
        rows.append({"file": name, "status": "done", "moved_to": str(moved), **report})
    return rows
