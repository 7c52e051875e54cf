"""Destruction of a batch of Akten (V, and A once the archive's 0506 confirmed their import), in steps recorded in
DisposalItem.state:
1. rows (one transaction): tombstones, content rows deleted (the pre_delete hold guard still applies), index
   deletes in the outbox, Akte state vernichtet/abgegeben, one audit event per Akte -> items `removing`;
2. stored objects no remaining row references, deleted from the store (threads), then their rows;
3. index entries removed at once; 4. items `destroyed`/`transferred` with the object results.
Steps 2-4 are idempotent and repeated for `removing` items after a crash; step 1 is all or nothing."""

import functools
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.utils import timezone

from dms.audit import AuditEntry, audit_record, audit_record_many
from dms.faults import fault_point
from dms.models import StoredObject
from dms.outbox import index_remove_now, outbox_enqueue
from dms.storage import ObjectLocked, get_storage

from ..models import (
    Akte,
    AkteState,
    DisposalItem,
    DisposalRun,
    Document,
    DocumentVersion,
    Hold,
    Page,
    Tombstone,
    Vorgang,
)
from ..models import DisposalItemState as S
from . import DisposalError
from .records import AkteRecord
from .selectors import akte_records

STORAGE_THREADS = 8  # deletes are I/O bound (unlink + journal, or an HTTP round trip on S3)


def hold_notes(akte_ids) -> dict[int, str]:
    notes: dict[int, list[str]] = {}
    for h in Hold.objects.filter(akte_id__in=list(akte_ids), released_at__isnull=True).order_by("pk"):
        notes.setdefault(h.akte_id, []).append(f"Löschsperre #{h.pk}: {h.described}")
    return {akte_id: "; ".join(parts) for akte_id, parts in notes.items()}


def skip_held(item: DisposalItem, by, note: str) -> None:
    """Holds win: the Akte stays as it is and goes back to z.d.A.; releasing the hold later changes nothing."""
    if item.in_transfer:
        note += " (in der 0503 an das Archiv enthalten; die Akte bleibt hier erhalten)"
    item.state, item.note, item.finished_at = S.SKIPPED_HOLD, note, timezone.now()
    item.save(update_fields=["state", "note", "finished_at"])
    Akte.objects.filter(pk=item.akte_id).update(state=AkteState.ZDA)
    audit_record(actor=by, action="aussonderung.skip", obj=item.akte, after={"run": item.run_id, "reason": note})


def _reverse_relations(model) -> list:
    """Every relation pointing at `model`, including hidden ones (related_name="+")."""
    return [
        f for f in model._meta.get_fields(include_hidden=True) if f.is_relation and f.auto_created and not f.concrete
    ]


@functools.cache
def _bulk_deletable() -> bool:
    """Pages and versions may skip the ORM's collector only while nothing but Page.version points at them."""
    return [r.field for r in _reverse_relations(DocumentVersion)] == [
        Page._meta.get_field("version")
    ] and not _reverse_relations(Page)


def _delete_rows(model, field: str, ids: list) -> None:
    """`DELETE FROM <model> WHERE <field> IN ids` in SQL, past the ORM's collector, which would load every row to
    send its pre_delete (the hold guard's receivers are connected); the hold check was done for the batch. The
    table and column names are plain identifiers (`dms_page.version_id`), so they need no quoting."""
    table, column = model._meta.db_table, model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(ids))})", ids)


def _contents(rec: AkteRecord) -> dict:
    def dok(d, vorgang=None):
        return {
            "uuid": d.uuid,
            "title": d.title,
            "date": d.date,
            "type": d.document_type,
            "vorgang": vorgang,
            "versions": [
                {
                    "number": v.number,
                    "objects": [
                        {"role": f.role, "sha256": f.sha256, "size": f.size, "media_type": f.media_type}
                        for f in v.files
                    ],
                }
                for v in d.versions
            ],
        }

    contents = {
        "vorgaenge": [{"uuid": v.uuid, "title": v.title} for v in rec.vorgaenge],
        "dokumente": [dok(d) for d in rec.dokumente] + [dok(d, v.uuid) for v in rec.vorgaenge for d in v.dokumente],
    }
    return json.loads(json.dumps(contents, default=str))


