"""Scan record (Transfervermerk after BSI TR-03138 RESISCAN): who scanned what, when, with which tools,
from which source (SHA-256), at which resolution, with what OCR confidence and QA result. Stored as JSON."""

from __future__ import annotations

import functools
import json
import platform
import socket
from collections import Counter
from datetime import datetime
from importlib import metadata

from .pipeline import DocumentPlan

TOOL_PACKAGES = ("Pillow", "pikepdf", "pypdfium2", "zxing-cpp", "pytesseract", "Django")


@functools.cache
def tool_versions() -> dict[str, str]:
    versions = {}
    for name in TOOL_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import pytesseract

        versions["tesseract"] = str(pytesseract.get_tesseract_version())
    except Exception:
        versions["tesseract"] = "unknown"
    try:
        import pikepdf

        versions["qpdf"] = pikepdf.__libqpdf_version__
    except Exception:
        pass
    versions["python"] = platform.python_version()
    return versions


def machine() -> str:
    return f"{socket.gethostname()} ({platform.system()} {platform.release()}, {platform.machine()})"


def qa_assess(
    plan: DocumentPlan, threshold: float, source_review: tuple[str, ...] = ()
) -> tuple[str, float | None, list[str]]:
    """`passed` or `needs_review` (mean OCR confidence below the threshold, a page without words, pages left
    out as blank, warnings, something about the source file as a whole: no pages, XFA form)."""
    ocr_pages = [p for p in plan.content_pages if not p.text_layer]
    words = sum(p.words for p in ocr_pages)
    mean = round(sum((p.confidence or 0) * p.words for p in ocr_pages) / words, 2) if words else None
    reasons = list(source_review)
    if ocr_pages and (mean is None or mean < threshold):
        reasons.append(f"mittlere OCR-Konfidenz {mean if mean is not None else 0} unter {threshold}")
    for p in ocr_pages:
        if p.words == 0:
            reasons.append(f"Seite {p.index + 1}: kein Text erkannt")
    if plan.pages and not plan.content_pages:
        if not source_review:  # an XFA form says so, not "blank"
            reasons.append(
                f"alle {len(plan.pages)} Seite(n) sehen leer aus: zur Prüfung gespeichert, "
                "jede Seite in der Lesefassung"
            )
    else:
        reasons.extend(
            f"Seite {p.index + 1}: sieht leer aus, aus der Lesefassung entfernt (im Original erhalten)"
            for p in plan.pages
            if p.blank
        )
    for p in plan.pages:
        reasons.extend(f"Seite {p.index + 1}: {w}" for w in p.warnings)
    return ("needs_review" if reasons else "passed"), mean, reasons


def scan_record(
    *,
    plan: DocumentPlan,
    batch_id: int,
    operator: str,
    source: str,
    source_sha256: str,
    source_size: int,
    source_mtime: datetime | None,
    original_sha256: str,
    rendition_sha256: str | None,
    lang: str,
    threshold: float,
    started: datetime,
    finished: datetime,
    recorded: datetime,
    notes: tuple[str, ...] = (),
    review: tuple[str, ...] = (),
    pdfa: bool = True,
) -> bytes:
    state, mean, reasons = qa_assess(plan, threshold, review)
    dpis = Counter(tuple(p.dpi) for p in plan.pages if p.dpi)
    record = {
        "type": "Transfervermerk (BSI TR-03138 RESISCAN)",
        "batch": batch_id,
        "operator": operator,
        "machine": machine(),
        "tools": tool_versions(),
        "source": {
            "file": source,
            "sha256": source_sha256,
            "size": source_size,
            "pages": plan.source_pages or None,
            "modified": source_mtime.isoformat() if source_mtime else None,
            "notes": list(notes) + list(review),
        },
        "original": {"sha256": original_sha256, "bit_exact": True},
        "rendition": {"sha256": rendition_sha256, "format": "PDF/A-2b" if pdfa else "PDF"}
        if rendition_sha256
        else None,
        "pages": {
            "count": len(plan.pages),
            "blank": [i + 1 for i, p in enumerate(plan.pages) if p.blank],
            "in_rendition": len(plan.rendition_pages),
            "detail": [
                {
                    "number": i + 1,
                    "source_page": p.index + 1,
                    "blank": p.blank,
                    "text_layer": p.text_layer,
                    "confidence": p.confidence,
                    "words": p.words,
                    "rotation": p.rotation,
                    "skew": p.skew,
                    "view_rotation": p.view_rotation,
                    "notes": list(p.notes),
                    "dpi": list(p.dpi) if p.dpi else None,
                    "size_px": list(p.size_px) if p.size_px else None,
                    "worker": p.worker,
                }
                for i, p in enumerate(plan.pages)
            ],
        },
        "resolution_dpi": list(dpis.most_common(1)[0][0]) if dpis else None,
        "ocr": {"engine": "tesseract", "language": lang, "mean_confidence": mean},
        "qa": {"state": state, "threshold": threshold, "reasons": reasons},
        "timestamps": {
            "processing_started": started.isoformat(),
            "processing_finished": finished.isoformat(),
            "recorded": recorded.isoformat(),
        },
    }
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
