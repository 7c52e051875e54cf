"""`document_reocr`: OCR a stored document again, every page (also pages that kept their text layer), for the
review queue ("OCR wiederholen") and `ingest --redo`. The result is a new version with the same original
(bit-exact, the same stored object), a new rendition, new page texts and a new scan record, added through the
one document service (akten/documents.py) with a `document.reocr` audit event in the same transaction."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akten.access import document_visible, may_administer, user_roles
from akten.content import document_content_open
from akten.documents import DocumentError, document_version_add
from akten.models import AkteState, Document, DocumentVersion
from dms.audit import audit_record
from dms.models import Role
from dms.services import stored_object_put

from .errors import IngestError
from .pipeline import DocumentPlan
from .scan_record import qa_assess, scan_record
from .stages.decode import probe
from .stages.types import PageTask
from .workers import executor_for
from .writer import objects_discard, rendition_write


class RedoRefused(Exception):
    """The redo cannot be done (not allowed, the original cannot be read or processed); the message says why."""


def _pages_of(document: Document, count: int) -> range:
    if not document.source_pages:
        return range(count)
    first, _, last = document.source_pages.partition("-")
    return range(int(first) - 1, int(last or first))


def document_reocr(*, document: Document, by, workers: int | None = 1) -> DocumentVersion:
    """Version n+1 of the document, every page OCR'd (force OCR). Allowed for the scanning team and admins
    who see the document."""
    from .services import ingest_area, pipeline_config

    if not (document_visible(by, document) and (Role.SCAN in user_roles(by) or may_administer(by))):
        raise RedoRefused(f"{by} darf die Texterkennung von Dokument {document.pk} nicht wiederholen")
    version, started = document.current_version, timezone.now()
    area = ingest_area()
    area.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"redo-{document.pk}-", dir=area))
    try:
        source = work / "original"
        with open(source, "wb") as out:  # hash-checked and audited read
            for chunk in document_content_open(document=document, user=by, which="original").chunks:
                out.write(chunk)
        try:
            info = probe(str(source), settings.DMS_MAX_IMAGE_PIXELS)
        except IngestError as exc:
            raise RedoRefused(f"Dokument {document.pk}: {exc.reason}") from None
        config = pipeline_config(force_ocr=True)
        tasks = [
            PageTask(path=str(source), kind=info.kind, index=i, out_dir=str(work), config=config)
            for i in _pages_of(document, info.pages)
        ]
        executor = executor_for(workers)
        try:
            results = sorted((r for _, r in executor.run(tasks)), key=lambda r: r.index)
        finally:
            executor.close()
        failed = [r.error for r in results if r.error]
        if failed:
            raise RedoRefused(f"Dokument {document.pk}: {failed[0]}")
        plan = DocumentPlan(
            document.akte.aktenzeichen,
            document.title,
            tuple(results),
            results[0].index + 1 if results else 1,
            results[-1].index + 1 if results else 0,
            split=bool(document.source_pages),
        )
        return _store(document, version, plan, work, source, info, by, started)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _store(document, version, plan, work, source, info, by, started) -> DocumentVersion:
    operator = by.get_username()
    finished = timezone.now()
    threshold = settings.DMS_OCR_QA_THRESHOLD
    rendition_path = work / "rendition.pdf"
    rendition_sha, problems = rendition_write(
        plan=plan,
        source=source,
        out_path=rendition_path,
        author=operator,
        created=finished,
        subject=document.akte.aktenzeichen,
    )
    review = info.review + ((f"Die Lesefassung ist kein PDF/A ({'; '.join(problems)})",) if problems else ())
    record = scan_record(
        plan=plan,
        batch_id=None,
        operator=operator,
        source=document.source,
        source_sha256=version.original.sha256,
        source_size=version.original.size,
        source_mtime=None,
        original_sha256=version.original.sha256,
        rendition_sha256=rendition_sha,
        lang=settings.DMS_OCR_LANG,
        threshold=threshold,
        started=started,
        finished=finished,
        recorded=finished,
        notes=(*info.notes, f"OCR wiederholt aus Version {version.number}"),
        review=review,
        pdfa=not problems,
    )
    qa_state, mean, reasons = qa_assess(plan, threshold, review)
    pending = [sha for sha in (rendition_sha, hashlib.sha256(record).hexdigest()) if sha]
    try:
        with transaction.atomic():
            rendition = stored_object_put(path=rendition_path, media_type="application/pdf") if rendition_sha else None
            scan = stored_object_put(data=record, media_type="application/json")
            new = document_version_add(
                document=document,
                by=by,
                original=version.original,
                rendition=rendition,
                scan_record=scan,
                pages=[
                    {"number": i + 1, "text": p.text, "confidence": p.confidence, "blank": p.blank}
                    for i, p in enumerate(plan.pages)
                ],
                reason="OCR wiederholt",
                into_closed=document.akte.state == AkteState.ZDA,  # the scan's own rework of a Bestandsakte
            )
            audit_record(
                actor=by,
                action="document.reocr",
                obj=document,
                after={
                    "version": new.number,
                    "from_version": version.number,
                    "original": version.original.sha256,
                    "rendition": rendition_sha,
                    "scan_record": scan.sha256,
                    "qa": qa_state,
                    "mean_confidence": mean,
                    "review": reasons,
                },
            )
    except DocumentError as exc:
        objects_discard(pending)
        raise RedoRefused(f"Dokument {document.pk}: {exc}") from None
    except Exception:
        objects_discard(pending)
        raise
    return new
