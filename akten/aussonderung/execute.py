"""Execution of an approved run. Crash safety: every step is idempotent and its completion is recorded in the
database (run.transfer_sha256, DisposalItem.state), so a run killed at any point and re-run ends in exactly the
same final state: the 0503 ZIP is rewritten until it is recorded; each batch of Akten is destroyed in the
steps of `destroy.py`; the protocol is built from the database and rewritten on every call."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dms.audit import audit_record
from dms.faults import fault_point

from ..models import Akte, AkteState, DisposalItem, DisposalRun, DisposalRunState, Hold
from ..models import DisposalItemState as S
from . import DisposalError
from .destroy import destroy_batch, hold_notes, skip_held
from .protocol import protocol_build, protocol_digest, protocol_write
from .selectors import akte_records
from .services import assert_run_state, require_archivist
from .transfer import transfer_remove_partial, transfer_write


def run_execute(*, run: DisposalRun, out_dir: Path, by, progress=None) -> DisposalRun:
    """A: write the 0503 transfer, then remove locally; V: destroy. Held Akten are skipped. Resumable."""
    require_archivist(by, "execute")
    out_dir = Path(out_dir).resolve()
    run = DisposalRun.objects.get(pk=run.pk)
    if run.state != DisposalRunState.DONE:
        assert_run_state(run, DisposalRunState.APPROVED, DisposalRunState.EXECUTING, action="execute")
        run = _start(run, by)
        _skip_held(run, by)
        if not run.transfer_sha256:
            _transfer(run, out_dir, by)
        _destroy_all(run, by, progress or (lambda n=1: None))
        run = _finish(run, by)
        fault_point("done")
    protocol_write(run, out_dir)
    return run


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


def _skip_held(run: DisposalRun, by) -> None:
    held = Hold.objects.filter(released_at__isnull=True).values("akte_id")
    items = list(run.items.filter(state=S.EVALUATED, akte_id__in=held).select_related("akte"))
    notes = hold_notes(i.akte_id for i in items)
    for item in items:
        with transaction.atomic():
            skip_held(item, by, notes[item.akte_id])


def _transfer(run: DisposalRun, out_dir: Path, by) -> None:
    """Write the 0503 ZIP for the A Akten not on hold, then record it; a crash before the record rewrites it."""
    transfer_remove_partial(out_dir, str(run.uuid))
    items = list(run.items.filter(state=S.EVALUATED, decision="A").order_by("aktenzeichen"))
    if not items:
        return
    fault_point("transfer_writing")
    path, sha = transfer_write(
        prozess_id=str(run.uuid),
        created=timezone.now(),
        akten=akte_records([i.akte_id for i in items]),
        out_dir=out_dir,
        on_file=lambda: fault_point("transfer_file"),
    )
    fault_point("transfer_written")
    with transaction.atomic():
        run.transfer_file, run.transfer_sha256 = str(path), sha
        run.save(update_fields=["transfer_file", "transfer_sha256"])
        DisposalItem.objects.filter(pk__in=[i.pk for i in items]).update(in_transfer=True)
        audit_record(
            actor=by,
            action="aussonderung.transfer",
            obj=run,
            after={"file": path.name, "sha256": sha, "akten": [i.aktenzeichen for i in items]},
        )


def _destroy_all(run: DisposalRun, by, progress) -> None:
    pending = list(
        run.items.filter(state__in=[S.EVALUATED, S.REMOVING]).order_by("aktenzeichen").values_list("pk", flat=True)
    )
    batch = settings.DMS_AUSSONDERUNG_BATCH
    for i in range(0, len(pending), batch):
        destroy_batch(pending[i : i + batch], run, by)
        progress(len(pending[i : i + batch]))


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
    audit_record(
        actor=by,
        action="aussonderung.done",
        obj=run,
        before={"state": DisposalRunState.EXECUTING},
        after={"state": run.state, "protocol_sha256": run.protocol_sha256, "summary": run.protocol["summary"]},
    )
    return run
