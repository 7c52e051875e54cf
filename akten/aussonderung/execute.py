"""Execution of an approved run. Crash safety: each step is idempotent and its completion is recorded in the
database (run.transfer_sha256, DisposalItem.state), so a run killed at any point and re-run ends in exactly
the same final state. Per Akte: its rows go in one transaction (never half destroyed, a tombstone and one
audit event, never twice); its stored objects and index entries are removed after that commit and the
removal is repeated until the item is marked finished."""
import os
import signal
import time
from collections import Counter
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from dms.audit import audit_record
from dms.models import Document, DocumentVersion, StoredObject
from dms.storage import ObjectLocked, get_storage
from search.outbox import outbox_enqueue

from ..models import (Akte, AkteState, DisposalItem, DisposalItemState as S, DisposalRun, DisposalRunState, Hold,
                      Tombstone, Vorgang)
from . import DisposalError
from .protocol import protocol_build, protocol_digest, protocol_write
from .records import AkteRecord
from .selectors import akte_records
from .services import _assert_state, require_archivist
from .transfer import transfer_remove_partial, transfer_write

CHUNK = 100
KILL_ENV = "DMS_AUSSONDERUNG_KILL_AT"  # crash tests: `step` or `step#n` -> SIGKILL this process there
DELAY_ENV = "DMS_AUSSONDERUNG_STEP_DELAY"  # crash tests: seconds to sleep at every step
_step_counts: Counter = Counter()


def _step(name: str) -> None:
    """Test hook marking a point where a crash must be survivable; inert unless the env asks for it."""
    target = os.environ.get(KILL_ENV)
    if target:
        _step_counts[name] += 1
        if target in (name, f"{name}#{_step_counts[name]}"):
            os.kill(os.getpid(), signal.SIGKILL)
    if delay := os.environ.get(DELAY_ENV):
        time.sleep(float(delay))


def run_execute(*, run: DisposalRun, out_dir: Path, by, progress=None) -> DisposalRun:
    """A: write the 0503 transfer, then remove locally; V: destroy. Held Akten are skipped. Resumable."""
    require_archivist(by, "execute")
    out_dir = Path(out_dir).resolve()
    run = DisposalRun.objects.get(pk=run.pk)
    if run.state != DisposalRunState.DONE:
        _assert_state(run, DisposalRunState.APPROVED, DisposalRunState.EXECUTING, action="execute")
        run = _start(run, by)
        _skip_held(run, by)
        if not run.transfer_sha256:
            _transfer(run, out_dir, by)
        _destroy_all(run, by, progress or (lambda n=1: None))
        run = _finish(run, by)
        _step("done")
    protocol_write(run, out_dir)
    return run


@transaction.atomic
def _start(run: DisposalRun, by) -> DisposalRun:
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    if run.state == DisposalRunState.APPROVED:
        run.state, run.executed_by, run.executing_at = DisposalRunState.EXECUTING, by, timezone.now()
        run.save(update_fields=["state", "executed_by", "executing_at"])
        audit_record(actor=by, action="aussonderung.execute", obj=run, before={"state": DisposalRunState.APPROVED},
                     after={"state": run.state})
    else:
        audit_record(actor=by, action="aussonderung.resume", obj=run, after={"state": run.state})
    _step("started")
    return run


def _hold_note(akte_id) -> str:
    holds = Hold.objects.filter(akte_id=akte_id, released_at__isnull=True).order_by("pk")
    return "; ".join(f"Löschsperre #{h.pk}: {h.reason}" for h in holds)


def _skip_one(item: DisposalItem, by, note: str) -> None:
    """Holds win: the Akte stays as it is and goes back to z.d.A.; releasing the hold later changes nothing here."""
    if item.in_transfer:
        note += " (included in the 0503 transfer; the local copy is kept)"
    item.state, item.note, item.finished_at = S.SKIPPED_HOLD, note, timezone.now()
    item.save(update_fields=["state", "note", "finished_at"])
    Akte.objects.filter(pk=item.akte_id).update(state=AkteState.ZDA)
    audit_record(actor=by, action="aussonderung.skip", obj=item.akte, after={"run": item.run_id, "reason": note})


def _skip_held(run: DisposalRun, by) -> None:
    held = Hold.objects.filter(released_at__isnull=True).values("akte_id")
    for item in run.items.filter(state=S.EVALUATED, akte_id__in=held).select_related("akte"):
        with transaction.atomic():
            _skip_one(item, by, _hold_note(item.akte_id))