@transaction.atomic
def remove_rows(item_ids: list[int], run: DisposalRun, by) -> None:
    """Step 1 for the batch's `evaluated` (V) and `import_confirmed` (A) items: all or nothing, so no Akte is ever
    half destroyed. An archivwürdig Akte is removed only after the archive confirmed its import (0506)."""
    items = list(
        DisposalItem.objects.select_for_update()
        .select_related("akte")
        .filter(pk__in=item_ids, state__in=[S.EVALUATED, S.IMPORT_CONFIRMED])
        .order_by("aktenzeichen")
    )
    notes = hold_notes(i.akte_id for i in items)
    for item in items:
        if item.akte_id in notes:
            skip_held(item, by, notes[item.akte_id])
        elif item.decision == "A" and item.state != S.IMPORT_CONFIRMED:
            raise DisposalError(
                f"{item.aktenzeichen}: archivwürdig, aber der Import im Archiv ist nicht bestätigt (0506); "
                "nicht gelöscht"
            )
    items = [i for i in items if i.akte_id not in notes]
    if not items:
        return
    records = {r.id: r for r in akte_records([i.akte_id for i in items])}
    akte_ids = list(records)
    Tombstone.objects.bulk_create(
        [
            Tombstone(
                item=i,
                run=run,
                akte=i.akte,
                aktenzeichen=i.aktenzeichen,
                akte_uuid=i.akte.uuid,
                title=i.akte.title,
                kennzeichen=records[i.akte_id].kennzeichen,
                department=records[i.akte_id].department,
                opened_on=i.akte.opened_on,
                zda_date=i.akte.zda_date,
                aufbewahrungsende=i.akte.aufbewahrungsende,
                disposition="abgegeben" if i.decision == "A" else "vernichtet",
                decision=i.decision,
                proposed_by=run.proposed_by.username,
                evaluated_by=run.evaluated_by.username,
                approved_by=run.approved_by.username,
                executed_by=by.username,
                contents=_contents(records[i.akte_id]),
            )
            for i in items
        ]
    )
    # Pages and versions in bulk (holds were checked above, in this transaction); then every Document and
    # Vorgang through the ORM, so the pre_delete hold guard still sees each of them and a hold that came in
    # meanwhile rolls the whole batch back.
    if _bulk_deletable():
        version_ids = list(DocumentVersion.objects.filter(document__akte_id__in=akte_ids).values_list("pk", flat=True))
        for i in range(0, len(version_ids), 500):
            _delete_rows(Page, "version", version_ids[i : i + 500])
            _delete_rows(DocumentVersion, "id", version_ids[i : i + 500])
    Document.objects.filter(akte_id__in=akte_ids).delete()
    Vorgang.objects.filter(akte_id__in=akte_ids).delete()
    fault_point("rows_removing")  # killed here: the transaction rolls back, every Akte of the batch is untouched
    doc_ids = {i.pk: [d.id for d in records[i.akte_id].all_dokumente()] for i in items}
    outbox_enqueue(document_ids=[d for ids in doc_ids.values() for d in ids], op="delete")
    for decision, state in (("A", AkteState.ABGEGEBEN), ("V", AkteState.VERNICHTET)):
        Akte.objects.filter(pk__in=[i.akte_id for i in items if i.decision == decision]).update(state=state)
    entries = []
    for item in items:
        objects = {f.key: f.sha256 for f in records[item.akte_id].all_files()}
        item.state, item.document_ids = S.REMOVING, doc_ids[item.pk]
        item.object_keys = [{"key": k, "sha256": sha} for k, sha in objects.items()]
        entries.append(
            AuditEntry(
                f"akte.{'abgegeben' if item.decision == 'A' else 'vernichtet'}",
                obj=item.akte,
                before={"state": item.akte.state},
                after={
                    "state": AkteState.ABGEGEBEN if item.decision == "A" else AkteState.VERNICHTET,
                    "run": run.pk,
                    "documents": len(item.document_ids),
                    "sha256": sorted(objects.values()),
                },
            )
        )
    audit_record_many(actor=by, entries=entries)
    _bulk_set(items, ["state", "document_ids", "object_keys"])


