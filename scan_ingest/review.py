"""The Scanstelle's review (Prüfung, TR-RESISCAN "check"): accept a document, turn a page, correct its metadata,
replace a page by a re-scan. Every change is a new version through the one document service
(akten/documents.py) with a scan record that says what was done, by whom and when; acceptance is recorded in
the scan record and audited, and the document leaves the queue. Allowed for the scan role on documents it may
see (what it ingested: akten.access) and for admins. Messages are German (ReviewError)."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akten.access import document_visible, may_administer, user_roles
from akten.documents import DocumentError, document_update, document_version_add
from akten.models import AkteState
from dms.audit import audit_record
from dms.models import Role
from dms.services import stored_object_put
from dms.storage import get_storage

from .errors import IngestError
from .models import IngestDocument
from .writer import objects_discard

CHECKS = {
    "seiten": "Seiten vollständig und lesbar",
    "lage": "Lage der Seiten (Drehung) geprüft",
    "text": "Texterkennung stichprobenartig geprüft",
    "metadaten": "Titel, Datum und Dokumentart geprüft",
    "trennung": "Trennung des Stapels geprüft",
}
ROTATIONS = (90, 180, 270)
MERGE_LOOKAHEAD = 500  # documents after the reviewed one looked at to find the next (merged-away ones skipped)


class ReviewError(Exception):
    """The review step cannot be done; the German message says why and what to do."""


def _check(by, entry: IngestDocument) -> None:
    document = entry.document
    if document is None or not document_visible(by, document):
        raise ReviewError("Dokument nicht gefunden")
    if not (Role.SCAN in user_roles(by) or may_administer(by)):
        raise ReviewError("Die Prüfung ist der Scanstelle und der Administration vorbehalten")


def _pages_of(version) -> list[dict]:
    return [
        {"number": p.number, "text": p.text, "confidence": p.confidence, "blank": p.blank}
        for p in version.pages.order_by("number")
    ]


def _record_of(version) -> dict:
    if version.scan_record_id is None:
        return {}
    return json.loads(get_storage().read(version.scan_record.key))


@contextmanager
def _rows_or_no_objects(pending: list[str]):
    """Objects put for rows that do not commit are removed again; a refusal of the document service becomes a
    ReviewError with its German reason."""
    try:
        yield
    except DocumentError as exc:
        objects_discard(pending)
        raise ReviewError(str(exc)) from None
    except Exception:
        objects_discard(pending)
        raise


def _new_version(
    *, entry: IngestDocument, by, record: dict, reason: str, rendition=None, pages=None, put: list[str] = ()
):
    """A new version of the entry's document: same original, the given (or same) rendition and pages, and the
    scan record as given. Objects put for it are removed again when the rows do not commit."""
    document = entry.document
    version = document.current_version
    data = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    pending = [*put, hashlib.sha256(data).hexdigest()]
    with _rows_or_no_objects(pending), transaction.atomic():
        scan = stored_object_put(data=data, media_type="application/json")
        new = document_version_add(
            document=document,
            by=by,
            original=version.original,
            rendition=rendition if rendition is not None else version.rendition,
            scan_record=scan,
            pages=pages if pages is not None else _pages_of(version),
            reason=reason,
            into_closed=document.akte.state == AkteState.ZDA,  # a Bestandsakte: the scan's own rework
        )
    return new


def _step(record: dict, by, what: str, **facts) -> dict:
    """The record with one more review step (who, when, what) appended."""
    steps = list(record.get("review_steps") or [])
    steps.append({"by": by.get_username(), "at": timezone.now().isoformat(), "what": what, **facts})
    return {**record, "review_steps": steps}


def review_accept(*, entry: IngestDocument, by, checks: list[str], note: str = "") -> IngestDocument:
    """Prüfung abschließen: the scan record of a new version records who accepted, when and what was checked;
    audited (`scan.review_accept`); the document leaves the queue."""
    _check(by, entry)
    if not entry.review_open:
        raise ReviewError(f"Dokument {entry.document_id} ist schon geprüft; die Prüfung ist abgeschlossen")
    unknown = [c for c in checks if c not in CHECKS]
    if unknown or not checks:
        raise ReviewError("Prüfpunkte: bitte mindestens einen der angebotenen Prüfpunkte ankreuzen")
    note = (note or "").strip()[:1000]
    labels = [CHECKS[c] for c in checks]
    now = timezone.now()
    record = _record_of(entry.document.current_version)
    record["review"] = {
        "accepted_by": by.get_username(),
        "accepted_at": now.isoformat(),
        "checked": labels,
        "note": note or None,
        "reasons": entry.review_reasons,
        "hints": entry.review_hints,
    }
    with transaction.atomic():
        version = _new_version(entry=entry, by=by, record=record, reason="Prüfung abgeschlossen")
        entry.review_open, entry.reviewed_by, entry.reviewed_at, entry.review_checks = False, by, now, labels
        entry.save(update_fields=["review_open", "reviewed_by", "reviewed_at", "review_checks"])
        audit_record(
            actor=by,
            action="scan.review_accept",
            obj=entry.document,
            after={"checked": labels, "note": note or None, "version": version.number},
        )
    return entry


def page_rotate(*, entry: IngestDocument, by, page: int, degrees: int) -> None:
    """Turn one page of the rendition (clockwise, as the page is shown); a new version, the original unchanged."""
    import pikepdf

    _check(by, entry)
    if degrees not in ROTATIONS:
        raise ReviewError("Drehung: nur 90°, 180° oder 270°")
    version = entry.document.current_version
    if version.rendition_id is None:
        raise ReviewError("Dieses Dokument hat keine Lesefassung, die sich drehen ließe")
    with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
        if not 1 <= page <= len(pdf.pages):
            raise ReviewError(f"Seite {page} gibt es nicht (das Dokument hat {len(pdf.pages)} Seiten)")
        pdf.pages[page - 1].rotate(degrees, relative=True)
        out = io.BytesIO()
        pdf.save(out)
    data = out.getvalue()
    rendition = stored_object_put(data=data, media_type="application/pdf")
    record = _step(_record_of(version), by, f"Seite {page} um {degrees}° gedreht")
    if record.get("rendition"):
        record["rendition"] = {**record["rendition"], "sha256": rendition.sha256}
    _new_version(
        entry=entry,
        by=by,
        record=record,
        rendition=rendition,
        reason=f"Seite {page} um {degrees}° gedreht",
        put=[rendition.sha256] if version.rendition.sha256 != rendition.sha256 else [],
    )


def metadata_correct(*, entry: IngestDocument, by, reason: str = "Prüfung", **changes):
    """Titel, Datum, Dokumentart corrected through the document service (the scan role corrects what it ingested,
    `akten.access.document_correctable`); what changed is audited there with the reviewer as actor."""
    _check(by, entry)
    document = entry.document
    before = {f: getattr(document, f) for f in changes}
    try:
        with transaction.atomic():
            updated = document_update(document=document, by=by, reason=reason, **changes)
            if "title" in changes and updated.title != before["title"]:
                IngestDocument.objects.filter(pk=entry.pk).update(title=updated.title[:500])
    except DocumentError as exc:
        raise ReviewError(str(exc)) from None
    return updated


def page_replace(*, entry: IngestDocument, by, page: int, content: bytes, name: str = "Nachscan") -> None:
    """Replace one page of the rendition by a re-scan (one page: PNG, TIFF, JPEG or PDF), OCR'd like any page;
    the re-scan itself is kept as a stored object named in the scan record; the original stays as it was."""
    import pikepdf

    from .services import pipeline_config
    from .stages import process_page
    from .stages.decode import probe
    from .stages.types import PageTask

    _check(by, entry)
    version = entry.document.current_version
    if version.rendition_id is None:
        raise ReviewError("Dieses Dokument hat keine Lesefassung, in der sich eine Seite ersetzen ließe")
    area = Path(settings.DMS_INGEST_DIR)
    area.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nachscan-", dir=area) as work:
        source = Path(work) / "nachscan"
        source.write_bytes(content)
        try:
            info = probe(str(source), settings.DMS_MAX_IMAGE_PIXELS)
        except IngestError as exc:
            raise ReviewError(f"{name}: {exc.reason}") from None
        if info.pages != 1:
            raise ReviewError(f"{name}: genau eine Seite erwartet, die Datei hat {info.pages}")
        result = process_page(
            PageTask(path=str(source), kind=info.kind, index=0, out_dir=work, config=pipeline_config(force_ocr=True))
        )
        if result.error:
            raise ReviewError(f"{name}: {result.error}")
        new_page = result.pdf_path or result.image_pdf
        with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
            if not 1 <= page <= len(pdf.pages):
                raise ReviewError(f"Seite {page} gibt es nicht (das Dokument hat {len(pdf.pages)} Seiten)")
            with pikepdf.open(new_page) as replacement:
                pdf.pages.insert(page - 1, replacement.pages[0])
                del pdf.pages[page]
                out = io.BytesIO()
                pdf.save(out)
    rescan = stored_object_put(data=content, media_type=_media_type(info.format))
    rendition = stored_object_put(data=out.getvalue(), media_type="application/pdf")
    pages = _pages_of(version)
    content_rows = [p for p in pages if not p["blank"]] or pages
    if page <= len(content_rows):
        content_rows[page - 1].update(text=result.text, confidence=result.confidence, blank=False)
    record = _step(_record_of(version), by, f"Seite {page} durch Nachscan ersetzt", rescan_sha256=rescan.sha256)
    if record.get("rendition"):
        record["rendition"] = {**record["rendition"], "sha256": rendition.sha256}
    _new_version(
        entry=entry,
        by=by,
        record=record,
        rendition=rendition,
        pages=pages,
        reason=f"Seite {page} durch Nachscan ersetzt",
        put=[rendition.sha256, rescan.sha256],
    )


def _media_type(fmt: str) -> str:
    from .writer import MEDIA_TYPES

    return MEDIA_TYPES.get(fmt, "application/octet-stream")


def document_split(*, entry: IngestDocument, by, page: int):
    """Split the document before `page` (of its rendition): the pages from there on become a new document in the
    same Akte (same bit-exact original, the rendition's later pages, their texts; titled from the heading its
    text suggests), the document keeps the pages before it (a new version). Both are in the review queue; both
    scan records name the split. Returns the new document."""
    import pikepdf

    from akten.documents import document_create
    from akten.pages import rendition_numbers

    from .suggest import suggest_title

    _check(by, entry)
    document = entry.document
    version = document.current_version
    if version.rendition_id is None:
        raise ReviewError("Dieses Dokument hat keine Lesefassung, die sich teilen ließe")
    rows = _pages_of(version)
    shown = rendition_numbers([(r["number"], r["blank"]) for r in rows])
    source = get_storage().read(version.rendition.key)
    with pikepdf.open(io.BytesIO(source)) as pdf:
        total = len(pdf.pages)
    if not 2 <= page <= total:
        raise ReviewError(f"Teilen: vor Seite 2 bis {total} möglich, nicht vor Seite {page}")
    parts = []
    for keep in (range(page - 1), range(page - 1, total)):  # the PDF/A metadata and output intent stay
        with pikepdf.open(io.BytesIO(source)) as pdf:
            for index in reversed(range(total)):
                if index not in keep:
                    del pdf.pages[index]
            pdf.remove_unreferenced_resources()
            out = io.BytesIO()
            pdf.save(out)
            parts.append(out.getvalue())
    first_stored = min((n for n, shown_no in shown.items() if shown_no == page), default=None)
    head = [dict(r) for r in rows if first_stored is None or r["number"] < first_stored]
    tail = [dict(r) for r in rows if first_stored is not None and r["number"] >= first_stored]
    for number, row in enumerate(tail, start=1):
        row["number"] = number
    record = _record_of(version)
    detail = {d.get("number"): d.get("source_page") for d in (record.get("pages") or {}).get("detail") or []}
    source_pages = [detail[r] for r in (first_stored,) if r in detail]
    last_source = detail.get(max((r["number"] for r in rows), default=0))
    tail_range = f"{source_pages[0]}-{last_source}" if source_pages and last_source else f"ab-{page}"
    rendition_head = stored_object_put(data=parts[0], media_type="application/pdf")
    rendition_tail = stored_object_put(data=parts[1], media_type="application/pdf")
    what = f"vor Seite {page} geteilt"
    tail_record = _step(record, by, f"{what}: dieser Teil (ab Seite {page}) ist ein eigenes Dokument")
    tail_record["rendition"] = {**(record.get("rendition") or {}), "sha256": rendition_tail.sha256}
    data = json.dumps(tail_record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    title = suggest_title("\n".join(r["text"] for r in tail[:2])) or f"{document.title} (ab Seite {page})"
    with transaction.atomic():
        scan = stored_object_put(data=data, media_type="application/json")
        try:
            new = document_create(
                akte=document.akte,
                title=title[:500],
                by=by,
                vorgang=document.vorgang,
                document_type=document.document_type,
                original=version.original,
                rendition=rendition_tail,
                scan_record=scan,
                pages=tail,
                source=document.source,
                source_pages=tail_range[:40],
                into_closed=document.akte.state == AkteState.ZDA,
                audit_action="document.split",
                audit_after={"from_document": document.pk, "before_page": page},
            )
        except DocumentError as exc:
            raise ReviewError(str(exc)) from None
        head_record = _step(record, by, f"{what}: ab Seite {page} Dokument {new.pk}", new_document=new.pk)
        if head_record.get("rendition"):
            head_record["rendition"] = {**head_record["rendition"], "sha256": rendition_head.sha256}
        _new_version(
            entry=entry, by=by, record=head_record, rendition=rendition_head, pages=head, reason=f"{what} ({new.pk})"
        )
        hint = f"durch Teilen vor Seite {page} von Dokument {document.pk} entstanden: Titel prüfen"
        IngestDocument.objects.create(
            item=entry.item,
            source_pages=tail_range[:40],
            aktenzeichen=entry.aktenzeichen,
            title=new.title,
            department=entry.department,
            pages=len(tail),
            status=IngestDocument.Status.STORED,
            document=new,
            qa_state=entry.qa_state,
            mean_confidence=entry.mean_confidence,
            review_hints=[hint],
            review_open=True,
        )
        IngestDocument.objects.filter(pk=entry.pk).update(review_open=True, pages=len(head))
    return new


def _order_key(entry: IngestDocument) -> tuple:
    head = (entry.source_pages or "0").split("-", 1)[0]
    return (entry.item.seq, int(head) if head.isdigit() else 0, entry.pk)


def merge_next(entry: IngestDocument) -> IngestDocument | None:
    """The document after this one in its ingest batch (file order, then page order), when it is stored in the
    same Akte and not merged away: the candidate for "Mit nächstem Dokument zusammenführen"."""
    document = entry.document
    if document is None or document.merged_into_id is not None:
        return None
    rows = (  # from this file on (a batch may hold thousands of documents)
        IngestDocument.objects.filter(
            item__batch_id=entry.item.batch_id, item__seq__gte=entry.item.seq, status=IngestDocument.Status.STORED
        )
        .exclude(document=None)
        .select_related("item", "document")
        .order_by("item__seq", "pk")[:MERGE_LOOKAHEAD]
    )
    later = sorted((r for r in rows if _order_key(r) > _order_key(entry)), key=_order_key)
    for row in later:
        if row.document_id == document.pk or row.document.merged_into_id is not None:
            continue  # merged away: the one after it is next
        return row if row.document.akte_id == document.akte_id else None
    return None


def _mergeable(entry: IngestDocument, other: IngestDocument) -> bool:
    """The next document of the same batch, or another document of the same Akte that the same operator ingested
    and that still waits in the review queue."""
    nxt = merge_next(entry)
    if nxt is not None and nxt.pk == other.pk:
        return True
    mine, theirs = entry.document, other.document
    return (
        theirs is not None
        and theirs.akte_id == mine.akte_id
        and theirs.created_by_id is not None
        and theirs.created_by_id == mine.created_by_id
        and other.review_open
        and other.status == IngestDocument.Status.STORED
    )


def document_merge_with(*, entry: IngestDocument, by, other: IngestDocument):
    """Merge the document of `other` into the entry's document (a missed or an extra separator sheet split one
    paper document in two): the renditions are concatenated (the first one's PDF/A metadata and output intent
    stay), the scan record names the merged document's original, rendition and scan record, and the document
    service (`akten.documents.document_merge`) writes the new version and marks the other one merged. The result
    waits in the review queue; the other leaves it. Returns the new version."""
    import pikepdf

    from akten.documents import document_merge

    _check(by, entry)
    _check(by, other)
    document, merged = entry.document, other.document
    if merged.pk == document.pk:
        raise ReviewError(f"Zusammenführen: „{document.title}“ lässt sich nicht mit sich selbst zusammenführen")
    if not _mergeable(entry, other):
        raise ReviewError(
            f"Zusammenführen: „{merged.title}“ ({merged.pk}) ist weder das nächste Dokument des Stapels von "
            f"„{document.title}“ ({document.pk}) noch ein noch zu prüfendes Dokument derselben Akte und Erfassung"
        )
    mine, theirs = document.current_version, merged.current_version
    if mine.rendition_id is None or theirs.rendition_id is None:
        raise ReviewError(
            f"Zusammenführen: „{document.title}“ und „{merged.title}“ brauchen beide eine Lesefassung (PDF/A)"
        )
    storage = get_storage()
    head_pdf, tail_pdf = storage.read(mine.rendition.key), storage.read(theirs.rendition.key)
    with pikepdf.open(io.BytesIO(head_pdf)) as pdf, pikepdf.open(io.BytesIO(tail_pdf)) as tail:
        first_count, tail_count = len(pdf.pages), len(tail.pages)
        pdf.pages.extend(tail.pages)
        out = io.BytesIO()
        pdf.save(out)
    merged_pdf = out.getvalue()
    rendition_sha = hashlib.sha256(merged_pdf).hexdigest()
    what = f"mit Dokument {merged.pk} („{merged.title}“) zusammengeführt: Seiten {first_count + 1} bis " + str(
        first_count + tail_count
    )
    record = _step(
        _record_of(mine),
        by,
        what,
        merged_document=merged.pk,
        merged_original_sha256=theirs.original.sha256,
        merged_rendition_sha256=theirs.rendition.sha256,
        merged_scan_record_sha256=theirs.scan_record.sha256 if theirs.scan_record_id else None,
    )
    record["rendition"] = {**(record.get("rendition") or {}), "sha256": rendition_sha}
    record["merged"] = [
        *(record.get("merged") or []),
        {"document": merged.pk, "title": merged.title, "original_sha256": theirs.original.sha256},
    ]
    data = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    pending = [rendition_sha, hashlib.sha256(data).hexdigest()]
    with _rows_or_no_objects(pending), transaction.atomic():
        rendition = stored_object_put(data=merged_pdf, media_type="application/pdf")
        scan = stored_object_put(data=data, media_type="application/json")
        version = document_merge(
            document=document, other=merged, by=by, rendition=rendition, scan_record=scan, reason=what
        )
        hint = f"mit Dokument {merged.pk} zusammengeführt (Seiten {first_count + 1}–{first_count + tail_count}): "
        hint += "Reihenfolge und Titel prüfen"
        IngestDocument.objects.filter(pk=entry.pk).update(
            review_open=True, pages=version.pages.count(), review_hints=[*entry.review_hints, hint]
        )
    return version
