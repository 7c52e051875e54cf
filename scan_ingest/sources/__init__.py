"""Sources of an ingest: a folder (recursive), a single file, or a ZIP; a manifest CSV adds metadata per file.
The result is a list of source files (a manifest row makes one each) and the refusals with their reasons."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from .manifest import ManifestRow, read_manifest
from .zipsafe import ZipLimits, extract_zip, member_name

IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
OUTSIDE = "\x00outside"


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


def _walk(root: Path, skip: set[Path]) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.lower() in IGNORED_NAMES:
                continue
            full = Path(dirpath) / name
            if full.resolve() in skip or not full.is_file():
                continue
            found.append((full.relative_to(root).as_posix(), full))
    return found


def collect_sources(path: Path, manifest: Path | None, area: Path, limits: ZipLimits) -> SourcePlan:
    """Every file to ingest with its manifest row, if any; ZIP members are extracted safely into `area`."""
    plan = SourcePlan()
    skip = {manifest.resolve()} if manifest else set()
    if path.is_dir():
        files = _walk(path, skip)
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
        files = [(path.name, path)]
        base = path.parent
    rows, bad = read_manifest(manifest) if manifest else ([], [])
    plan.errors.extend(((file or f"{manifest.name}:{line}"), reason) for line, file, reason in bad)
    by_source = dict(files)
    by_resolved = {p.resolve(): s for s, p in files}
    claimed: set[str] = set()
    for _line, file, _reason in bad:  # a file whose row was refused is not ingested without its metadata
        if file:
            source = _row_source(ManifestRow(line=0, file=file), manifest, base, by_source, by_resolved)
            if source and source != OUTSIDE:
                claimed.add(source)
    for row in rows:
        source = _row_source(row, manifest, base, by_source, by_resolved)
        if source is None:
            plan.errors.append((row.file, f"manifest line {row.line}: file {row.file!r} not found"))
            continue
        if source == OUTSIDE:  # an existing file outside PATH: the row belongs to another ingest
            continue
        claimed.add(source)
        plan.files.append(SourceFile(key=f"{source}#L{row.line}", source=source, path=by_source[source], row=row))
    for source, file_path in files:
        if source not in claimed:
            plan.files.append(SourceFile(key=source, source=source, path=file_path))
    return plan


def _row_source(row: ManifestRow, manifest: Path, base: Path | None, by_source: dict, by_resolved: dict) -> str | None:
    """The source a manifest row names (a ZIP member name, or a path relative to the manifest's folder);
    OUTSIDE for an existing file that is not part of PATH, None for a file that does not exist."""
    if base is None:  # ZIP: rows name members
        name = member_name(row.file)
        return name if name in by_source else None
    candidate = (manifest.parent / row.file).resolve()
    if candidate in by_resolved:
        return by_resolved[candidate]
    return OUTSIDE if candidate.is_file() else None


__all__ = ["SourceFile", "SourcePlan", "collect_sources", "ZipLimits", "ManifestRow"]