def _bulk_set(items: list[DisposalItem], fields: list[str]) -> None:
    """One executemany UPDATE for the batch (pipelined by psycopg): per-row ORM updates cost more round trips
    and Python than the work itself, and bulk_update's CASE expressions are slower still."""
    meta, qn = DisposalItem._meta, connection.ops.quote_name
    columns = [meta.get_field(f) for f in fields]
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(c.column)} = %s' for c in columns)} "
        f"WHERE {qn(meta.pk.column)} = %s"
    )
    params = [[c.get_db_prep_save(getattr(item, c.attname), connection) for c in columns] + [item.pk] for item in items]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _referenced_ids(ids: list[int]) -> set[int]:
    """Objects some remaining row still points at (a version of another document, or any other model)."""
    used: set[int] = set()
    for rel in _reverse_relations(StoredObject):
        field = rel.field
        used |= set(
            field.model._base_manager.filter(**{f"{field.name}__in": ids}).values_list(field.attname, flat=True)
        )
    return used


def _delete_from_store(key: str) -> str:
    try:
        get_storage().delete(key)
    except ObjectLocked as exc:
        return f"locked: until {exc.until.isoformat()}" if exc.until else "locked: legal hold"
    return "deleted"


def remove_objects(keys: list[str]) -> dict[str, str]:
    """Step 2: key -> deleted | shared | locked: <why>. Content-addressed objects can be shared, so an object
    goes only when no remaining row references it; its row goes only after the store deleted it, so a locked
    object keeps its row (for `verify`) and a crash between the two is repaired by the re-run."""
    results: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        rows = dict(StoredObject.objects.filter(key__in=chunk).values_list("key", "pk"))
        used = _referenced_ids(list(rows.values()))
        todo = [k for k in chunk if rows.get(k) not in used]
        results.update({k: "shared" for k in chunk if rows.get(k) in used})
        with ThreadPoolExecutor(STORAGE_THREADS) as pool:
            results.update(zip(todo, pool.map(_delete_from_store, todo), strict=False))
        fault_point("object_deleting")  # killed here: objects gone, rows kept; the re-run deletes the rows
        gone = [rows[k] for k in todo if results[k] == "deleted" and k in rows]
        StoredObject.objects.filter(pk__in=gone).delete()
        fault_point("object_removed")
    return results


def remove_index(items: list[DisposalItem]) -> None:
    """Step 3: out of the index at once; the outbox delete rows written in step 1 repeat it for the indexer."""
    doc_ids = [doc_id for item in items for doc_id in item.document_ids]
    if doc_ids:
        index_remove_now(document_ids=doc_ids)  # the index port (dms/outbox.py); the search app fills it
    fault_point("index_removed")


@transaction.atomic
def finish_items(items: list[DisposalItem], run: DisposalRun, by) -> None:
    """Step 4: the items are done; one audit event for the batch's objects (counts, and what is locked)."""
    now = timezone.now()
    for item in items:
        item.state = S.TRANSFERRED if item.decision == "A" else S.DESTROYED
        item.finished_at = now
    _bulk_set(items, ["state", "finished_at", "object_results"])
    results = Counter(r.split(":")[0] for item in items for r in item.object_results.values())
    locked = {sha: r for item in items for sha, r in item.object_results.items() if r.startswith("locked")}
    audit_record(
        actor=by,
        action="aussonderung.objects_removed",
        obj=run,
        after={"akten": [i.aktenzeichen for i in items], "objects": dict(results), "locked": locked},
    )
    fault_point("items_finished")


def destroy_batch(item_ids: list[int], run: DisposalRun, by) -> None:
    remove_rows(item_ids, run, by)
    fault_point("rows_removed")
    items = list(DisposalItem.objects.filter(pk__in=item_ids, state=S.REMOVING).order_by("aktenzeichen"))
    if not items:
        return
    keys = list(dict.fromkeys(o["key"] for item in items for o in item.object_keys))
    results = remove_objects(keys)
    for item in items:
        item.object_results = {o["sha256"]: results[o["key"]] for o in item.object_keys}
    remove_index(items)
    finish_items(items, run, by)
