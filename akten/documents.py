"""The one document service (docs/architecture.md, "Where each rule lives"): every write of a document — created
by ingest, the demo, the web or the admin; a new version; corrected metadata; moved to another Akte — goes through
here. Each call is one transaction: the rows, one audit event and the outbox entry that brings the index up to date.
Bad input raises `DocumentError` with a German message naming the field and the reason.

The rules on the Akte (checked with its row locked, so a concurrent z.d.A., hold or disposal run waits or is seen):
- An Akte in the Aussonderung (offered, evaluated, transferred, destroyed, or an item of a running disposal run)
  takes no new documents or versions and nothing in it changes or moves.
- A closed (z.d.A.) Akte takes no new documents or versions unless the caller says so (`into_closed=True`: legacy
  documents ingested into a closed Bestandsakte, recorded in the audit event); metadata may still be corrected.
- A move neither leaves nor enters a closed Akte, and neither leaves nor enters an Akte under a Löschsperre (the
  hold keeps the Akte as it is: nothing taken out, nothing added that the hold's reason did not cover).
- Changing or moving a document needs the change right on its Akte (and on the target Akte), or the admin role
  (`akten.access`); creating one is the caller's authority (ingest, upload views check before they call).
- A merge (`document_merge`) appends one document's pages to another of the same Akte as a new version and marks
  the first `merged_into` the second: it stays in the Akte for the record but takes no further change."""

from datetime import date as Date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dms.audit import audit_record
from dms.models import OutboxEntry, StoredObject
from dms.outbox import outbox_enqueue

from . import access
from .models import (
    DISPOSAL_STATES,
    Akte,
    AkteState,
    DisposalItem,
    DisposalItemState,
    DisposalRunState,
    Document,
    DocumentVersion,
    Page,
    Vorgang,
)
from .services import akte_retention_refresh

DOCUMENT_EDITABLE = ("title", "date", "document_type")
FIELD_LABELS = {"title": "Titel", "date": "Datum", "document_type": "Dokumentart"}
TITLE_MAX = Document._meta.get_field("title").max_length
TYPE_MAX = Document._meta.get_field("document_type").max_length
# Items of a disposal run that no longer hold the Akte (it was left out of the run).
_ITEM_LEFT_OUT = (DisposalItemState.SKIPPED_HOLD, DisposalItemState.NOT_EVALUATED)
_RUN_OVER = (DisposalRunState.DONE, DisposalRunState.CANCELLED)


class DocumentError(Exception):
    """A document write that the input or the rules do not allow; the message (German) names the field and why."""


class DocumentAccessDenied(DocumentError):
    """The one access rule (`akten.access`) does not let this user change the document or its Akte."""


def _locked(akte: Akte) -> Akte:
    return Akte.objects.select_for_update().get(pk=akte.pk)


def _in_disposal_run(akte: Akte) -> bool:
    return (
        DisposalItem.objects.filter(akte=akte)
        .exclude(state__in=_ITEM_LEFT_OUT)
        .exclude(run__state__in=_RUN_OVER)
        .exists()
    )


def _refuse_in_disposal(akte: Akte, what: str) -> None:
    if akte.state in DISPOSAL_STATES:
        raise DocumentError(
            f"Akte {akte.aktenzeichen} ist {AkteState(akte.state).label} und damit in der Aussonderung "
            f"schreibgeschützt; {what}"
        )
    if _in_disposal_run(akte):
        raise DocumentError(f"Akte {akte.aktenzeichen} ist in einer laufenden Aussonderung; {what}")


def _refuse_closed(akte: Akte, what: str) -> None:
    if akte.state == AkteState.ZDA:
        closed = f" am {akte.zda_date:%d.%m.%Y}" if akte.zda_date else ""
        raise DocumentError(f"Akte {akte.aktenzeichen} ist zu den Akten verfügt (z.d.A.{closed}); {what}")


def _refuse_held(akte: Akte, what: str) -> None:
    holds = list(akte.holds.filter(released_at__isnull=True).values_list("id", "reason"))
    if holds:
        reasons = "; ".join(f"#{hid}: {reason}" for hid, reason in holds)
        raise DocumentError(f"Akte {akte.aktenzeichen} steht unter Löschsperre ({reasons}); {what}")


def _refuse_merged(document: Document, what: str) -> None:
    if document.merged_into_id is not None:
        raise DocumentError(
            f"Dokument „{document.title}“ ({document.pk}) ist in Dokument {document.merged_into_id} zusammengeführt; "
            f"{what}"
        )


