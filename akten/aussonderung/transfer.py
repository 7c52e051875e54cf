"""The 0503 transfer package: `{ProzessID}_Aussonderung.Aussonderung.0503.zip` with the 0503 XML and, for every
Dokument version, the archival rendition and the original (the primary files) and the scan record (TR-RESISCAN
Transfervermerk, an Anlage of the Dokument)."""

import hashlib
import mimetypes
import os
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pikepdf
from django.utils import timezone

from dms.storage import get_storage

from .records import AkteRecord, FileRecord
from .xdomea import FILE_0503_XML, FILE_0503_ZIP, TransferFile, build_0503

SPOOL_BYTES = 16 * 1024 * 1024
# docs/architecture.md, "Aussonderung": rendition and original as primary files, the scan record as an Anlage
TRANSFERRED_ROLES = ("rendition", "original", "scan_record")
ROLE_NAMES = {"rendition": "rendition", "original": "original", "scan_record": "transfervermerk"}

# xdomea code list Dateiformat 1.0
FORMAT_CODES = {
    "image/tiff": "024",
    "image/png": "019",
    "image/jpeg": "010",
    "text/plain": "045",
    "application/xml": "030",
    "text/xml": "030",
}
PDF, PDFA, OTHER = "018", "044", "100"


def _pdf_format(stream) -> tuple[str, str]:
    """(code, version): 044 with the PDF/A part and conformance (`2b`) when the XMP claims PDF/A, else 018.
    `stream` must be seekable: it is read from the start again afterwards."""
    try:
        with pikepdf.open(stream) as pdf:
            status = pdf.open_metadata().pdfa_status
            return (PDFA, status.lower()) if status else (PDF, pdf.pdf_version)
    except pikepdf.PdfError:
        return PDF, ""
    finally:
        stream.seek(0)


def _extension(media_type: str) -> str:
    return {"image/tiff": ".tif"}.get(media_type) or mimetypes.guess_extension(media_type) or ".bin"


def _add_file(zf: zipfile.ZipFile, name: str, f: FileRecord, stamp: tuple) -> TransferFile:
    with get_storage().open(f.key) as stored, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        src = stored
        if f.media_type == "application/pdf" and not stored.seekable():
            # An S3 body streams once; the PDF is looked at and then copied, so keep it (on disk past SPOOL_BYTES).
            shutil.copyfileobj(stored, spool, 1024 * 1024)
            spool.seek(0)
            src = spool
        if f.media_type == "application/pdf":
            code, version = _pdf_format(src)
        else:
            code, version = FORMAT_CODES.get(f.media_type, OTHER), ""
        digest = hashlib.sha256()
        with zf.open(zipfile.ZipInfo(name, date_time=stamp), "w", force_zip64=True) as dst:
            while chunk := src.read(1024 * 1024):
                digest.update(chunk)
                dst.write(chunk)
    if digest.hexdigest() != f.sha256:
        raise OSError(f"Objekt {f.key} stimmt nicht mit seinem SHA-256 überein; Abgabe verweigert")
    return TransferFile(
        filename=name,
        code=code,
        version=version,
        other_name=f.media_type if code == OTHER else "",
        original_name=f.source_name,
    )


def transfer_write(
    *, prozess_id: str, created: datetime, akten: list[AkteRecord], out_dir: Path, on_file=lambda: None
) -> tuple[Path, str]:
    """Write the ZIP atomically (temp file, fsync, rename), check its CRCs, return (path, SHA-256)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / FILE_0503_ZIP.format(prozess_id)
    tmp = out_dir / f".{final.name}.partial"
    files: dict[tuple, TransferFile] = {}
    stamp = tuple(timezone.localtime(created).timetuple())[:6]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for akte in akten:
            for dok in akte.all_dokumente():
                for version in dok.versions:
                    for f in version.files:
                        if f.role in TRANSFERRED_ROLES:
                            name = f"{dok.uuid}_v{version.number}_{ROLE_NAMES[f.role]}{_extension(f.media_type)}"
                            files[(dok.uuid, version.number, f.role)] = _add_file(zf, name, f, stamp)
                            on_file()
        xml = build_0503(prozess_id=prozess_id, created=created, akten=akten, files=files)
        zf.writestr(
            zipfile.ZipInfo(FILE_0503_XML.format(prozess_id), date_time=stamp), xml, compress_type=zipfile.ZIP_DEFLATED
        )
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    with zipfile.ZipFile(tmp) as zf:
        bad = zf.testzip()
        if bad is not None:
            raise OSError(f"{tmp}: member {bad} is corrupt")
    os.chmod(tmp, 0o644)
    os.replace(tmp, final)
    with open(final, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    return final, sha


def transfer_remove_partial(out_dir: Path, prozess_id: str) -> None:
    """Drop the half-written ZIP a killed run may have left."""
    tmp = out_dir / f".{FILE_0503_ZIP.format(prozess_id)}.partial"
    if tmp.exists():
        tmp.unlink()