def _transfer(run: DisposalRun, out_dir: Path, by) -> None:
    """Write the 0503 ZIP for the A Akten not on hold, then record it; a crash before the record rewrites it."""
    transfer_remove_partial(out_dir, str(run.uuid))
    items = list(run.items.filter(state=S.EVALUATED, decision="A").order_by("aktenzeichen"))
    if not items:
        return
    _step("transfer_writing")
    path, sha = transfer_write(prozess_id=str(run.uuid), created=timezone.now(),
                               akten=akte_records([i.akte_id for i in items]), out_dir=out_dir)
    _step("transfer_written")
    with transaction.atomic():
        run.transfer_file, run.transfer_sha256 = str(path), sha
        run.save(update_fields=["transfer_file", "transfer_sha256"])
        DisposalItem.objects.filter(pk__in=[i.pk for i in items]).update(in_transfer=True)
        audit_record(actor=by, action="aussonderung.transfer", obj=run,
                     after={"file": path.name, "sha256": sha, "akten": [i.aktenzeichen for i in items]})


def _destroy_all(run: DisposalRun, by, progress) -> None:
    pending = list(run.items.filter(state__in=[S.EVALUATED, S.REMOVING]).order_by("aktenzeichen")
                   .values_list("pk", flat=True))
    for i in range(0, len(pending), CHUNK):
        items = list(DisposalItem.objects.filter(pk__in=pending[i:i + CHUNK]).select_related("akte")
                     .order_by("aktenzeichen"))
        removing = [item for item in (_remove_rows(item, run, by) for item in items) if item.state == S.REMOVING]
        _remove_objects(removing)
        _remove_index(removing)
        _finish_items(removing, run, by)
        progress(len(items))


def _tombstone_contents(rec: AkteRecord) -> dict:
    def dok(d, vorgang=None):
        return {"uuid": d.uuid, "title": d.title, "date": d.date, "type": d.document_type, "vorgang": vorgang,
                "versions": [{"number": v.number, "objects": [
                    {"role": f.role, "sha256": f.sha256, "size": f.size, "media_type": f.media_type}
                    for f in v.files]} for v in d.versions]}

    return {"vorgaenge": [{"uuid": v.uuid, "title": v.title} for v in rec.vorgaenge],
            "dokumente": [dok(d) for d in rec.dokumente]
            + [dok(d, v.uuid) for v in rec.vorgaenge for d in v.dokumente]}


def _remove_rows(item: DisposalItem, run: DisposalRun, by) -> DisposalItem:
    """One transaction per Akte: tombstone, content rows deleted (the pre_delete hold guard still applies),
    index deletes in the outbox, Akte state vernichtet/abgegeben, one audit event."""
    if item.state != S.EVALUATED:
        return item
    with transaction.atomic():
        item = DisposalItem.objects.select_for_update().select_related("akte").get(pk=item.pk)
        if item.state != S.EVALUATED:
            return item
        note = _hold_note(item.akte_id)
        if note:
            _skip_one(item, by, note)
            return item
        if item.decision == "A" and not item.in_transfer:
            raise DisposalError(f"{item.aktenzeichen}: archivwürdig but not in the 0503 transfer; not removed")
        akte = item.akte
        rec = akte_records([akte.pk])[0]
        disposition = "abgegeben" if item.decision == "A" else "vernichtet"
        Tombstone.objects.create(
            item=item, run=run, akte=akte, aktenzeichen=akte.aktenzeichen, akte_uuid=akte.uuid, title=akte.title,
            kennzeichen=rec.kennzeichen, department=rec.department, opened_on=akte.opened_on, zda_date=akte.zda_date,
            aufbewahrungsende=akte.aufbewahrungsende, disposition=disposition, decision=item.decision,
            proposed_by=run.proposed_by.username, evaluated_by=run.evaluated_by.username,
            approved_by=run.approved_by.username, executed_by=by.username,
            contents=_json_dates(_tombstone_contents(rec)),
        )
        doc_ids = [d.id for d in rec.all_dokumente()]
        Document.objects.filter(akte=akte).delete()  # cascades to versions and pages
        Vorgang.objects.filter(akte=akte).delete()
        _step("rows_removing")  # killed here: the transaction rolls back, the Akte is untouched
        outbox_enqueue(document_ids=doc_ids, op="delete")
        before = akte.state
        akte.state = AkteState.ABGEGEBEN if item.decision == "A" else AkteState.VERNICHTET
        akte.save(update_fields=["state"])
        objects = {f.key: f.sha256 for f in rec.all_files()}
        item.state, item.document_ids = S.REMOVING, doc_ids
        item.object_keys = [{"key": k, "sha256": sha} for k, sha in objects.items()]
        item.save(update_fields=["state", "document_ids", "object_keys"])
        audit_record(actor=by, action=f"akte.{disposition}", obj=akte, before={"state": before},
                     after={"state": akte.state, "run": run.pk, "documents": len(doc_ids),
                            "sha256": sorted(objects.values())})
    _step("rows_removed")
    return item


