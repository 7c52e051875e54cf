"""Reading the archive's xdomea messages (docs/architecture.md, "From scanner to search hit and to the archive",
step 7): 0502 Bewertungsverzeichnis, 0504 AnbietungEmpfangBestaetigen, 0506 AussonderungImportBestaetigen and
0507 AussonderungEmpfangBestaetigen, recognised by their root element. A message is validated against the schema
first and then refused whole, with a German reason naming the file, for an unknown ProzessID, an object not in
the run (or not awaiting import in the 0503 it answers) and a repeat; nothing of a refused message is applied."""

import logging
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dms.audit import audit_record

from ..models import DisposalItemState as S
from ..models import DisposalMessage, DisposalRun, DisposalRunState, DisposalTransfer
from . import DisposalError
from .execute import run_complete
from .services import apply_0502, read_message, refuse_repeat, require_archivist, run_for_prozess_id
from .xdomea import TITLES, XdomeaError, clip, parse_message

log = logging.getLogger(__name__)


def message_import(
    *, path: Path, by, data: bytes | None = None, name: str | None = None, complete: bool = True
) -> tuple[DisposalRun, dict]:
    """Read one message from the archive (XML or xdomea ZIP at `path`, or its bytes in `data` with the file `name`
    for uploads) and apply it. Returns the run and a report: {"kind", "run", "prozess_id", "state", ...}. After a
    0506, the confirmed Akten are removed at once (`run_complete`); with `complete=False` they are left confirmed
    (item state import_confirmed, report["complete_pending"] their number) for the caller to remove later with
    `run_complete` (the archive workspace does it in its background worker: a big run takes a while)."""
    require_archivist(by, "Nachricht des Archivs einlesen")
    path = Path(path)
    source = name or str(path)
    data = read_message(path) if data is None else data
    try:
        message = parse_message(data, source=source)
    except XdomeaError as exc:
        raise DisposalError(str(exc)) from None
    if message.kind == "0502":
        with transaction.atomic():
            return apply_0502(message.bewertung, data=data, path=path, source=source, by=by)
    if message.kind == "0504":
        return _receipt_0504(message, data=data, path=path, source=source, by=by)
    if message.kind == "0507":
        return _receipt_0507(message, data=data, path=path, source=source, by=by)
    run, report = _import_0506(message, data=data, path=path, source=source, by=by)
    if report["confirmed"] and not complete:
        report["complete_pending"] = len(report["confirmed"])
    elif report["confirmed"]:
        try:
            run = run_complete(run=run, by=by)
        except Exception as exc:  # the 0506 is recorded; the removal resumes with `aussonderung complete`
            log.exception("Aussonderung %s: removing the confirmed Akten was interrupted", run.pk)
            run = DisposalRun.objects.get(pk=run.pk)
            report["complete_error"] = (
                f"Die Importbestätigung ist übernommen, das Löschen der bestätigten Akten wurde unterbrochen ({exc}); "
                f"es wird mit „aussonderung complete {run.pk}“ oder erneutem Durchführen fortgesetzt"
            )
    report["state"] = run.state
    return run, report


def _record(*, run, kind, path, sha, by, transfer=None, summary=None) -> DisposalMessage:
    return DisposalMessage.objects.create(
        run=run,
        transfer=transfer,
        kind=kind,
        direction="in",
        file=str(Path(path).resolve()),
        sha256=sha,
        by=by,
        summary=summary or {},
    )


def _already(run, kind: str, *, transfer=None):
    qs = DisposalMessage.objects.filter(run=run, kind=kind, direction="in")
    return (qs.filter(transfer=transfer) if transfer else qs).first()


@transaction.atomic
def _receipt_0504(message, *, data, path, source, by):
    """The archive received the 0501 Anbieteverzeichnis."""
    sha = refuse_repeat(data, source=source)
    run = run_for_prozess_id(message.prozess_id, source=source)
    if run.state in (DisposalRunState.PROPOSED, DisposalRunState.CANCELLED):
        raise DisposalError(
            f"{source}: Aussonderung {run.pk} ist {run.get_state_display()}; eine Empfangsbestätigung des "
            "Anbieteverzeichnisses (0504) passt nicht dazu"
        )
    seen = _already(run, "0504")
    if seen is not None:
        raise DisposalError(
            f"{source}: der Empfang des Anbieteverzeichnisses von Aussonderung {run.pk} ist bereits bestätigt "
            f"({Path(seen.file).name}); die Nachricht wird nicht ein zweites Mal angewendet"
        )
    _record(run=run, kind="0504", path=path, sha=sha, by=by)
    audit_record(actor=by, action="aussonderung.receipt_0504", obj=run, after={"file": Path(path).name, "sha256": sha})
    return run, {"kind": "0504", "run": run.pk, "prozess_id": str(run.uuid), "state": run.state, "confirms": "0501"}


