"""Reads for the Aussonderung: due Akten, disposal runs, and snapshots of Akten for the xdomea messages."""

from collections import defaultdict
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from ..models import Akte, AktenplanUnit, AkteState, DisposalRun, Document, DocumentVersion, Hold, Vorgang
from . import DisposalError
from .records import AkteRecord, DokumentRecord, FileRecord, VersionRecord, VorgangRecord

CHUNK = 500


def due_akten(*, as_of: date) -> QuerySet[Akte]:
    """Closed (z.d.A.) Akten whose Aufbewahrungsende lies before `as_of` and that carry no active hold.
    One query over the (state, aufbewahrungsende) and (akte, released_at) indexes; `dauernd` (NULL) never."""
    active_hold = Hold.objects.filter(akte=OuterRef("pk"), released_at__isnull=True)
    return Akte.objects.filter(state=AkteState.ZDA, aufbewahrungsende__lt=as_of).filter(~Exists(active_hold))


def unit_rules() -> dict:
    """Effective rule of every Aktenplan unit, computed from one query (parents linked in memory)."""
    units = {u.pk: u for u in AktenplanUnit.objects.all()}
    for unit in units.values():
        if unit.parent_id is not None:
            unit.parent = units[unit.parent_id]
    return {pk: unit.effective_rule() for pk, unit in units.items()}


def due_list(*, as_of: date) -> list[dict]:
    """The due Akten as rows of `aussonderung due` (docs/architecture.md); Aussonderungsart: the Akte's override, else
    the effective rule of its Aktenplan unit."""
    arts = {pk: rule.aussonderungsart for pk, rule in unit_rules().items()}
    rows = (
        due_akten(as_of=as_of)
        .order_by("aufbewahrungsende", "aktenzeichen")
        .values_list(
            "id",
            "aktenzeichen",
            "title",
            "lead_department__code",
            "zda_date",
            "aufbewahrungsende",
            "aussonderungsart",
            "unit_id",
        )
    )
    return [
        {
            "id": pk,
            "aktenzeichen": az,
            "title": title,
            "department": dept,
            "zda": zda,
            "aufbewahrungsende": end,
            "aussonderungsart": art or arts[unit_id],
        }
        for pk, az, title, dept, zda, end, art, unit_id in rows
    ]


def run_get(run: str | int) -> DisposalRun:
    """A run by number or by its ProzessID (UUID)."""
    value = str(run).strip()
    qs = DisposalRun.objects.all()
    found = qs.filter(pk=int(value)).first() if value.isdigit() else qs.filter(uuid=_uuid_or_none(value)).first()
    if found is None:
        raise DisposalError(f"keine Aussonderung {value!r}")
    return found


def _uuid_or_none(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _versions_by_document(document_ids: list[int]) -> dict[int, list[VersionRecord]]:
    by_doc: dict[int, list[VersionRecord]] = defaultdict(list)
    for chunk in _chunks(document_ids):
        qs = (
            DocumentVersion.objects.filter(document_id__in=chunk)
            .select_related("original", "rendition", "scan_record", "document")
            .order_by("document_id", "number")
        )
        for v in qs:
            source_name = v.document.source.replace("\\", "/").rsplit("/", 1)[-1]
            files = tuple(
                FileRecord(
                    role=role,
                    key=obj.key,
                    sha256=obj.sha256,
                    size=obj.size,
                    media_type=obj.media_type,
                    source_name=source_name if role == "original" else "",
                )
                for role, obj in (("rendition", v.rendition), ("original", v.original), ("scan_record", v.scan_record))
                if obj is not None
            )
            by_doc[v.document_id].append(VersionRecord(number=v.number, files=files))
    return by_doc


def akte_records(akte_ids: list[int], *, with_versions: bool = True) -> list[AkteRecord]:
    """Snapshots of the Akten with their Vorgänge, Dokumente and (optionally) versions and stored objects."""
    rules = unit_rules()
    akten = {}
    for chunk in _chunks(list(akte_ids)):
        akten.update({a.pk: a for a in Akte.objects.filter(pk__in=chunk).select_related("unit", "lead_department")})
    docs_by_akte, docs_by_vorgang, vorgaenge_by_akte = defaultdict(list), defaultdict(list), defaultdict(list)
    ids = list(akten)
    documents = [d for chunk in _chunks(ids) for d in Document.objects.filter(akte_id__in=chunk).order_by("date", "pk")]
    versions = _versions_by_document([d.pk for d in documents]) if with_versions else {}
    for d in documents:
        rec = DokumentRecord(
            id=d.pk,
            uuid=str(d.uuid),
            title=d.title,
            date=d.date,
            document_type=d.document_type,
            versions=tuple(versions.get(d.pk, ())),
        )
        (docs_by_vorgang[d.vorgang_id] if d.vorgang_id else docs_by_akte[d.akte_id]).append(rec)
    for chunk in _chunks(ids):
        for v in Vorgang.objects.filter(akte_id__in=chunk).order_by("pk"):
            vorgaenge_by_akte[v.akte_id].append(
                VorgangRecord(id=v.pk, uuid=str(v.uuid), title=v.title, dokumente=tuple(docs_by_vorgang[v.pk]))
            )
    records = []
    for pk in akte_ids:
        a = akten[pk]
        rule = rules[a.unit_id]
        records.append(
            AkteRecord(
                id=a.pk,
                uuid=str(a.uuid),
                aktenzeichen=a.aktenzeichen,
                title=a.title,
                kennzeichen=a.unit.kennzeichen,
                unit_title=a.unit.title,
                department=f"{a.lead_department.code} {a.lead_department.name}",
                vertraulichkeit=a.vertraulichkeit,
                opened_on=a.opened_on,
                zda_date=a.zda_date,
                aufbewahrungsende=a.aufbewahrungsende,
                retention_years=rule.years,
                permanent=rule.permanent,
                aussonderungsart=a.aussonderungsart or rule.aussonderungsart,
                dokumente=tuple(docs_by_akte[pk]),
                vorgaenge=tuple(vorgaenge_by_akte[pk]),
            )
        )
    return records
