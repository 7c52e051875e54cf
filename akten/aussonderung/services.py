"""The Aussonderung service contract (issue 11). Every service is keyword-only, runs in a transaction, is audited,
and refuses with `akten.aussonderung.DisposalError` (a ValueError) whose German message says why (naming the file
for a refused xdomea message). Only the archive role (`Role.ARCHIVIST`) may call them; `by` is the acting user.

Roles in xdomea 3.0.0 (`xdomea-Nachrichten-AussonderungDurchfuehren.xsd`): this system is the abgebende Stelle.
It WRITES 0501 Anbieteverzeichnis, 0503 Aussonderung (ZIP) and 0505 BewertungEmpfangBestaetigen (when the 0502
asks for it); it READS the archive's 0502 Bewertungsverzeichnis, 0504 AnbietungEmpfangBestaetigen, 0506
AussonderungImportBestaetigen (per object: success or failure) and 0507 AussonderungEmpfangBestaetigen. Every
message written or read is validated against the shipped schema. A message read is refused whole (nothing
applied) for an unknown ProzessID, an object not in the run (or not awaiting import), and a repeat: each message
read is kept as a `DisposalMessage` (kind, SHA-256), and the same message twice is refused with the reason.

Services (module: function):
- services: run_offer(*, as_of, out_dir, by, akte_ids=None) -> DisposalRun   propose the due Akten (or only the
            due ones among `akte_ids`; an id not due, held or already in a run is refused by its Aktenzeichen),
            write the 0501
- services: run_evaluate(*, path, by, data=None, name=None) -> (run, report)   read the 0502 (+ write the 0505
            next to the 0501 when the 0502 asks for it); report: A, V, not_evaluated, differs_from_proposal,
            receipt (path of the 0505 or None)
- messages: message_import(*, path, by, data=None, name=None, complete=True) -> (run, report)   read any archive
            message (0502/0504/0506/0507, recognised by its root element; XML or xdomea ZIP; `data`+`name` for an
            upload). report["kind"] is the message number; 0506: confirmed, failed [{aktenzeichen, reason}],
            still_awaiting, and complete_error if removing the confirmed Akten was interrupted; with
            complete=False the confirmed Akten are not removed yet (complete_pending: how many; the caller runs
            run_complete, e.g. in the background)
- services: run_approve(*, run, by) -> DisposalRun                     four eyes: not the proposer
- services: run_cancel(*, run, by, reason) -> DisposalRun              offered/evaluated/approved runs only; the
            Akten go back to z.d.A. (due again)
- execute:  run_execute(*, run, out_dir, by, progress=None) -> run     V destroyed; A written to the 0503 and kept
            read-only until the 0506 confirms them; resumable after a crash; on an awaiting_import run it
            removes what was confirmed (like run_complete)
- execute:  run_resend(*, run, out_dir, by) -> DisposalTransfer        a new 0503 (new ProzessID) with the objects
            the archive reported as failed
- execute:  run_complete(*, run, by, progress=None) -> run             destroy the confirmed A Akten (also done by
            message_import after a 0506), finish the run when every object is settled; resumable
- exchange: exchange_poll(*, by) -> list[dict]                         import what lies in DMS_XDOMEA_EXCHANGE_DIR/
            inbox (processed -> done/, refused -> error/ with <name>.fehler.txt); 0501/0503/0505 are also copied
            to outbox/
Reads (selectors): due_list(*, as_of), run_get(run), run.items (state, decision, transfer, archive_id,
import_error), run.messages (DisposalMessage: kind, direction in/out, file, sha256, by, at), run.transfers
(DisposalTransfer: number, prozess_id, file, sha256, akte_uuids, received_at = the 0507), run.protocol.

Run states (DisposalRunState): proposed -> offered (0501) -> evaluated (0502) -> approved (four eyes) ->
executing -> awaiting_import ("abgegeben, Importbestätigung ausstehend": a 0503 waits for the 0506) -> done;
offered/evaluated/approved -> cancelled. A run without A objects goes from executing straight to done. A run is
done when every item is final.

Item states (DisposalItemState): offered -> evaluated | not_evaluated (0502);
  V: evaluated -> removing -> destroyed;
  A: evaluated -> awaiting_import ("abgegeben, Import ausstehend", in a 0503) -> import_confirmed (0506 success)
     -> removing -> transferred (tombstone, protocol); awaiting_import -> import_failed (0506 failure) ->
     awaiting_import (run_resend: in a new 0503);
  any not yet removed -> skipped_hold (a Löschsperre in force when it would be executed or destroyed);
  offered/evaluated -> cancelled. Final: destroyed, transferred, not_evaluated, skipped_hold, cancelled.
Akte states while in a run: angeboten, bewertet_A, bewertet_V, abgabe_ausstehend ("abgegeben, Import ausstehend");
after it: vernichtet, abgegeben, or back to zdA. An Akte in a run is read-only (`Akte.in_disposal`): access and
the services refuse every change to it."""