def _transfer_for(prozess_id: str, *, source: str, kind: str) -> DisposalTransfer:
    transfer = (
        DisposalTransfer.objects.select_for_update()
        .select_related("run")
        .filter(prozess_id=prozess_id)
        .exclude(sha256="")
        .first()
    )
    if transfer is None:
        known = DisposalRun.objects.filter(uuid=prozess_id).first()
        why = (
            f"Aussonderung {known.pk} hat unter dieser ProzessID keine Aussonderung (0503) gesendet"
            if known
            else "sie gehört zu keiner Aussonderung"
        )
        raise DisposalError(f"{source}: {TITLES[kind]} ({kind}) mit ProzessID {prozess_id}: {why}")
    return transfer


@transaction.atomic
def _receipt_0507(message, *, data, path, source, by):
    """The archive received a 0503."""
    sha = refuse_repeat(data, source=source)
    transfer = _transfer_for(message.prozess_id, source=source, kind="0507")
    run = transfer.run
    if transfer.received_at is not None:
        raise DisposalError(
            f"{source}: der Empfang der 0503 Nr. {transfer.number} von Aussonderung {run.pk} ist bereits am "
            f"{timezone.localtime(transfer.received_at):%d.%m.%Y %H:%M} bestätigt; die Nachricht wird nicht ein "
            "zweites Mal angewendet"
        )
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["received_at"])
    _record(run=run, kind="0507", path=path, sha=sha, by=by, transfer=transfer)
    audit_record(
        actor=by,
        action="aussonderung.receipt_0507",
        obj=run,
        after={"file": Path(path).name, "sha256": sha, "transfer": transfer.number},
    )
    return run, {
        "kind": "0507",
        "run": run.pk,
        "prozess_id": str(transfer.prozess_id),
        "state": run.state,
        "confirms": Path(transfer.file).name,
    }


@transaction.atomic
def _import_0506(message, *, data, path, source, by):
    """The archive's import result per object: success -> import_confirmed (removed next), failure ->
    import_failed (kept read-only, can be sent again). Refused whole if any object does not fit."""
    sha = refuse_repeat(data, source=source)
    transfer = _transfer_for(message.prozess_id, source=source, kind="0506")
    run = DisposalRun.objects.select_for_update().get(pk=transfer.run_id)
    if run.state != DisposalRunState.AWAITING_IMPORT:
        raise DisposalError(
            f"{source}: Aussonderung {run.pk} ist {run.get_state_display()} und wartet auf keine Importbestätigung"
        )
    items = {str(i.akte_uuid): i for i in run.items.select_for_update(of=("self",)).select_related("transfer")}
    problems = []
    for uuid in message.results:
        item = items.get(uuid)
        if item is None:
            problems.append(f"Objekt {clip(uuid, 60)} ist nicht in Aussonderung {run.pk}")
        elif item.transfer_id != transfer.pk:
            problems.append(f"Objekt {clip(uuid, 60)} ({item.aktenzeichen}) ist nicht in dieser 0503")
        elif item.state != S.AWAITING_IMPORT:
            problems.append(
                f"Objekt {clip(uuid, 60)} ({item.aktenzeichen}) wartet nicht auf den Import, es ist "
                f"{item.get_state_display()}"
            )
    if problems:
        more = f" (und {len(problems) - 5} weitere)" if len(problems) > 5 else ""
        raise DisposalError(f"{source}: {'; '.join(problems[:5])}{more}; nichts wurde übernommen")
    now = timezone.now()
    confirmed, failed = [], []
    for uuid, result in message.results.items():
        item = items[uuid]
        if result.ok:
            item.state, item.archive_id, item.confirmed_at, item.import_error = (
                S.IMPORT_CONFIRMED,
                clip(result.archive_id, 500),
                now,
                "",
            )
            confirmed.append(item.aktenzeichen)
        else:
            item.state = S.IMPORT_FAILED
            item.import_error = "; ".join(result.errors) or "ohne Angabe von Gründen"
            failed.append({"aktenzeichen": item.aktenzeichen, "reason": item.import_error})
        item.save(update_fields=["state", "archive_id", "confirmed_at", "import_error"])
    waiting = sorted(i.aktenzeichen for i in items.values() if i.state == S.AWAITING_IMPORT)
    summary = {"confirmed": len(confirmed), "failed": len(failed), "still_awaiting": len(waiting)}
    _record(run=run, kind="0506", path=path, sha=sha, by=by, transfer=transfer, summary=summary)
    audit_record(
        actor=by,
        action="aussonderung.import_confirmation",
        obj=run,
        after={
            "file": Path(path).name,
            "sha256": sha,
            "transfer": transfer.number,
            "confirmed": sorted(confirmed),
            "failed": failed,
        },
    )
    return run, {
        "kind": "0506",
        "run": run.pk,
        "prozess_id": str(transfer.prozess_id),
        "confirmed": sorted(confirmed),
        "failed": sorted(failed, key=lambda f: f["aktenzeichen"]),
        "still_awaiting": waiting,
    }