def _check_may_change(by, akte: Akte) -> None:
    if by is None or access.may_administer(by) or access.akte_changeable(by, akte):
        return
    raise DocumentAccessDenied(
        f"Akte {akte.aktenzeichen}: {by.get_username()} darf die Dokumente dieser Akte nicht ändern (nur die "
        "Sachbearbeitung der federführenden Organisationseinheit oder wer ein Änderungsrecht hat)"
    )


def _clean_title(title) -> str:
    title = (title or "").strip() if isinstance(title, str) or title is None else None
    if title is None:
        raise DocumentError("Titel: muss ein Text sein")
    if not title:
        raise DocumentError("Titel: darf nicht leer sein")
    if len(title) > TITLE_MAX:
        raise DocumentError(f"Titel: höchstens {TITLE_MAX} Zeichen, nicht {len(title)}")
    return title


def _clean_type(document_type) -> str:
    if not isinstance(document_type, str):
        raise DocumentError("Dokumentart: muss ein Text sein")
    document_type = document_type.strip()
    if len(document_type) > TYPE_MAX:
        raise DocumentError(f"Dokumentart: höchstens {TYPE_MAX} Zeichen, nicht {len(document_type)}")
    return document_type


def _clean_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, Date):
        return value
    if isinstance(value, str):
        try:
            return Date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DocumentError(f"Datum: {str(value)[:40]!r} ist kein Datum (JJJJ-MM-TT)")


def _clean_vorgang(vorgang: Vorgang | None, akte: Akte) -> Vorgang | None:
    if vorgang is not None and vorgang.akte_id != akte.pk:
        raise DocumentError(f"Vorgang: „{vorgang}“ gehört nicht zur Akte {akte.aktenzeichen}")
    return vorgang


def _clean_objects(original, rendition, scan_record) -> None:
    if not isinstance(original, StoredObject) or original.pk is None:
        raise DocumentError("Original: fehlt (ein gespeichertes Objekt ist nötig)")
    for label, obj in (("Lesefassung", rendition), ("Scanprotokoll", scan_record)):
        if obj is not None and (not isinstance(obj, StoredObject) or obj.pk is None):
            raise DocumentError(f"{label}: ist kein gespeichertes Objekt")


def _clean_pages(pages) -> list[dict]:
    """Page dicts {"number", "text", "confidence", "blank"}: numbers 1..n without gaps or repeats."""
    cleaned = []
    for i, page in enumerate(pages or [], start=1):
        if not isinstance(page, dict):
            raise DocumentError(f"Seiten: Eintrag {i} ist keine Seite")
        unknown = set(page) - {"number", "text", "confidence", "blank"}
        if unknown:
            raise DocumentError(f"Seiten: Seite {i} hat unbekannte Angaben ({', '.join(sorted(unknown))})")
        number = page.get("number", i)
        if number != i:
            raise DocumentError(f"Seiten: Seite {i} trägt die Nummer {number!r}; erwartet sind 1 bis n ohne Lücke")
        confidence = page.get("confidence")
        if confidence is not None and not (isinstance(confidence, int | float) and 0 <= confidence <= 100):
            raise DocumentError(f"Seiten: Seite {i} hat die Erkennungsgüte {confidence!r}; erlaubt sind 0 bis 100")
        text = page.get("text") or ""
        if not isinstance(text, str):
            raise DocumentError(f"Seiten: der Text von Seite {i} ist kein Text")
        cleaned.append({"number": i, "text": text, "confidence": confidence, "blank": bool(page.get("blank"))})
    return cleaned


def _pages_create(version: DocumentVersion, pages: list[dict]) -> None:
    Page.objects.bulk_create(Page(version=version, **page) for page in pages)


def _retention_refresh(*akten: Akte) -> None:
    """The Aufbewahrungsende may start at the latest document's date (`akten.retention`)."""
    for akte in akten:
        akte_retention_refresh(akte=akte)


