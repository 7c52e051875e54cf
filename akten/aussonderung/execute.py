"""Execution of an approved run, the resend of failed objects and the completion after the archive's 0506.

Crash safety: every step is idempotent and its completion is recorded in the database (DisposalTransfer.sha256,
DisposalItem.state), so a run killed at any point and re-run ends in exactly the same state: a 0503 ZIP is
rewritten until it is recorded; each batch of Akten is destroyed in the steps of `destroy.py`; the protocol is
built from the database and rewritten on every call.

V Akten are destroyed by `run_execute`. A Akten are written to a 0503 and wait read-only ("abgegeben, Import
ausstehend") until the archive's 0506 confirms them (`messages.py`); only then `run_complete` removes them with
tombstone and protocol. Objects the archive reports as failed go out again in a new 0503 (`run_resend`)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from dms.audit import audit_record
from dms.faults import fault_point

from ..models import Akte, AkteState, DisposalItem, DisposalRun, DisposalRunState, DisposalTransfer, Hold
from ..models import DisposalItemState as S
from . import DisposalError
from .destroy import destroy_batch, hold_notes, skip_held
from .protocol import protocol_build, protocol_digest, protocol_write
from .selectors import akte_records
from .services import assert_run_state, exchange_outbox_put, message_written, require_archivist
from .transfer import transfer_remove_partial, transfer_write

WAITING = (S.AWAITING_IMPORT, S.IMPORT_FAILED)  # the archive has not (successfully) imported them yet
UNFINISHED = (S.OFFERED, S.EVALUATED, S.REMOVING, S.IMPORT_CONFIRMED)  # this system still has work to do


def run_execute(*, run: DisposalRun, out_dir: Path, by, progress=None) -> DisposalRun:
    """V: destroy; A: write the 0503 and keep the Akten read-only until the 0506. Held Akten are skipped.
    Resumable; on a run awaiting the archive's import it completes what was confirmed (`run_complete`)."""
    require_archivist(by, "Durchführen")
    out_dir = Path(out_dir).resolve()
    run = DisposalRun.objects.get(pk=run.pk)
    if run.state in (DisposalRunState.AWAITING_IMPORT, DisposalRunState.DONE):
        run = _complete(run, by, progress or (lambda n=1: None))
    else:
        assert_run_state(run, DisposalRunState.APPROVED, DisposalRunState.EXECUTING, action="Durchführen")
        run = _start(run, by)
        _skip_held(run, by, [S.EVALUATED])
        first = run.transfers.filter(number=1).first()
        if first is None or not first.sha256:
            items = list(run.items.filter(state=S.EVALUATED, decision="A").order_by("aktenzeichen"))
            if items:
                transfer = first or DisposalTransfer.objects.create(
                    run=run, number=1, prozess_id=run.uuid, created_by=by
                )
                _transfer(run, transfer, items, out_dir, by)
        _destroy(run, by, progress or (lambda n=1: None), Q(state=S.EVALUATED, decision="V"))
        run = _settle(run, by)
        fault_point("done")
    protocol_write(run, out_dir)
    return run


def run_complete(*, run: DisposalRun, by, progress=None) -> DisposalRun:
    """Remove the A Akten the archive confirmed (0506) with tombstone, finish the run when every object is settled,
    and rewrite the protocol next to the first 0503. Called by `message_import` after a 0506; resumable."""
    require_archivist(by, "Abschließen")
    run = DisposalRun.objects.get(pk=run.pk)
    assert_run_state(run, DisposalRunState.AWAITING_IMPORT, DisposalRunState.DONE, action="Abschließen")
    run = _complete(run, by, progress or (lambda n=1: None))
    protocol_write(run, Path(run.transfer_file).parent)
    return run


def run_resend(*, run: DisposalRun, out_dir: Path, by) -> DisposalTransfer:
    """A new 0503 (with its own ProzessID) for the objects the archive reported as failed; they wait for the
    archive's 0506 again. Held Akten are skipped. Resumable: an unrecorded resend is rewritten."""
    require_archivist(by, "Erneut senden")
    out_dir = Path(out_dir).resolve()
    run = DisposalRun.objects.get(pk=run.pk)
    assert_run_state(run, DisposalRunState.AWAITING_IMPORT, action="Erneut senden")
    _skip_held(run, by, [S.IMPORT_FAILED])
    items = list(run.items.filter(state=S.IMPORT_FAILED).order_by("aktenzeichen"))
    if not items:
        _settle(run, by)
        raise DisposalError(f"Aussonderung {run.pk}: kein Objekt mit fehlgeschlagenem Import, nichts erneut zu senden")
    transfer = run.transfers.filter(sha256="").order_by("number").first()
    if transfer is None:
        number = (run.transfers.aggregate(n=Max("number"))["n"] or 0) + 1
        transfer = DisposalTransfer.objects.create(run=run, number=number, prozess_id=uuid.uuid4(), created_by=by)
    _transfer(run, transfer, items, out_dir, by, resend=True)
    transfer.refresh_from_db()
    return transfer


