"""The one writer: stores a planned document. Objects first (original bit-exact, PDF/A rendition, scan record),
then every row in one transaction, so a document is visible only complete. Objects put for a document whose
transaction never committed (crash, kill -9, error) are removed again, on the spot or when the batch resumes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from akten.documents import document_create
from akten.models import Akte, AkteState, Document
from akten.selectors import aktenplan_unit_for
from akten.services import akte_create
from dms.faults import fault_point
from dms.models import Department, StoredObject
from dms.services import stored_object_put
from dms.storage import get_storage, key_for
from dms.storage.base import sha256_of_file

from .models import IngestDocument, IngestItem
from .pdfa import RenditionPage, assemble_pdfa, rendition_problems
from .pipeline import DocumentPlan
from .scan_record import qa_assess, scan_record
from .sources.manifest import ManifestRow

MEDIA_TYPES = {"pdf": "application/pdf", "tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}
WRITABLE_STATES = (AkteState.OFFEN,)  # a closed (z.d.A.) Akte or one in a disposal run takes no new documents


@dataclass(frozen=True)
class ItemContext:
    """What the writer knows about the source file a document comes from."""

    batch_id: int
    item: IngestItem
    source: str
    path: Path
    format: str
    sha256: str
    size: int
    mtime: datetime | None
    row: ManifestRow | None
    department: Department | None  # --department
    user: object
    lang: str
    qa_threshold: float
    work_dir: Path
    started: datetime
    finished: datetime
    notes: tuple[str, ...] = ()  # about the source file, for the scan record
    review: tuple[str, ...] = ()  # about the source file, flagging its documents for review
    into_closed: bool = False  # explicitly allowed: legacy documents into closed (z.d.A.) Bestandsakten


class DocumentRefused(Exception):
    """The document cannot go in (no such Aktenplan unit, Akte already destroyed, ...); the message says why."""


def akte_refusal(aktenzeichen: str, *, into_closed: bool = False) -> str | None:
    """Why documents cannot go into the existing Akte (German), or None (open, or not there yet). into_closed:
    the operator explicitly ingests legacy documents into a closed (z.d.A.) Bestandsakte (recorded in the audit
    event of each document); an Akte in a disposal run never takes documents."""
    from akten.models import DisposalItem, DisposalItemState

    akte = Akte.objects.filter(aktenzeichen=aktenzeichen).first()
    if akte is None:
        return None
    if akte.state == AkteState.ZDA and not into_closed:
        closed = f" am {akte.zda_date:%d.%m.%Y}" if akte.zda_date else ""
        return (
            f"Akte {aktenzeichen} ist zu den Akten verfügt (z.d.A.{closed}); es können keine Dokumente mehr "
            "hinzugefügt werden. Die Sachbearbeitung kann die Akte wieder öffnen."
        )
    if akte.state not in (AkteState.OFFEN, AkteState.ZDA):
        return (
            f"Akte {aktenzeichen} ist {akte.get_state_display()} (Aussonderung); es können keine Dokumente mehr "
            "hinzugefügt werden."
        )
    in_run = DisposalItem.objects.filter(akte=akte).exclude(
        state__in=(DisposalItemState.SKIPPED_HOLD, DisposalItemState.NOT_EVALUATED)
    )
    if in_run.exists():
        return (
            f"Akte {aktenzeichen} ist in einer Aussonderung (angeboten); es können keine Dokumente mehr "
            "hinzugefügt werden."
        )
    return None


def objects_discard(shas: list[str]) -> None:
    """Remove objects put for a document whose rows never committed (content no row refers to)."""
    storage = get_storage()
    for sha in shas:
        if sha and not StoredObject.objects.filter(sha256=sha).exists():
            storage.delete(key_for(sha))


def _department_for_new_akte(ctx: ItemContext) -> Department | None:
    if ctx.row and ctx.row.department:
        value = ctx.row.department
        dept = Department.objects.filter(code=value).first() or Department.objects.filter(name__iexact=value).first()
        if dept is None:
            raise DocumentRefused(f"Manifest Zeile {ctx.row.line}: unbekannte Organisationseinheit {value!r}")
        return dept
    return ctx.department


def _resolve_akte(ctx: ItemContext, plan: DocumentPlan):
    """(existing Akte or None, Aktenplan unit, lead department) — nothing is created here."""
    try:
        az = str(Aktenzeichen.parse(plan.aktenzeichen))
    except AktenzeichenError as exc:
        raise DocumentRefused(str(exc)) from None
    akte = Akte.objects.select_related("lead_department").filter(aktenzeichen=az).first()
    if akte is not None:
        reason = akte_refusal(az, into_closed=ctx.into_closed)
        if reason:
            raise DocumentRefused(reason)
        return akte, akte.unit, akte.lead_department, az
    unit = aktenplan_unit_for(Aktenzeichen.parse(az).kennzeichen)
    if unit is None:
        raise DocumentRefused(
            f"Akte {az} gibt es nicht, und keine Einheit des Aktenplans passt zu ihrem Kennzeichen; "
            "Aktenzeichen prüfen oder den Aktenplan ergänzen"
        )
    dept = _department_for_new_akte(ctx)
    if dept is None and unit.effective_rule().department_id is None:
        raise DocumentRefused(
            f"Akte {az} gibt es nicht; keine Organisationseinheit angegeben (Manifest oder --department), "
            f"und die Aktenplaneinheit {unit.kennzeichen} nennt keine"
        )
    return None, unit, dept, az


def _record(
    ctx: ItemContext,
    plan: DocumentPlan,
    status: str,
    *,
    reason: str = "",
    document=None,
    akte_department: str = "",
    qa: tuple = ("", None, []),
    hints: list[str] | None = None,
) -> IngestDocument:
    doc, _ = IngestDocument.objects.update_or_create(
        item=ctx.item,
        source_pages=plan.source_pages,
        defaults={
            "aktenzeichen": plan.aktenzeichen or "",
            "title": plan.title,
            "pages": len(plan.pages),
            "status": status,
            "reason": reason,
            "document": document,
            "department": akte_department,
            "pending_objects": [],
            "qa_state": qa[0],
            "mean_confidence": qa[1],
            "review_reasons": qa[2],
            "review_hints": hints or [],
            "review_open": status in (IngestDocument.Status.STORING, IngestDocument.Status.STORED)
            and bool(qa[2] or hints),
        },
    )
    return doc


def review_hints(ctx: ItemContext, plan: DocumentPlan) -> list[str]:
    """What a person should look at although the QA passed (German, for the review queue): pages the pipeline
    turned or straightened, a document cut out of a batch scan, a title that is only the file name."""
    hints = []
    if plan.split:
        hints.append(f"aus einem Stapelscan getrennt (Seiten {plan.first}-{plan.last}): Trennung und Titel prüfen")
    for number, p in enumerate(plan.pages, start=1):
        if p.rotation:
            hints.append(f"Seite {number}: um {p.rotation}° gedreht")
        if abs(p.view_rotation or 0) >= 0.3:
            hints.append(f"Seite {number}: um {abs(p.view_rotation):.1f}° gerade gerückt".replace(".", ","))
    stem = Path(ctx.source).stem
    if not (ctx.row and ctx.row.title) and plan.title in (stem, f"{stem} (Seiten {plan.first}-{plan.last})"):
        hints.append("Titel ist nur der Dateiname: bitte einen Titel vergeben")
    return hints


def document_write(*, ctx: ItemContext, plan: DocumentPlan) -> IngestDocument:
    """Store one document of an item (or record why not). Already stored by an interrupted run: kept."""
    done = IngestDocument.objects.filter(item=ctx.item, source_pages=plan.source_pages).first()
    if done is not None and done.status == IngestDocument.Status.STORED and done.document_id:
        return done
    if done is not None and done.pending_objects:
        objects_discard(done.pending_objects)
    if plan.error:
        return _record(ctx, plan, IngestDocument.Status.ERROR, reason=plan.error)
    try:
        akte, unit, dept, az = _resolve_akte(ctx, plan)
    except DocumentRefused as exc:
        return _record(ctx, plan, IngestDocument.Status.ERROR, reason=str(exc))
    if akte is not None:
        duplicate = Document.objects.filter(
            akte=akte, source_pages=plan.source_pages, versions__original__sha256=ctx.sha256
        ).first()
        if duplicate is not None:
            return _record(
                ctx,
                plan,
                IngestDocument.Status.DUPLICATE,
                document=duplicate,
                reason=f"schon in Akte {az} als Dokument {duplicate.pk}",
                akte_department=akte.lead_department.code,
            )
    return _store(ctx, plan, akte, unit, dept, az)


def rendition_write(
    *, plan: DocumentPlan, source: Path, out_path: Path, author: str, created: datetime, subject: str
) -> tuple[str | None, list[str]]:
    """The document's rendition at out_path: (its sha256, or None for a plan without pages; the PDF/A
    problems found). A rendition the check rejects is written again without the PDF/A claim."""
    pages = [
        RenditionPage(str(source), p.index, rotate=p.view_rotation, overlay=p.pdf_path)
        if p.graft
        else RenditionPage(p.image_pdf, rotate=p.view_rotation, overlay=p.pdf_path)
        if p.image_pdf
        else RenditionPage(p.pdf_path, rotate=p.view_rotation)
        if p.pdf_path
        else RenditionPage(str(source), p.index)
        for p in plan.rendition_pages
    ]
    if not pages:  # a PDF without pages is stored as the original alone
        return None, []
    try:
        assemble_pdfa(pages=pages, out_path=out_path, title=plan.title, author=author, created=created, subject=subject)
        problems = rendition_problems(out_path)
        if problems:
            assemble_pdfa(
                pages=pages,
                out_path=out_path,
                title=plan.title,
                author=author,
                created=created,
                subject=subject,
                claim=False,
            )
    except Exception:
        out_path.unlink(missing_ok=True)
        raise
    return sha256_of_file(out_path), problems


def _store(ctx: ItemContext, plan: DocumentPlan, akte, unit, dept, az: str) -> IngestDocument:
    recorded = timezone.now()
    operator = ctx.user.get_username() if ctx.user else "system"
    rendition_path = ctx.work_dir / f"rendition-{ctx.item.pk}-{plan.first}.pdf"
    try:
        rendition_sha, problems = rendition_write(
            plan=plan, source=ctx.path, out_path=rendition_path, author=operator, created=ctx.finished, subject=az
        )
    except Exception as exc:
        return _record(ctx, plan, IngestDocument.Status.ERROR, reason=f"PDF/A-Erzeugung fehlgeschlagen: {exc}")
    source_review = ctx.review + ((f"Die Lesefassung ist kein PDF/A ({'; '.join(problems)})",) if problems else ())
    record = scan_record(
        plan=plan,
        batch_id=ctx.batch_id,
        operator=operator,
        source=ctx.source,
        source_sha256=ctx.sha256,
        source_size=ctx.size,
        source_mtime=ctx.mtime,
        original_sha256=ctx.sha256,
        rendition_sha256=rendition_sha,
        lang=ctx.lang,
        threshold=ctx.qa_threshold,
        started=ctx.started,
        finished=ctx.finished,
        recorded=recorded,
        notes=ctx.notes,
        review=source_review,
        pdfa=not problems,
    )
    record_sha = hashlib.sha256(record).hexdigest()
    qa_state, mean, review = qa_assess(plan, ctx.qa_threshold, source_review)
    pending = [sha for sha in (ctx.sha256, rendition_sha, record_sha) if sha]
    entry = _record(
        ctx, plan, IngestDocument.Status.STORING, qa=(qa_state, mean, review), hints=review_hints(ctx, plan)
    )
    entry.pending_objects = pending
    entry.save(update_fields=["pending_objects"])
    try:
        with transaction.atomic():
            document = _rows(ctx, plan, akte, unit, dept, az, rendition_path, record, qa_state, mean)
            entry.status, entry.document, entry.pending_objects = IngestDocument.Status.STORED, document, []
            entry.department = document.department.code
            entry.save(update_fields=["status", "document", "pending_objects", "department"])
    except Exception as exc:
        objects_discard(pending)
        entry.status, entry.reason, entry.pending_objects = (
            IngestDocument.Status.ERROR,
            f"Speichern fehlgeschlagen: {exc}",
            [],
        )
        entry.save(update_fields=["status", "reason", "pending_objects"])
    finally:
        rendition_path.unlink(missing_ok=True)
    return entry


def _rows(ctx, plan, akte, unit, dept, az, rendition_path, record, qa_state, mean) -> Document:
    if akte is None:
        row = ctx.row if ctx.row and ctx.row.aktenzeichen == az else None  # Akte columns of the row naming it
        akte = akte_create(
            aktenzeichen=az,
            title=(row.akte_title if row and row.akte_title else f"Bestandsakte {az}"),
            unit=unit,
            lead_department=dept,
            opened_on=(row.opened or row.date) if row else (ctx.row.date if ctx.row else None),
            by=ctx.user,
        )
    original = stored_object_put(path=ctx.path, media_type=MEDIA_TYPES.get(ctx.format, "application/octet-stream"))
    rendition = (
        stored_object_put(path=rendition_path, media_type="application/pdf") if rendition_path.exists() else None
    )
    scan = stored_object_put(data=record, media_type="application/json")
    fault_point("ingest_after_put")  # the crash test kills here: objects put, rows not committed
    row = ctx.row
    return document_create(  # rows, audit event and outbox entry (akten/documents.py)
        akte=akte,
        title=plan.title[:500],
        by=ctx.user,
        document_type=(row.document_type if row else "") or "Scan",
        date=row.date if row else None,
        original=original,
        rendition=rendition,
        scan_record=scan,
        pages=[
            {"number": i + 1, "text": p.text, "confidence": p.confidence, "blank": p.blank}
            for i, p in enumerate(plan.pages)
        ],
        source=ctx.source,
        source_pages=plan.source_pages,
        into_closed=ctx.into_closed,
        audit_action="document.ingest",
        audit_after={
            "source": ctx.source,
            "source_pages": plan.source_pages or None,
            "batch": ctx.batch_id,
            "qa": qa_state,
            "mean_confidence": mean,
        },
    )
