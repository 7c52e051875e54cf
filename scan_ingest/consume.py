"""The consume folder (Eingangsordner, DMS_CONSUME_DIR): files a scanner drops there are ingested once they stop
growing. A file directly in the folder goes by its manifest row or separator sheets; a file in a sub-folder named
after an Aktenzeichen ("/" written as "_", e.g. `63.10.02-1998_0042/`) goes into that Akte; a `manifest.csv` in
a folder is honoured for the files beside it. Claimed files wait in `.in-arbeit/<batch>/` while the batch runs
(a restart picks them up again); then files that were stored (or were already there) move to `erledigt/`, refused
ones to `fehler/` with `<name>.grund.txt` beside them saying why, in German. `consume_watch` runs `consume_once`
in a loop beside the web server."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError

from .models import IngestBatch
from .selectors import batch_files
from .submit import SubmitError, batch_submit

WORK, DONE, FAILED = ".in-arbeit", "erledigt", "fehler"
MANIFEST_NAMES = ("manifest.csv", "Manifest.csv", "MANIFEST.CSV")
LABEL = "Eingangsordner"


@dataclass
class Watcher:
    """One consume folder; `seen` remembers (size, mtime) per file between looks (growing files wait)."""

    root: Path
    user: object = None
    settle: float = 5.0
    seen: dict[Path, tuple[int, float]] = field(default_factory=dict)

    def __post_init__(self):
        self.root = Path(self.root)
        for name in (WORK, DONE, FAILED):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    # -- new files ----------------------------------------------------------------------------------------
    def _ready(self, path: Path, now: float) -> bool:
        """Unchanged since the last look and not written to for `settle` seconds: the scanner is done with it."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        current = (stat.st_size, stat.st_mtime)
        before, self.seen[path] = self.seen.get(path), current
        return before == current and now - stat.st_mtime >= self.settle and stat.st_size > 0

    def _folders(self):
        yield self.root, ""
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and not entry.name.startswith(".") and entry.name not in (DONE, FAILED):
                yield entry, entry.name

    def claim_new(self, now: float | None = None) -> list[IngestBatch]:
        """Submit every folder's settled files as one batch each; returns the batches."""
        now = time.time() if now is None else now
        batches = []
        for folder, sub in self._folders():
            files = [
                p
                for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part")
            ]
            ready = [p for p in files if self._ready(p, now)]
            if not ready or len(ready) < len(files):  # a folder goes in as a whole, once everything settled
                continue
            batches.append(self._submit(folder, sub, ready))
        return [b for b in batches if b is not None]

    def _submit(self, folder: Path, sub: str, files: list[Path]) -> IngestBatch | None:
        claim = self.root / WORK / f"neu-{uuid.uuid4().hex}"
        (claim / "files").mkdir(parents=True)
        (claim / "ordner").write_text(sub, encoding="utf-8")
        for path in files:
            os.replace(path, claim / "files" / path.name)
            self.seen.pop(path, None)
        return self._start(claim)

    def _start(self, claim: Path) -> IngestBatch | None:
        """Hand a claimed folder to batch_submit; the claim is renamed after the batch it became."""
        sub = (claim / "ordner").read_text(encoding="utf-8") if (claim / "ordner").exists() else ""
        files = sorted((claim / "files").iterdir())
        manifest = next((p for p in files if p.name in MANIFEST_NAMES), None)
        documents = [p for p in files if p != manifest]
        try:
            akte = str(Aktenzeichen.parse(sub.replace("_", "/"))) if sub else None
        except AktenzeichenError as exc:
            self._refuse_all(claim, sub, f"Der Ordnername {sub!r} ist kein Aktenzeichen ({exc}); „/“ als „_“ schreiben")
            return None
        handles = [open(p, "rb") for p in documents]  # noqa: SIM115 (closed below)
        try:
            batch = batch_submit(
                files=[(p.name, h) for p, h in zip(documents, handles, strict=True)],
                by=self.user,
                akte=akte,
                manifest=manifest.read_bytes() if manifest else None,
                source_label=f"{LABEL}{f' {sub}' if sub else ''}",
            )
        except SubmitError as exc:
            self._refuse_all(claim, sub, str(exc))
            return None
        finally:
            for handle in handles:
                handle.close()
        claim.rename(self.root / WORK / str(batch.pk))
        return batch

    # -- finished batches ---------------------------------------------------------------------------------
    def settle_finished(self) -> int:
        """Move the files of finished batches out of `.in-arbeit`; claims that never became a batch (a crash
        between claim and submit) are submitted now. Returns how many claims were settled."""
        settled = 0
        for claim in sorted((self.root / WORK).iterdir()):
            if not claim.is_dir():
                continue
            if claim.name.startswith("neu-"):
                self._start(claim)
                continue
            batch = IngestBatch.objects.filter(pk=int(claim.name)).first() if claim.name.isdigit() else None
            if batch is not None and batch.state in (IngestBatch.State.QUEUED, IngestBatch.State.RUNNING):
                continue
            self._distribute(claim, batch)
            settled += 1
        return settled

    def _distribute(self, claim: Path, batch: IngestBatch | None) -> None:
        sub = (claim / "ordner").read_text(encoding="utf-8") if (claim / "ordner").exists() else ""
        files = sorted((claim / "files").iterdir())
        documents = [p for p in files if p.name not in MANIFEST_NAMES]
        reasons: dict[str, list[str]] = {}
        if batch is None:
            failure = "Der Stapel zu diesen Dateien ist nicht mehr vorhanden"
        else:
            failure = batch.failure if batch.state == IngestBatch.State.FAILED else ""
            for row in batch_files(batch, user=None):
                why = [row["reason"]] if row["reason"] else []
                why += [
                    f"{d['title'] or 'Dokument'}: {d['reason']}" for d in row["documents"] if d["status"] == "error"
                ]
                if row["outcome"] == "pending":
                    why = why or ["nicht fertig eingelesen"]
                if not why:
                    continue
                # one ZIP (or one file) is the whole batch: its members' reasons are its own
                owner = documents[0].name if len(documents) == 1 else row["source"].split("/", 1)[0]
                prefix = f"{row['source']}: " if row["source"] != owner else ""
                reasons.setdefault(owner, []).extend(prefix + r for r in why)
        stamp = timezone.localdate().isoformat()
        for path in files:
            why = [failure] if failure else reasons.get(path.name, [])
            if path.name in MANIFEST_NAMES and not failure:
                why = []
            target = self.root / (FAILED if why else DONE) / stamp / sub
            target.mkdir(parents=True, exist_ok=True)
            destination = _free_name(target / path.name)
            shutil.move(str(path), destination)
            if why:
                grund = destination.with_name(destination.name + ".grund.txt")
                head = f"Stapel {batch.pk}: " if batch is not None else ""
                grund.write_text(head + "\n".join(why) + "\n", encoding="utf-8")
        shutil.rmtree(claim, ignore_errors=True)

    def _refuse_all(self, claim: Path, sub: str, reason: str) -> None:
        stamp = timezone.localdate().isoformat()
        target = self.root / FAILED / stamp / sub
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted((claim / "files").iterdir()):
            destination = _free_name(target / path.name)
            shutil.move(str(path), destination)
            destination.with_name(destination.name + ".grund.txt").write_text(reason + "\n", encoding="utf-8")
        shutil.rmtree(claim, ignore_errors=True)

    def once(self, now: float | None = None) -> dict:
        settled = self.settle_finished()
        batches = self.claim_new(now)
        return {"batches": [b.pk for b in batches], "settled": settled}


def _free_name(path: Path) -> Path:
    """path, or `name (2).ext`, … when a file of that name is already there."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def watcher(user=None) -> Watcher:
    if not settings.DMS_CONSUME_DIR:
        raise SubmitError("Kein Eingangsordner eingerichtet (DMS_CONSUME_DIR ist leer)")
    return Watcher(Path(settings.DMS_CONSUME_DIR), user=user, settle=settings.DMS_CONSUME_SETTLE_SECONDS)