@transaction.atomic
def document_create(
    *,
    akte: Akte,
    title: str,
    by,
    vorgang: Vorgang | None = None,
    date=None,
    document_type: str = "",
    original: StoredObject,
    rendition: StoredObject | None = None,
    scan_record: StoredObject | None = None,
    pages: list[dict],
    source: str = "",
    source_pages: str = "",
    into_closed: bool = False,
    audit_action: str = "document.create",
    audit_after: dict | None = None,
) -> Document:
    """A new document in `akte` with its first version and pages. `by` is the creating user (None: the system).
    `into_closed`: the caller deliberately files it into a closed (z.d.A.) Akte (legacy scans); recorded.
    `audit_action`/`audit_after`: the event's name and further facts (ingest names its batch, QA, hashes)."""
    title, document_type, date = _clean_title(title), _clean_type(document_type), _clean_date(date)
    _clean_objects(original, rendition, scan_record)
    pages = _clean_pages(pages)
    akte = _locked(akte)
    vorgang = _clean_vorgang(vorgang, akte)
    what = "es können keine Dokumente hinzugefügt werden"
    _refuse_in_disposal(akte, what)
    if not into_closed:
        _refuse_closed(akte, what)
    document = Document.objects.create(
        akte=akte,
        vorgang=vorgang,
        department_id=akte.lead_department_id,
        title=title,
        document_type=document_type,
        date=date,
        source=source[:1000],
        source_pages=source_pages,
        created_by=by,
    )
    version = DocumentVersion.objects.create(
        document=document, number=1, original=original, rendition=rendition, scan_record=scan_record
    )
    _pages_create(version, pages)
    if date:
        _retention_refresh(akte)
    after = {
        "aktenzeichen": akte.aktenzeichen,
        "title": title,
        "original": original.sha256,
        "rendition": rendition.sha256 if rendition else None,
        "scan_record": scan_record.sha256 if scan_record else None,
        "pages": len(pages),
        **({"vorgang": vorgang.pk} if vorgang else {}),
        **({"into_closed_akte": True} if akte.state == AkteState.ZDA else {}),
        **(audit_after or {}),
    }
    audit_record(actor=by, action=audit_action, obj=document, after=after)
    outbox_enqueue(document_ids=[document.pk])
    return document


@transaction.atomic
def document_version_add(
    *,
    document: Document,
    by,
    original: StoredObject,
    rendition: StoredObject | None = None,
    scan_record: StoredObject | None = None,
    pages: list[dict],
    reason: str = "",
    into_closed: bool = False,
) -> DocumentVersion:
    """A new version of the document (number = last + 1) with its pages; the index shows the new version."""
    _clean_objects(original, rendition, scan_record)
    pages = _clean_pages(pages)
    akte = _locked(document.akte)
    what = "es können keine neuen Fassungen hinzugefügt werden"
    _refuse_merged(Document.objects.get(pk=document.pk), what)
    _refuse_in_disposal(akte, what)
    if not into_closed:
        _refuse_closed(akte, what)
    number = (DocumentVersion.objects.filter(document=document).aggregate(m=Max("number"))["m"] or 0) + 1
    version = DocumentVersion.objects.create(
        document=document, number=number, original=original, rendition=rendition, scan_record=scan_record
    )
    _pages_create(version, pages)
    audit_record(
        actor=by,
        action="document.version_add",
        obj=document,
        after={
            "version": number,
            "original": original.sha256,
            "rendition": rendition.sha256 if rendition else None,
            "scan_record": scan_record.sha256 if scan_record else None,
            "pages": len(pages),
            **({"reason": reason.strip()} if reason.strip() else {}),
        },
    )
    outbox_enqueue(document_ids=[document.pk])
    return version


def _json(value):
    return value.isoformat() if isinstance(value, Date) else value


def _update_cleaned(changes: dict) -> dict:
    unknown = sorted(set(changes) - set(DOCUMENT_EDITABLE))
    if unknown:
        raise DocumentError(
            f"{', '.join(unknown)}: lässt sich hier nicht ändern (änderbar sind Titel, Datum und Dokumentart)"
        )
    cleaners = {"title": _clean_title, "date": _clean_date, "document_type": _clean_type}
    return {field: cleaners[field](value) for field, value in changes.items()}


def document_update_check(*, document: Document, by, **changes) -> None:
    """What `document_update` would refuse, without writing (forms show it next to the fields)."""
    _update_cleaned(changes)
    akte = Akte.objects.get(pk=document.akte_id)
    _check_may_change(by, akte)
    _refuse_in_disposal(akte, "ihre Dokumente lassen sich nicht ändern")


@transaction.atomic
def document_update(*, document: Document, by, reason: str = "", **changes) -> Document:
    """Correct the title, date or document type (only these); audited with before/after and re-indexed. Nothing
    changed: no event. Allowed in an open or closed Akte, not in one in the Aussonderung."""
    cleaned = _update_cleaned(changes)
    akte = _locked(document.akte)
    if not (by is None or access.may_administer(by) or access.document_correctable(by, document)):
        _check_may_change(by, akte)  # refused, with the reason
    _refuse_in_disposal(akte, "ihre Dokumente lassen sich nicht ändern")
    document = Document.objects.select_for_update().get(pk=document.pk)
    _refuse_merged(document, "es lässt sich nicht mehr ändern")
    before = {f: getattr(document, f) for f, v in cleaned.items() if getattr(document, f) != v}
    if not before:
        return document
    for field in before:
        setattr(document, field, cleaned[field])
    document.save(update_fields=list(before))
    if "date" in before:
        _retention_refresh(akte)
    audit_record(
        actor=by,
        action="document.update",
        obj=document,
        before={f: _json(v) for f, v in before.items()},
        after={
            **{f: _json(cleaned[f]) for f in before},
            **({"reason": reason.strip()} if reason.strip() else {}),
        },
    )
    outbox_enqueue(document_ids=[document.pk])
    return document


