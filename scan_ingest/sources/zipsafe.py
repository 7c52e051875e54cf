"""Safe ZIP extraction into the ingest area: members with `..`, absolute paths or links are refused, nothing is
written outside the area, and member count, total size and compression ratio are limited (zip bombs)."""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError
from .names import escaped, name_problem

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 10_000
    max_total_bytes: int = 20 * 1024**3
    max_ratio: float = 200.0  # scans compress 1.0-3:1; text-only bombs reach 1000:1


def unsafe_reason(name: str) -> str | None:
    """Why a member name may not be extracted, or None when it is safe."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return f"unsicherer ZIP-Eintrag {name!r}: absoluter Pfad"
    if ".." in unified.split("/"):
        return f"unsicherer ZIP-Eintrag {name!r}: '..' im Pfad würde den Eingangsbereich verlassen"
    if "\x00" in unified:
        return f"unsicherer ZIP-Eintrag {name!r}: NUL im Namen"
    if (problem := name_problem(unified)) is not None:
        return f"ZIP-Eintrag '{escaped(name)}': {problem}"
    return None


def member_name(name: str) -> str:
    """The normalised relative name a member is known by (forward slashes, no `./`)."""
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


def extract_zip(zip_path: Path, dest: Path, limits: ZipLimits) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Extract the safe members; returns ([(member name, extracted path)], [(member name, reason)])."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"beschädigtes ZIP-Archiv: {exc}") from None
    dest = dest.resolve()
    dest.mkdir(parents=True, exist_ok=True)
    extracted, refused, total = [], [], 0
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) > limits.max_members:
            raise IngestError(f"ZIP abgelehnt: {len(members)} Einträge, Grenze {limits.max_members}")
        for info in members:
            reason = unsafe_reason(info.filename) or _member_reason(info, limits, total)
            if reason:
                refused.append((escaped(info.filename), reason))
                continue
            name = member_name(info.filename)
            target = (dest / name).resolve()
            if not target.is_relative_to(dest):
                refused.append(
                    (escaped(info.filename), f"unsicherer ZIP-Eintrag {info.filename!r}: verlässt den Eingangsbereich")
                )
                continue
            try:
                written = _copy_member(zf, info, target, limits)
            except IngestError as exc:
                refused.append((escaped(info.filename), exc.reason))
                continue
            total += written
            extracted.append((name, target))
    return extracted, refused


def _member_reason(info: zipfile.ZipInfo, limits: ZipLimits, total: int) -> str | None:
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return f"unsicherer ZIP-Eintrag {info.filename!r}: ein symbolischer Link"
    if info.flag_bits & 0x1:
        return f"ZIP-Eintrag {info.filename!r} ist verschlüsselt"
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        return (
            f"ZIP-Eintrag {info.filename!r} abgelehnt: Kompressionsverhältnis "
            f"{info.file_size / info.compress_size:.0f}:1 über {limits.max_ratio:.0f}:1 (ZIP-Bombe?)"
        )
    if total + info.file_size > limits.max_total_bytes:
        return (
            f"ZIP-Eintrag {info.filename!r} abgelehnt: das Archiv ist entpackt größer als "
            f"{limits.max_total_bytes:,} Bytes"
        )
    return None


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ZipLimits) -> int:
    """Copy with a running count: the header's sizes are not trusted."""
    allowed = min(info.file_size, max(info.compress_size, 1) * limits.max_ratio)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    written = 0
    try:
        with zf.open(info) as src, open(part, "wb") as out:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > allowed:
                    raise IngestError(
                        f"ZIP-Eintrag {info.filename!r} abgelehnt: er entpackt zu mehr, als sein Kopf angibt"
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        part.unlink(missing_ok=True)
        raise IngestError(f"ZIP-Eintrag {info.filename!r} ist beschädigt: {exc}") from None
    except IngestError:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)
    return written