import hashlib
import os
import shutil
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akten.selectors import user_roles
from dms.audit import audit_record
from dms.models import Role

from ..models import (
    Akte,
    AkteState,
    DisposalItem,
    DisposalItemState,
    DisposalMessage,
    DisposalRun,
    DisposalRunState,
    Hold,
)
from . import DisposalError
from .selectors import akte_records, due_list
from .xdomea import FILE_0501, FILE_0505, XdomeaError, build_0501, build_0505, parse_message

RUN_STATE_NAMES = dict(DisposalRunState.choices)


def require_archivist(user, what: str) -> None:
    """Only the archive role runs the disposal schedule (docs/architecture.md, "Aussonderung")."""
    if user is None or Role.ARCHIVIST not in user_roles(user):
        name = getattr(user, "username", None) or "niemand"
        raise DisposalError(f"{what}: {name!r} hat nicht die Rolle Archiv (archivist)")


def write_atomic(path: Path, data: bytes) -> str:
    """Write via a temp file + fsync + rename so a crash never leaves a half-written message; returns SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return hashlib.sha256(data).hexdigest()


def exchange_dir() -> Path | None:
    """The exchange folder with the archive (DMS_XDOMEA_EXCHANGE_DIR), or None when none is configured."""
    return Path(settings.DMS_XDOMEA_EXCHANGE_DIR) if settings.DMS_XDOMEA_EXCHANGE_DIR else None


def exchange_outbox_put(path: Path) -> Path | None:
    """Copy a message this system wrote into the exchange folder's outbox/ (atomically: temp name, then rename),
    where the archive picks it up. Nothing when no exchange folder is configured."""
    base = exchange_dir()
    if base is None:
        return None
    target = base / "outbox" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    shutil.copyfile(path, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def message_written(
    *, run: DisposalRun, kind: str, path: Path, sha256: str, by, transfer=None, summary=None, copy: bool = True
):
    """Record a message this system wrote (0501/0503/0505) and place it in the exchange outbox (`copy=False`: the
    caller did that already, outside the transaction, as for the large 0503 ZIP)."""
    if copy:
        exchange_outbox_put(path)
    return DisposalMessage.objects.create(
        run=run,
        transfer=transfer,
        kind=kind,
        direction="out",
        file=str(path),
        sha256=sha256,
        by=by,
        summary=summary or {},
    )


def assert_run_state(run: DisposalRun, *allowed: str, action: str) -> None:
    if run.state not in allowed:
        raise DisposalError(
            f"Aussonderung {run.pk} ist {RUN_STATE_NAMES.get(run.state, run.state)}; {action} geht nur, wenn sie "
            f"{' oder '.join(RUN_STATE_NAMES[s] for s in allowed)} ist"
        )


@transaction.atomic
def run_offer(*, as_of: date, out_dir: Path, by, akte_ids=None) -> DisposalRun:
    """Propose every due Akte (or, with `akte_ids`, only those, each of which must be due) and write the 0501
    Anbieteverzeichnis; the Akten become `angeboten` (read-only)."""
    require_archivist(by, "Anbieten")
    wanted = None
    if akte_ids is not None:
        wanted = {int(pk) for pk in akte_ids}
        if not wanted:
            raise DisposalError("Anbieten: keine Akte ausgewählt")
    due = due_list(as_of=as_of)
    if wanted is not None:
        due = [row for row in due if row["id"] in wanted]
        refused = _not_offerable(wanted - {row["id"] for row in due}, as_of)
        if refused:
            more = f" (und {len(refused) - 10} weitere)" if len(refused) > 10 else ""
            raise DisposalError(f"Anbieten nicht möglich: {'; '.join(refused[:10])}{more}; nichts wurde angeboten")
    if not due:
        raise DisposalError(f"zum {as_of.isoformat()} ist keine Akte zur Aussonderung fällig")
    ids = [row["id"] for row in due]
    locked = dict(Akte.objects.select_for_update().filter(pk__in=ids, state=AkteState.ZDA).values_list("pk", "uuid"))
    if wanted is not None and len(locked) < len(ids):  # taken by a run offered meanwhile
        refused = _not_offerable(set(ids) - locked.keys(), as_of)
        raise DisposalError(f"Anbieten nicht möglich: {'; '.join(refused[:10])}; nichts wurde angeboten")
    due = [row for row in due if row["id"] in locked]
    run = DisposalRun.objects.create(as_of=as_of, proposed_by=by)
    DisposalItem.objects.bulk_create(
        [
            DisposalItem(
                run=run,
                akte_id=row["id"],
                aktenzeichen=row["aktenzeichen"],
                akte_uuid=locked[row["id"]],
                proposal=row["aussonderungsart"],
            )
            for row in due
        ],
        batch_size=500,
    )
    Akte.objects.filter(pk__in=[row["id"] for row in due]).update(state=AkteState.ANGEBOTEN)
    audit_record(
        actor=by,
        action="aussonderung.propose",
        obj=run,
        after={
            "as_of": as_of,
            "akten": len(due),
            "proposal": dict(Counter(r["aussonderungsart"] for r in due)),
            "selection": wanted is not None,
        },
    )
    data = build_0501(
        prozess_id=str(run.uuid),
        created=timezone.now(),
        akten=akte_records([row["id"] for row in due], with_versions=False),
    )
    path = Path(out_dir).resolve() / FILE_0501.format(run.uuid)
    run.offer_sha256 = write_atomic(path, data)
    run.offer_file, run.offered_at, run.state = str(path), timezone.now(), DisposalRunState.OFFERED
    run.save()
    message_written(run=run, kind="0501", path=path, sha256=run.offer_sha256, by=by, summary={"akten": len(due)})
    audit_record(
        actor=by,
        action="aussonderung.offer",
        obj=run,
        before={"state": DisposalRunState.PROPOSED},
        after={"state": run.state, "file": path.name, "sha256": run.offer_sha256},
    )
    return run


def _not_offerable(ids: set[int], as_of: date) -> list[str]:
    """Why each of these selected Akten cannot be offered, naming its Aktenzeichen (sorted by it)."""
    if not ids:
        return []
    akten = {a.pk: a for a in Akte.objects.filter(pk__in=ids)}
    held = set(Hold.objects.filter(akte_id__in=ids, released_at__isnull=True).values_list("akte_id", flat=True))
    open_runs = dict(
        DisposalItem.objects.filter(akte_id__in=ids)
        .exclude(run__state__in=[DisposalRunState.DONE, DisposalRunState.CANCELLED])
        .values_list("akte_id", "run_id")
    )
    reasons = [f"eine Akte Nr. {pk} gibt es nicht" for pk in sorted(ids - akten.keys())]
    for akte in sorted(akten.values(), key=lambda a: a.aktenzeichen):
        az, state = akte.aktenzeichen, akte.get_state_display()
        if akte.state in (AkteState.VERNICHTET, AkteState.ABGEGEBEN):
            reasons.append(f"{az} ist bereits {state}")
        elif akte.in_disposal:
            where = f"Aussonderung {open_runs[akte.pk]}" if akte.pk in open_runs else "einer Aussonderung"
            reasons.append(f"{az} ist bereits in {where} ({state})")
        elif akte.pk in held:
            reasons.append(f"{az} trägt eine Löschsperre")
        elif akte.state != AkteState.ZDA:
            reasons.append(f"{az} ist nicht fällig: nicht z.d.A. verfügt ({state})")
        else:
            end = f"Aufbewahrung bis {akte.aufbewahrungsende:%d.%m.%Y}" if akte.aufbewahrungsende else "dauernd"
            reasons.append(f"{az} ist zum {as_of:%d.%m.%Y} nicht fällig ({end})")
    return reasons


def read_message(path: Path) -> bytes:
    """An archive message as XML, or the XML member of an xdomea ZIP transport file; the file and the member are
    each at most DMS_XDOMEA_MAX_BYTES (the member is read only that far, whatever its ZIP header claims)."""
    import zipfile

    limit = settings.DMS_XDOMEA_MAX_BYTES
    path = Path(path)
    if not path.is_file():
        raise DisposalError(f"{path}: Datei nicht gefunden")
    if path.stat().st_size > limit:
        raise DisposalError(
            f"{path}: die Datei hat {path.stat().st_size} Bytes, mehr als die {limit} erlaubten (DMS_XDOMEA_MAX_BYTES)"
        )
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if i.filename.endswith(".xml") and not i.is_dir()]
            if len(members) != 1:
                raise DisposalError(
                    f"{path}: im ZIP wird genau eine xdomea-Nachricht (*.xml) erwartet, gefunden {len(members)}"
                )
            with zf.open(members[0]) as fh:
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise DisposalError(
                    f"{path}: das ZIP-Element {members[0].filename[:100]!r} entpackt zu mehr als den "
                    f"{limit} erlaubten Bytes (DMS_XDOMEA_MAX_BYTES)"
                )
            return data
    return path.read_bytes()


_read_message = read_message  # the name before issue 11


def refuse_repeat(data: bytes, *, source: str) -> str:
    """The SHA-256 of a message read; refused if exactly this message was read before (idempotency)."""
    sha = hashlib.sha256(data).hexdigest()
    seen = DisposalMessage.objects.filter(direction="in", sha256=sha).first()
    if seen is not None:
        raise DisposalError(
            f"{source}: diese Nachricht ({seen.kind}) wurde bereits am "
            f"{timezone.localtime(seen.at):%d.%m.%Y %H:%M} als {Path(seen.file).name} für Aussonderung "
            f"{seen.run_id} eingelesen; sie wird nicht ein zweites Mal angewendet"
        )
    return sha


def run_for_prozess_id(prozess_id: str, *, source: str, for_update: bool = True) -> DisposalRun:
    qs = DisposalRun.objects.select_for_update() if for_update else DisposalRun.objects
    run = qs.filter(uuid=prozess_id).first()
    if run is None:
        raise DisposalError(f"{source}: ProzessID {prozess_id} gehört zu keiner Aussonderung")
    return run


@transaction.atomic
def run_evaluate(*, path: Path, by, data: bytes | None = None, name: str | None = None) -> tuple[DisposalRun, dict]:
    """Import the archive's 0502: validated against the schema first, matched by UUID. An unknown UUID is an
    error naming it; an offered Akte the archive did not evaluate is kept and reported. When the 0502 asks for a
    receipt, the 0505 is written next to the 0501 (and into the exchange outbox)."""
    require_archivist(by, "Bewertung einlesen")
    path = Path(path)
    source = name or str(path)
    data = read_message(path) if data is None else data
    try:
        message = parse_message(data, source=source, expect=("0502",))
    except XdomeaError as exc:
        raise DisposalError(str(exc)) from None
    return apply_0502(message.bewertung, data=data, path=path, source=source, by=by)


def apply_0502(bewertung, *, data: bytes, path: Path, source: str, by) -> tuple[DisposalRun, dict]:
    sha = refuse_repeat(data, source=source)
    run = run_for_prozess_id(bewertung.prozess_id, source=source)
    try:
        assert_run_state(run, DisposalRunState.OFFERED, DisposalRunState.EVALUATED, action="die Bewertung einlesen")
    except DisposalError as exc:
        raise DisposalError(f"{source}: {exc}") from None
    items = {str(i.akte_uuid): i for i in run.items.select_related("akte")}
    unknown = sorted(set(bewertung.decisions) - set(items))
    if unknown:
        more = f" (und {len(unknown) - 5} weitere)" if len(unknown) > 5 else ""
        raise DisposalError(
            f"{source}: UUID {', '.join(unknown[:5])}{more} ist keine in Aussonderung {run.pk} angebotene Akte"
        )
    for uuid, item in items.items():
        item.decision = bewertung.decisions.get(uuid, "")
        item.state = DisposalItemState.EVALUATED if item.decision else DisposalItemState.NOT_EVALUATED
        item.akte.state = {"A": AkteState.BEWERTET_A, "V": AkteState.BEWERTET_V}.get(item.decision, AkteState.ANGEBOTEN)
    DisposalItem.objects.bulk_update(items.values(), ["decision", "state"], batch_size=500)
    Akte.objects.bulk_update([i.akte for i in items.values()], ["state"], batch_size=500)
    before = {"state": run.state}
    run.state, run.evaluated_by, run.evaluated_at = DisposalRunState.EVALUATED, by, timezone.now()
    run.evaluation_file, run.evaluation_sha256 = str(path.resolve()), sha
    run.save()
    differs = sorted(i.aktenzeichen for i in items.values() if i.decision and i.decision != i.proposal)
    report = {
        "kind": "0502",
        "run": run.pk,
        "prozess_id": str(run.uuid),
        "A": sorted(i.aktenzeichen for i in items.values() if i.decision == "A"),
        "V": sorted(i.aktenzeichen for i in items.values() if i.decision == "V"),
        "not_evaluated": sorted(i.aktenzeichen for i in items.values() if not i.decision),
        "differs_from_proposal": differs,
        "receipt": None,
    }
    DisposalMessage.objects.create(
        run=run,
        kind="0502",
        direction="in",
        file=str(path.resolve()),
        sha256=sha,
        by=by,
        summary={k: len(report[k]) for k in ("A", "V", "not_evaluated", "differs_from_proposal")},
    )
    if bewertung.receipt:
        receipt = build_0505(prozess_id=str(run.uuid), created=timezone.now())
        out = Path(run.offer_file).parent / FILE_0505.format(run.uuid)
        message_written(run=run, kind="0505", path=out, sha256=write_atomic(out, receipt), by=by)
        report["receipt"] = str(out)
    audit_record(
        actor=by,
        action="aussonderung.evaluate",
        obj=run,
        before=before,
        after={
            "state": run.state,
            "file": path.name,
            "sha256": run.evaluation_sha256,
            "A": len(report["A"]),
            "V": len(report["V"]),
            "not_evaluated": report["not_evaluated"],
            "differs_from_proposal": differs,
            "receipt_0505": Path(report["receipt"]).name if report["receipt"] else None,
        },
    )
    report["state"] = run.state
    return run, report


@transaction.atomic
def run_approve(*, run: DisposalRun, by) -> DisposalRun:
    """Four eyes: an archivist other than the one who proposed the run approves the archive's evaluation."""
    require_archivist(by, "Freigeben")
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    assert_run_state(run, DisposalRunState.EVALUATED, action="Freigeben")
    if run.proposed_by_id == by.pk:
        raise DisposalError(
            f"Aussonderung {run.pk}: {by.username} hat sie vorgeschlagen; eine zweite Person muss sie freigeben "
            "(Vier-Augen-Prinzip)"
        )
    run.state, run.approved_by, run.approved_at = DisposalRunState.APPROVED, by, timezone.now()
    run.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(
        actor=by,
        action="aussonderung.approve",
        obj=run,
        before={"state": DisposalRunState.EVALUATED},
        after={"state": run.state, "proposed_by": run.proposed_by.username},
    )
    return run