@transaction.atomic
def document_delete(*, document: Document, by) -> None:
    """Delete a document that has no content (no version: a leftover of a failed write). Content leaves an Akte
    only through the Aussonderung; a Löschsperre blocks this too (`akten.signals`)."""
    akte = _locked(document.akte)
    _check_may_change(by, akte)
    _refuse_in_disposal(akte, "ihre Dokumente lassen sich nicht löschen")
    if document.versions.exists():
        raise DocumentError(
            f"Dokument „{document}“: hat Inhalte und verlässt die Akte nur durch die Aussonderung, nicht durch Löschen"
        )
    audit_record(
        actor=by, action="document.delete", obj=document, before={"akte": akte.aktenzeichen, "title": document.title}
    )
    doc_id = document.pk
    document.delete()
    outbox_enqueue(document_ids=[doc_id], op="delete")


@transaction.atomic
def document_move(*, document: Document, by, akte: Akte, vorgang: Vorgang | None = None, reason: str = "") -> Document:
    """Move the document (with all its versions) into another Akte or Vorgang. The document takes the target's lead
    department; the index follows (principals and Aktenzeichen come from the new Akte). Refused for Akten in the
    Aussonderung, closed (z.d.A.) Akten and Akten under a Löschsperre, on either side."""
    document = Document.objects.select_related("akte").get(pk=document.pk)
    _refuse_merged(document, "es lässt sich nicht verschieben")
    if not isinstance(akte, Akte) or akte.pk is None:
        raise DocumentError("Akte: Zielakte fehlt")
    source_pk, target_pk = document.akte_id, akte.pk
    locked = {a.pk: a for a in Akte.objects.select_for_update().filter(pk__in={source_pk, target_pk}).order_by("pk")}
    source, target = locked[source_pk], locked[target_pk]
    vorgang = _clean_vorgang(vorgang, target)
    if source.pk == target.pk and document.vorgang_id == (vorgang.pk if vorgang else None):
        raise DocumentError(
            f"Akte: das Dokument liegt schon in {target.aktenzeichen}" + (f", {vorgang}" if vorgang else "")
        )
    _check_may_change(by, source)
    if target.pk != source.pk:
        _check_may_change(by, target)
    for side, label in (
        (source, "aus ihr kann kein Dokument verschoben werden"),
        (target, "in sie kann kein Dokument verschoben werden"),
    ):
        _refuse_in_disposal(side, label)
        _refuse_closed(side, label)
        _refuse_held(side, label)
    before = {"aktenzeichen": source.aktenzeichen, "vorgang": document.vorgang_id}
    document.akte, document.vorgang, document.department_id = target, vorgang, target.lead_department_id
    document.save(update_fields=["akte", "vorgang", "department"])
    if document.date and source.pk != target.pk:
        _retention_refresh(source, target)
    audit_record(
        actor=by,
        action="document.move",
        obj=document,
        before=before,
        after={
            "aktenzeichen": target.aktenzeichen,
            "vorgang": vorgang.pk if vorgang else None,
            **({"reason": reason.strip()} if reason.strip() else {}),
        },
    )
    outbox_enqueue(document_ids=[document.pk])
    return document


def _pages_of(version: DocumentVersion | None) -> list[dict]:
    if version is None:
        return []
    return [
        {"number": p.number, "text": p.text, "confidence": p.confidence, "blank": p.blank}
        for p in version.pages.order_by("number")
    ]


def _merge_refusal(document: Document, other: Document, by) -> DocumentError | None:
    """Why `other` cannot be merged into `document` (German, naming both), or None."""
    names = f"„{document.title}“ ({document.pk}) und „{other.title}“ ({other.pk})"
    if document.pk == other.pk:
        return DocumentError(
            f"Zusammenführen: Dokument „{document.title}“ ({document.pk}) lässt sich nicht mit sich selbst "
            "zusammenführen"
        )
    if document.akte_id != other.akte_id:
        return DocumentError(
            f"Zusammenführen: {names} liegen in verschiedenen Akten ({document.akte.aktenzeichen}, "
            f"{other.akte.aktenzeichen}); nur Dokumente einer Akte lassen sich zusammenführen"
        )
    for doc in (other, document):
        if doc.merged_into_id is not None:
            return DocumentError(
                f"Zusammenführen von {names}: „{doc.title}“ ({doc.pk}) ist schon in Dokument {doc.merged_into_id} "
                "zusammengeführt"
            )
    if not (by is None or access.may_administer(by) or access.documents_mergeable(by, document, other)):
        return DocumentAccessDenied(
            f"Zusammenführen von {names}: {by.get_username()} darf diese Dokumente nicht zusammenführen (nur wer "
            "beide erfasst hat, die Sachbearbeitung mit Änderungsrecht an der Akte oder die Administration)"
        )
    return None