def _json_dates(value):
    import json

    return json.loads(json.dumps(value, default=str))


def _referenced(obj: StoredObject) -> bool:
    return DocumentVersion.objects.filter(
        Q(original_id=obj.pk) | Q(rendition_id=obj.pk) | Q(scan_record_id=obj.pk)).exists()


class _Locked(Exception):
    def __init__(self, exc: ObjectLocked):
        super().__init__(f"until {exc.until.isoformat()}" if exc.until else "legal hold")


def _remove_object(key: str) -> str:
    """Delete an object no remaining version references (content-addressed objects can be shared). The row
    goes only when the store deleted the object, so a locked object keeps its row and a crash repeats this."""
    try:
        with transaction.atomic():
            obj = StoredObject.objects.select_for_update().filter(key=key).first()
            if obj is not None:
                if _referenced(obj):
                    return "shared"
                try:
                    obj.delete()
                except ProtectedError:
                    return "shared"
            try:
                get_storage().delete(key)
            except ObjectLocked as exc:
                raise _Locked(exc) from None  # rolls the row deletion back
            _step("object_deleting")  # killed here: object gone, row kept; the re-run deletes the row
    except _Locked as exc:
        return f"locked: {exc}"
    return "deleted"


def _remove_objects(items: list[DisposalItem]) -> None:
    for item in items:
        results = dict(item.object_results or {})
        for obj in item.object_keys:
            if results.get(obj["sha256"]) != "deleted":
                results[obj["sha256"]] = _remove_object(obj["key"])
                _step("object_removed")
        item.object_results = results


def _remove_index(items: list[DisposalItem]) -> None:
    from search.services import index_remove_documents

    doc_ids = [doc_id for item in items for doc_id in item.document_ids]
    if doc_ids:
        index_remove_documents(document_ids=doc_ids)
    _step("index_removed")


@transaction.atomic
def _finish_items(items: list[DisposalItem], run: DisposalRun, by) -> None:
    if not items:
        return
    now = timezone.now()
    for item in items:
        item.state = S.TRANSFERRED if item.decision == "A" else S.DESTROYED
        item.finished_at = now
    DisposalItem.objects.bulk_update(items, ["state", "finished_at", "object_results"])
    results = Counter(r.split(":")[0] for item in items for r in item.object_results.values())
    locked = {sha: r for item in items for sha, r in item.object_results.items() if r.startswith("locked")}
    audit_record(actor=by, action="aussonderung.objects_removed", obj=run,
                 after={"akten": [i.aktenzeichen for i in items], "objects": dict(results), "locked": locked})
    _step("items_finished")


@transaction.atomic
def _finish(run: DisposalRun, by) -> DisposalRun:
    """Unevaluated Akten go back to z.d.A.; the protocol is built from the database and its hash audited."""
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    if run.state == DisposalRunState.DONE:
        return run
    open_items = run.items.filter(state__in=[S.OFFERED, S.EVALUATED, S.REMOVING]).count()
    if open_items:
        raise DisposalError(f"disposal run {run.pk}: {open_items} Akten are not finished; run execute again")
    now = timezone.now()
    not_evaluated = run.items.filter(state=S.NOT_EVALUATED)
    Akte.objects.filter(pk__in=not_evaluated.values("akte_id"), state=AkteState.ANGEBOTEN).update(state=AkteState.ZDA)
    not_evaluated.filter(finished_at__isnull=True).update(finished_at=now)
    run.state, run.done_at = DisposalRunState.DONE, now
    run.protocol = protocol_build(run)
    run.protocol_sha256 = protocol_digest(run.protocol)
    run.save(update_fields=["state", "done_at", "protocol", "protocol_sha256"])
    audit_record(actor=by, action="aussonderung.done", obj=run, before={"state": DisposalRunState.EXECUTING},
                 after={"state": run.state, "protocol_sha256": run.protocol_sha256,
                        "summary": run.protocol["summary"]})
    return run
