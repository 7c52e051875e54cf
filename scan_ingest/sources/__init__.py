"""Sources of an ingest: a folder (recursive), a single file, or a ZIP; a manifest CSV adds metadata per file.
The result is a list of source files (a manifest row makes one each) and the refusals with their reasons."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from .manifest import ManifestRow, read_manifest
from .names import escaped, name_problem
from .zipsafe import ZipLimits, extract_zip, member_name

IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
OUTSIDE = "\x00outside"
SKIPPED = "\x00skipped"


@dataclass(frozen=True)
class SourceFile:
    key: str  # unique within a batch
    source: str  # relative to the ingest PATH; inside a ZIP: the member name
    path: Path  # where the bytes are on disk (ZIP members: extracted into the ingest area)
    row: ManifestRow | None = None


@dataclass
class SourcePlan:
    files: list[SourceFile] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _walk(root: Path, skip: set[Path]) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Files under root in name order, and the refusals: names that are not valid UTF-8 or hold control
    characters, symbolic links leading out of root (never followed), things that are not regular files."""
    found, refused = [], []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if not name.startswith(".") and (here / name).is_symlink():
                reason = _link_problem(here / name, real_root)
                if reason:
                    refused.append((escaped((here / name).relative_to(root).as_posix()), reason))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))  # os.walk follows no links
        for name in sorted(filenames):
            if name.startswith(".") or name.lower() in IGNORED_NAMES:
                continue
            full = here / name
            rel = full.relative_to(root).as_posix()
            if full.resolve() in skip:
                continue
            reason = name_problem(rel) or (_link_problem(full, real_root) if full.is_symlink() else None)
            if reason is None and not full.is_file():
                reason = "keine gewöhnliche Datei (Gerät, Pipe oder Socket)"
            if reason:
                refused.append((escaped(rel), reason))
                continue
            found.append((rel, full))
    return found, refused


def _link_problem(link: Path, real_root: Path) -> str | None:
    """A symbolic link is followed only when it stays inside the ingest folder."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return "defekter symbolischer Link (das Ziel existiert nicht)"
    if not target.is_relative_to(real_root):
        return "symbolischer Link auf einen Ort außerhalb des Eingangsordners; nicht verfolgt"
    return None


def _expand_zips(files: list[tuple[str, Path]], area: Path, limits: ZipLimits, plan: SourcePlan):
    """A ZIP inside a folder (several files uploaded together, one of them a ZIP) is unpacked safely: its
    members become sources named `<zip>/<member>`; its refusals are the batch's."""
    out = []
    for rel, full in files:
        if not _is_zip(full):
            out.append((rel, full))
            continue
        try:
            members, refused = extract_zip(full, area / "zip" / f"{len(out)}-{full.name}", limits)
        except IngestError as exc:
            plan.errors.append((escaped(rel), exc.reason))
            continue
        plan.errors.extend((f"{escaped(rel)}/{name}", reason) for name, reason in refused)
        out.extend((f"{rel}/{name}", member) for name, member in members)
    return out


def collect_sources(path: Path, manifest: Path | None, area: Path, limits: ZipLimits) -> SourcePlan:
    """Every file to ingest with its manifest row, if any; ZIP members are extracted safely into `area`."""
    plan = SourcePlan()
    skip = {manifest.resolve()} if manifest else set()
    if path.is_dir():
        files, refused = _walk(path, skip)
        plan.errors.extend(refused)
        files = _expand_zips(files, area, limits, plan)
        base = path
    elif _is_zip(path):
        try:
            members, refused = extract_zip(path, area / "zip", limits)
        except IngestError as exc:
            plan.errors.append((path.name, exc.reason))
            return plan
        plan.errors.extend(refused)
        files = members
        base = None
    else:
        base = path.parent
        files = [(path.name, path)]
        if (problem := name_problem(path.name)) is not None:
            plan.errors.append((escaped(path.name), problem))
            files = []
    rows, bad = read_manifest(manifest) if manifest else ([], [])
    plan.errors.extend((escaped(file or f"{manifest.name}:{line}"), reason) for line, file, reason in bad)
    folder = path if path.is_dir() else None
    by_source = dict(files)
    by_resolved = {p.resolve(): s for s, p in files}
    claimed: set[str] = set()
    for _line, file, _reason in bad:  # a file whose row was refused is not ingested without its metadata
        if file:
            source = _row_source(ManifestRow(line=0, file=file), manifest, base, by_source, by_resolved, folder)
            if source and source not in (OUTSIDE, SKIPPED):
                claimed.add(source)
    for row in rows:
        source = _row_source(row, manifest, base, by_source, by_resolved, folder)
        if source is None:
            plan.errors.append(
                (escaped(row.file), f"Manifest Zeile {row.line}: Datei '{escaped(row.file)}' nicht gefunden")
            )
            continue
        if source in (OUTSIDE, SKIPPED):
            why = (
                f"liegt außerhalb des eingelesenen Pfads {escaped(str(path))}"
                if source == OUTSIDE
                else "ist versteckt oder abgelehnt (siehe ihren eigenen Fehler)"
            )
            plan.errors.append(
                (escaped(row.file), f"Manifest Zeile {row.line}: Datei '{escaped(row.file)}' {why}; nicht eingelesen")
            )
            continue
        claimed.add(source)
        plan.files.append(SourceFile(key=f"{source}#L{row.line}", source=source, path=by_source[source], row=row))
    for source, file_path in files:
        if source not in claimed:
            plan.files.append(SourceFile(key=source, source=source, path=file_path))
    return plan


def _row_source(
    row: ManifestRow, manifest: Path, base: Path | None, by_source: dict, by_resolved: dict, folder: Path | None
) -> str | None:
    """The source a manifest row names (a ZIP member name, or a path relative to the manifest's folder);
    OUTSIDE for an existing file that is not part of PATH, SKIPPED for one inside it that the walk left out
    (hidden, refused), None for a file that does not exist."""
    name = member_name(row.file)
    if base is None:  # ZIP: rows name members
        return name if name in by_source else None
    if name in by_source and not (manifest.parent / row.file).exists():  # a member of a ZIP in the folder
        return name
    candidate = (manifest.parent / row.file).resolve()
    if candidate in by_resolved:
        return by_resolved[candidate]
    if not candidate.is_file():
        return None
    return SKIPPED if folder is not None and candidate.is_relative_to(folder.resolve()) else OUTSIDE


__all__ = ["ManifestRow", "SourceFile", "SourcePlan", "ZipLimits", "collect_sources"]