@transaction.atomic
def document_merge(
    *,
    document: Document,
    other: Document,
    by,
    rendition: StoredObject | None = None,
    scan_record: StoredObject | None = None,
    reason: str = "",
) -> DocumentVersion:
    """Merge `other` into `document` (a batch scan split one paper document in two): a new version of `document`
    with its current pages followed by `other`'s (the caller passes the concatenated rendition, e.g. the PDF/A the
    Scanstelle built, and a scan record naming both); the original stays `document`'s, `other`'s original hash
    is audited. `other` is marked `merged_into` and leaves lists, search and the review queue, but keeps its rows,
    objects and audit. Both in one Akte, not closed, not held, not in the Aussonderung; audited on both documents."""
    for label, obj in (("Lesefassung", rendition), ("Scanprotokoll", scan_record)):
        if obj is not None and (not isinstance(obj, StoredObject) or obj.pk is None):
            raise DocumentError(f"{label}: ist kein gespeichertes Objekt")
    akte = _locked(document.akte)  # then the two rows, in id order: a concurrent merge waits and is seen
    rows = Document.objects.select_for_update().filter(pk__in={document.pk, other.pk}).order_by("pk")
    locked = {d.pk: d for d in rows.select_related("akte")}
    document, other = locked[document.pk], locked[other.pk]
    document.akte = akte
    refusal = _merge_refusal(document, other, by)
    if refusal:
        raise refusal
    what = f"„{document.title}“ ({document.pk}) und „{other.title}“ ({other.pk}) lassen sich nicht zusammenführen"
    _refuse_in_disposal(akte, what)
    _refuse_closed(akte, what)
    _refuse_held(akte, what)
    mine, theirs = document.current_version, other.current_version
    if mine is None or theirs is None:
        raise DocumentError(f"Zusammenführen: {what} (eines hat keinen Inhalt)")
    if rendition is None and (mine.rendition_id or theirs.rendition_id):
        raise DocumentError(f"Lesefassung: die zusammengeführte Lesefassung fehlt; {what}")
    head, tail = _pages_of(mine), _pages_of(theirs)
    pages = head + [{**p, "number": len(head) + i} for i, p in enumerate(tail, start=1)]
    number = (DocumentVersion.objects.filter(document=document).aggregate(m=Max("number"))["m"] or 0) + 1
    version = DocumentVersion.objects.create(
        document=document, number=number, original=mine.original, rendition=rendition, scan_record=scan_record
    )
    _pages_create(version, pages)
    other.merged_into, other.merged_at = document, timezone.now()
    other.save(update_fields=["merged_into", "merged_at"])
    if other.date:
        _retention_refresh(akte)
    reason = (reason or "").strip()
    audit_record(
        actor=by,
        action="document.merge",
        obj=document,
        after={
            "version": number,
            "merged_document": other.pk,
            "merged_title": other.title,
            "merged_version": theirs.number,
            "merged_original": theirs.original.sha256,
            "merged_rendition": theirs.rendition.sha256 if theirs.rendition_id else None,
            "original": mine.original.sha256,
            "rendition": rendition.sha256 if rendition else None,
            "scan_record": scan_record.sha256 if scan_record else None,
            "pages": len(pages),
            **({"reason": reason} if reason else {}),
        },
    )
    audit_record(
        actor=by,
        action="document.merged_into",
        obj=other,
        before={"merged_into": None},
        after={
            "merged_into": document.pk,
            "into_title": document.title,
            "into_version": number,
            "original": theirs.original.sha256,
            **({"reason": reason} if reason else {}),
        },
    )
    outbox_enqueue(document_ids=[document.pk])
    outbox_enqueue(document_ids=[other.pk], op=OutboxEntry.Op.DELETE)
    return version


__all__ = [
    "DOCUMENT_EDITABLE",
    "DocumentAccessDenied",
    "DocumentError",
    "document_create",
    "document_delete",
    "document_merge",
    "document_move",
    "document_update",
    "document_update_check",
    "document_version_add",
]
