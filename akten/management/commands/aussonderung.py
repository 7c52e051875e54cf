"""`aussonderung due|offer|evaluate|import|approve|execute|resend|complete|cancel|exchange`
(docs/architecture.md, "Command-line contract"). The rules are in akten/aussonderung/ (services.py lists them)."""

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from akten.aussonderung import DisposalError
from akten.aussonderung.exchange import exchange_poll
from akten.aussonderung.execute import run_complete, run_execute, run_resend
from akten.aussonderung.messages import message_import
from akten.aussonderung.protocol import FILE_HTML, FILE_JSON
from akten.aussonderung.selectors import due_list, run_get
from akten.aussonderung.services import run_approve, run_cancel, run_evaluate, run_offer
from akten.models import Akte
from dms.management.base import JsonCommand, parse_date


class Command(JsonCommand):
    help = (
        "Aussonderung (disposal): due list, 0501 offer, the archive's messages (0502/0504/0506/0507), four-eyes "
        "approval, execution (0503), resend of failed objects, cancel, exchange folder."
    )
    json_option = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="Akten whose Aufbewahrungsende has passed and that carry no hold")
        due.add_argument("--as-of", help="date (default: today)")
        offer = sub.add_parser("offer", help="write a xdomea 0501 Anbieteverzeichnis of the due Akten")
        offer.add_argument("--as-of", help="date (default: today)")
        offer.add_argument("--out", required=True, help="directory for the 0501 message")
        offer.add_argument("--user", required=True)
        offer.add_argument(
            "--akte",
            action="append",
            metavar="AZ",
            help="offer only this due Akte (repeatable); an Akte not due, held or in a run is refused",
        )
        evaluate = sub.add_parser("evaluate", help="import the archive's xdomea 0502 Bewertungsverzeichnis")
        evaluate.add_argument("file", help="the 0502 XML (or its xdomea ZIP)")
        evaluate.add_argument("--user", required=True)
        approve = sub.add_parser("approve", help="a second archivist approves the run (four eyes)")
        approve.add_argument("run", help="run number or ProzessID")
        approve.add_argument("--user", required=True)
        execute = sub.add_parser("execute", help="transfer (0503) the A Akten, destroy the V Akten, write the protocol")
        execute.add_argument("run", help="run number or ProzessID")
        execute.add_argument("--out", required=True, help="directory for the 0503 ZIP and the protocol")
        execute.add_argument("--user", required=True)
        imp = sub.add_parser(
            "import", help="read a message of the archive: 0502, 0504, 0506 (import confirmation) or 0507"
        )
        imp.add_argument("file", help="the message XML (or its xdomea ZIP)")
        imp.add_argument("--user", required=True)
        resend = sub.add_parser("resend", help="a new 0503 with the objects the archive reported as failed (0506)")
        resend.add_argument("run", help="run number or ProzessID")
        resend.add_argument("--out", required=True, help="directory for the new 0503 ZIP")
        resend.add_argument("--user", required=True)
        complete = sub.add_parser("complete", help="remove the Akten whose import the archive confirmed (resume)")
        complete.add_argument("run", help="run number or ProzessID")
        complete.add_argument("--user", required=True)
        cancel = sub.add_parser("cancel", help="cancel an offered, evaluated or approved run; its Akten are due again")
        cancel.add_argument("run", help="run number or ProzessID")
        cancel.add_argument("--reason", required=True)
        cancel.add_argument("--user", required=True)
        exchange = sub.add_parser("exchange", help="import the messages in DMS_XDOMEA_EXCHANGE_DIR/inbox")
        exchange.add_argument("--user", required=True)
        for p in (due, offer, evaluate, approve, execute, imp, resend, complete, cancel, exchange):
            p.add_argument("--json", action="store_true", help="print one JSON document on stdout")

    def run(self, **options) -> dict:
        self.action = options["action"]
        try:
            return getattr(self, f"_{self.action}")(**options)
        except DisposalError as exc:
            raise CommandError(str(exc)) from None

    def _as_of(self, options) -> date:
        return parse_date(options["as_of"], what="--as-of") if options.get("as_of") else timezone.localdate()

    def _due(self, **options) -> dict:
        as_of = self._as_of(options)
        rows = due_list(as_of=as_of)
        for row in rows:
            del row["id"]
        return {"as_of": as_of, "total": len(rows), "akten": rows}

    def _offer(self, **options) -> dict:
        ids = None
        if options.get("akte"):
            wanted = [az.strip() for az in options["akte"]]
            found = dict(Akte.objects.filter(aktenzeichen__in=wanted).values_list("aktenzeichen", "pk"))
            missing = [az for az in wanted if az not in found]
            if missing:
                raise CommandError(f"Anbieten: keine Akte mit dem Aktenzeichen {', '.join(missing)}")
            ids = list(found.values())
        run = run_offer(
            as_of=self._as_of(options), out_dir=Path(options["out"]), by=self.user(options["user"]), akte_ids=ids
        )
        items = run.items.values_list("proposal", flat=True)
        return {
            "run": run.pk,
            "prozess_id": run.uuid,
            "state": run.state,
            "file": run.offer_file,
            "sha256": run.offer_sha256,
            "akten": len(items),
            "proposal": {art: list(items).count(art) for art in "ABV"},
        }

    def _evaluate(self, **options) -> dict:
        run, report = run_evaluate(path=Path(options["file"]), by=self.user(options["user"]))
        return {**report, "state": run.state}

    def _import(self, **options) -> dict:
        run, report = message_import(path=Path(options["file"]), by=self.user(options["user"]))
        return {**report, "state": run.state}

    def _resend(self, **options) -> dict:
        transfer = run_resend(run=run_get(options["run"]), out_dir=Path(options["out"]), by=self.user(options["user"]))
        return {
            "run": transfer.run_id,
            "prozess_id": transfer.prozess_id,
            "number": transfer.number,
            "file": transfer.file,
            "sha256": transfer.sha256,
            "akten": len(transfer.akte_uuids),
        }

    def _complete(self, **options) -> dict:
        run = run_complete(run=run_get(options["run"]), by=self.user(options["user"]))
        return {"run": run.pk, "prozess_id": run.uuid, "state": run.state, "summary": run.protocol["summary"]}

    def _cancel(self, **options) -> dict:
        run = run_cancel(run=run_get(options["run"]), by=self.user(options["user"]), reason=options["reason"])
        return {"run": run.pk, "prozess_id": run.uuid, "state": run.state, "reason": run.cancel_reason}

    def _exchange(self, **options) -> dict:
        rows = exchange_poll(by=self.user(options["user"]))
        return {
            "files": rows,
            "done": sum(r["status"] == "done" for r in rows),
            "error": sum(r["status"] == "error" for r in rows),
        }

    def _approve(self, **options) -> dict:
        run = run_approve(run=run_get(options["run"]), by=self.user(options["user"]))
        return {"run": run.pk, "prozess_id": run.uuid, "state": run.state, "approved_by": run.approved_by.username}

    def _execute(self, **options) -> dict:
        run = run_get(options["run"])
        out = Path(options["out"]).resolve()
        with self.progress(run.items.count(), "Aussonderung") as advance:
            run = run_execute(run=run, out_dir=out, by=self.user(options["user"]), progress=advance)
        akten = run.protocol["akten"]
        return {
            "run": run.pk,
            "prozess_id": run.uuid,
            "state": run.state,
            "transfer": run.transfer_file or None,
            "protocol": {
                "json": str(out / FILE_JSON.format(run.uuid)),
                "html": str(out / FILE_HTML.format(run.uuid)),
                "sha256": run.protocol_sha256,
            },
            "summary": run.protocol["summary"],
            "skipped_hold": [a["aktenzeichen"] for a in akten if a["outcome"] == "Löschsperre"],
            "not_evaluated": [a["aktenzeichen"] for a in akten if a["outcome"] == "nicht bewertet"],
            "awaiting_import": [a["aktenzeichen"] for a in akten if a["outcome"] == "abgegeben, Import ausstehend"],
        }

    def _render_0502(self, result: dict) -> None:
        self.stdout.write(
            f"Aussonderung {result['run']}: {len(result['A'])} A, {len(result['V'])} V, "
            f"{len(result['not_evaluated'])} nicht bewertet"
        )
        for az in result["not_evaluated"]:
            self.stdout.write(f"  nicht bewertet (bleibt erhalten): {az}")
        for az in result["differs_from_proposal"]:
            self.stdout.write(f"  Bewertung des Archivs weicht vom Vorschlag ab: {az}")
        if result["receipt"]:
            self.stdout.write(f"0505 (Empfangsbestätigung): {result['receipt']}")

    def _render_import(self, result: dict) -> None:
        kind = result["kind"]
        if kind == "0502":
            self._render_0502(result)
        elif kind == "0506":
            self.stdout.write(
                f"Aussonderung {result['run']}: {len(result['confirmed'])} Import bestätigt, "
                f"{len(result['failed'])} fehlgeschlagen, {len(result['still_awaiting'])} noch ausstehend; "
                f"Zustand {result['state']}"
            )
            for f in result["failed"]:
                self.stdout.write(f"  fehlgeschlagen: {f['aktenzeichen']}: {f['reason']}")
            if result.get("complete_error"):
                self.stdout.write(result["complete_error"])
        else:
            self.stdout.write(f"Aussonderung {result['run']}: Empfangsbestätigung {kind} eingelesen")

    def render(self, result: dict) -> None:
        if self.action == "due":
            self.stdout.write(f"{result['total']} Akten fällig zum {result['as_of'].isoformat()}")
            for r in result["akten"]:
                self.stdout.write(
                    f"{r['aktenzeichen']:<28} {r['aussonderungsart']}  {r['department']:<6} "
                    f"z.d.A. {r['zda']}  bis {r['aufbewahrungsende']}  {r['title']}"
                )
        elif self.action == "offer":
            self.stdout.write(
                f"Aussonderung {result['run']} ({result['prozess_id']}): {result['akten']} Akten "
                f"angeboten {result['proposal']}\n0501: {result['file']}"
            )
        elif self.action == "evaluate":
            self._render_0502(result)
        elif self.action == "approve":
            self.stdout.write(f"Aussonderung {result['run']} freigegeben von {result['approved_by']}")
        elif self.action == "import":
            self._render_import(result)
        elif self.action == "resend":
            self.stdout.write(
                f"Aussonderung {result['run']}: 0503 Nr. {result['number']} mit {result['akten']} Akten erneut "
                f"gesendet\n0503: {result['file']}"
            )
        elif self.action == "complete":
            s = result["summary"]
            self.stdout.write(f"Aussonderung {result['run']}: {result['state']}; {s['abgegeben']} abgegeben")
        elif self.action == "cancel":
            self.stdout.write(f"Aussonderung {result['run']} abgebrochen: {result['reason']}")
        elif self.action == "exchange":
            self.stdout.write(f"Austauschordner: {result['done']} eingelesen, {result['error']} abgewiesen")
            for row in result["files"]:
                self.stdout.write(f"  {row['file']}: {row.get('reason') or 'eingelesen (' + row['kind'] + ')'}")
        else:
            s = result["summary"]
            self.stdout.write(
                f"Aussonderung {result['run']}: {s['vernichtet']} vernichtet, {s['abgegeben']} abgegeben, "
                f"{s['nicht_bewertet']} nicht bewertet, {s['loeschsperre']} Löschsperre, "
                f"{s['import_ausstehend']} warten auf die Importbestätigung des Archivs (0506)"
            )
            if result["transfer"]:
                self.stdout.write(f"0503: {result['transfer']} (Akten warten auf die Importbestätigung 0506)")
            self.stdout.write(f"Protokoll: {result['protocol']['html']}")
            for az in result["skipped_hold"]:
                self.stdout.write(f"  übersprungen (Löschsperre): {az}")
            for az in result["not_evaluated"]:
                self.stdout.write(f"  nicht bewertet (bleibt erhalten): {az}")