@transaction.atomic
def _start(run: DisposalRun, by) -> DisposalRun:
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    if run.state == DisposalRunState.APPROVED:
        run.state, run.executed_by, run.executing_at = DisposalRunState.EXECUTING, by, timezone.now()
        run.save(update_fields=["state", "executed_by", "executing_at"])
        audit_record(
            actor=by,
            action="aussonderung.execute",
            obj=run,
            before={"state": DisposalRunState.APPROVED},
            after={"state": run.state},
        )
    else:
        audit_record(actor=by, action="aussonderung.resume", obj=run, after={"state": run.state})
    fault_point("started")
    return run


def _skip_held(run: DisposalRun, by, states: list[str]) -> None:
    held = Hold.objects.filter(released_at__isnull=True).values("akte_id")
    items = list(run.items.filter(state__in=states, akte_id__in=held).select_related("akte"))
    notes = hold_notes(i.akte_id for i in items)
    for item in items:
        with transaction.atomic():
            skip_held(item, by, notes[item.akte_id])


def _transfer(
    run: DisposalRun, transfer: DisposalTransfer, items: list[DisposalItem], out_dir: Path, by, resend=False
) -> None:
    """Write the 0503 ZIP, then record it and set its Akten awaiting the import; a crash before the record
    rewrites it (the ZIP is named by the transfer's ProzessID)."""
    prozess_id = str(transfer.prozess_id)
    transfer_remove_partial(out_dir, prozess_id)
    fault_point("transfer_writing")
    path, sha = transfer_write(
        prozess_id=prozess_id,
        created=timezone.now(),
        akten=akte_records([i.akte_id for i in items]),
        out_dir=out_dir,
        on_file=lambda: fault_point("transfer_file"),
    )
    fault_point("transfer_written")
    exchange_outbox_put(path)  # before the record: a crash in between copies the rewritten ZIP again
    with transaction.atomic():
        transfer.file, transfer.sha256 = str(path), sha
        transfer.akte_uuids = [str(i.akte_uuid) for i in items]
        transfer.save(update_fields=["file", "sha256", "akte_uuids"])
        if transfer.number == 1:
            run.transfer_file, run.transfer_sha256 = str(path), sha
            run.save(update_fields=["transfer_file", "transfer_sha256"])
        DisposalItem.objects.filter(pk__in=[i.pk for i in items]).update(
            in_transfer=True, transfer=transfer, state=S.AWAITING_IMPORT, import_error=""
        )
        Akte.objects.filter(pk__in=[i.akte_id for i in items]).update(state=AkteState.ABGABE_AUSSTEHEND)
        message_written(
            run=run,
            kind="0503",
            path=path,
            sha256=sha,
            by=by,
            transfer=transfer,
            summary={"akten": len(items)},
            copy=False,
        )
        audit_record(
            actor=by,
            action="aussonderung.resend" if resend else "aussonderung.transfer",
            obj=run,
            after={
                "file": path.name,
                "sha256": sha,
                "prozess_id": prozess_id,
                "number": transfer.number,
                "akten": [i.aktenzeichen for i in items],
            },
        )


def _destroy(run: DisposalRun, by, progress, which: Q) -> None:
    pending = list(run.items.filter(which | Q(state=S.REMOVING)).order_by("aktenzeichen").values_list("pk", flat=True))
    batch = settings.DMS_AUSSONDERUNG_BATCH
    for i in range(0, len(pending), batch):
        destroy_batch(pending[i : i + batch], run, by)
        progress(len(pending[i : i + batch]))


def _complete(run: DisposalRun, by, progress) -> DisposalRun:
    if run.state == DisposalRunState.DONE:
        return run
    _destroy(run, by, progress, Q(state=S.IMPORT_CONFIRMED))
    return _settle(run, by)


@transaction.atomic
def _settle(run: DisposalRun, by) -> DisposalRun:
    """Unevaluated Akten go back to z.d.A.; the run waits for the archive while objects are not imported, else it
    is done. The protocol is built from the database (each time) and its hash audited."""
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    if run.state == DisposalRunState.DONE:
        return run
    open_items = run.items.filter(state__in=UNFINISHED).count()
    if open_items:
        raise DisposalError(
            f"Aussonderung {run.pk}: {open_items} Akten sind nicht fertig bearbeitet; bitte erneut durchführen"
        )
    now = timezone.now()
    not_evaluated = run.items.filter(state=S.NOT_EVALUATED)
    Akte.objects.filter(pk__in=not_evaluated.values("akte_id"), state=AkteState.ANGEBOTEN).update(state=AkteState.ZDA)
    not_evaluated.filter(finished_at__isnull=True).update(finished_at=now)
    waiting = run.items.filter(state__in=WAITING).count()
    before = {"state": run.state}
    if waiting:
        run.state = DisposalRunState.AWAITING_IMPORT
        action = "aussonderung.awaiting_import"
    else:
        run.state, run.done_at = DisposalRunState.DONE, now
        action = "aussonderung.done"
    run.protocol = protocol_build(run)
    protocol_sha256 = protocol_digest(run.protocol)
    changed = protocol_sha256 != run.protocol_sha256 or before["state"] != run.state
    run.protocol_sha256 = protocol_sha256
    run.save(update_fields=["state", "done_at", "protocol", "protocol_sha256"])
    if changed:
        audit_record(
            actor=by,
            action=action,
            obj=run,
            before=before,
            after={
                "state": run.state,
                "protocol_sha256": run.protocol_sha256,
                "summary": run.protocol["summary"],
                "awaiting_import": waiting,
            },
        )
    return run