@transaction.atomic
def run_cancel(*, run: DisposalRun, by, reason: str) -> DisposalRun:
    """Cancel an offered, evaluated or approved run (nothing has left the system yet): its Akten go back to z.d.A.
    and are due again; the items stay as the record of the cancelled run."""
    require_archivist(by, "Abbrechen")
    if not reason or not reason.strip():
        raise DisposalError(f"Aussonderung {run.pk}: zum Abbrechen ist ein Grund nötig")
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    assert_run_state(
        run, DisposalRunState.OFFERED, DisposalRunState.EVALUATED, DisposalRunState.APPROVED, action="Abbrechen"
    )
    items = run.items.filter(
        state__in=[DisposalItemState.OFFERED, DisposalItemState.EVALUATED, DisposalItemState.NOT_EVALUATED]
    )
    akte_ids = list(items.values_list("akte_id", flat=True))
    Akte.objects.filter(
        pk__in=akte_ids, state__in=[AkteState.ANGEBOTEN, AkteState.BEWERTET_A, AkteState.BEWERTET_V]
    ).update(state=AkteState.ZDA)
    now = timezone.now()
    items.update(state=DisposalItemState.CANCELLED, finished_at=now, note=f"Aussonderung abgebrochen: {reason.strip()}")
    before = {"state": run.state}
    run.state, run.cancelled_by, run.cancelled_at = DisposalRunState.CANCELLED, by, now
    run.cancel_reason = reason.strip()[:500]
    run.save(update_fields=["state", "cancelled_by", "cancelled_at", "cancel_reason"])
    audit_record(
        actor=by,
        action="aussonderung.cancel",
        obj=run,
        before=before,
        after={"state": run.state, "reason": run.cancel_reason, "akten": len(akte_ids)},
    )
    return run
