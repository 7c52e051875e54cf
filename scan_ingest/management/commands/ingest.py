"""`ingest PATH [--manifest CSV] [--akte AZ] [--department CODE] [--workers N] [--user NAME] [--force-ocr]
[--into-closed] [--json]`"""

import sys
import time
from contextlib import contextmanager

from django.core.management.base import CommandError

from dms.management.base import JsonCommand
from dms.outbox import index_drain
from scan_ingest.services import IngestRunError, ingest_run


class Command(JsonCommand):
    help = "Bulk-ingest scans (folder, PDF/TIFF/PNG/JPEG file, or ZIP) into Akten: OCR, PDF/A, index."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("path", help="folder (recursive), file or ZIP")
        parser.add_argument("--manifest", help="CSV: Datei;Aktenzeichen;Titel;Organisationseinheit;Datum;Dokumentart")
        parser.add_argument("--akte", help="Aktenzeichen for files without manifest row or separator sheet")
        parser.add_argument("--department", help="lead department (code) for Akten the ingest creates")
        parser.add_argument("--workers", type=int, help="page worker processes (default: CPU cores)")
        parser.add_argument("--user", help="operator (recorded in the scan record and as creator)")
        parser.add_argument(
            "--into-closed",
            action="store_true",
            help="legacy documents may go into closed (z.d.A.) Akten (recorded in each document's audit event)",
        )
        parser.add_argument(
            "--force-ocr", action="store_true", help="OCR every page, also pages that already carry a text layer"
        )

    def run(self, **options):
        user = self.user(options.get("user"), required=False)
        if options.get("workers") is not None and options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        with self.page_progress() as advance:
            try:
                result = ingest_run(
                    path=options["path"],
                    manifest=options.get("manifest"),
                    akte=options.get("akte"),
                    department=options.get("department"),
                    workers=options.get("workers"),
                    user=user,
                    force_ocr=options.get("force_ocr", False),
                    into_closed=options.get("into_closed", False),
                    progress=advance,
                )
            except IngestRunError as exc:
                raise CommandError(str(exc)) from None
        index_drain()  # new documents are searchable when the command returns (the index port, dms/outbox.py)
        return result

    @contextmanager
    def page_progress(self):
        """Pages done / total, pages per minute and ETA on a terminal (stderr); silent otherwise."""
        if self.as_json or not sys.stderr.isatty():
            yield None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        started = time.monotonic()
        with Progress(
            TextColumn("Seiten"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("ingest", total=None, rate="")

            def advance(done: int, total: int) -> None:
                minutes = (time.monotonic() - started) / 60
                rate = f"{done / minutes:.0f} S./min" if minutes > 0 and done else ""
                bar.update(task, completed=done, total=total or None, rate=rate)

            yield advance

    def exit_code(self, result):
        return 2 if result["errors"] else 0

    def render(self, result):
        report = result["report"]
        docs = report["documents"]
        self.stdout.write(
            f"Ingest #{result['batch']}: {docs['stored']} gespeichert, {docs['duplicate']} Duplikate, "
            f"{report['errors']} Fehler; {report['pages_stored']} Seiten ({report['blank_pages']} leer)"
            + (f", {report['pages_per_minute']} Seiten/min" if report.get("pages_per_minute") else "")
        )
        for doc in result["documents"]:
            pages = f" S. {doc['source_pages']}" if doc["source_pages"] else ""
            self.stdout.write(
                f"  {doc['status']:<9} {doc['source']}{pages} -> {doc['aktenzeichen'] or '-'}"
                f" {doc['reason'] or ''}".rstrip()
            )
        for flag in report["needs_review"]:
            what = f"Dokument {flag['id']}" if flag["id"] else f"Seiten {flag['source_pages']}"
            why = "; ".join(flag.get("reasons") or []) or f"OCR-Konfidenz {flag['mean_confidence']}"
            self.stdout.write(f"  Prüfen: {what} ({flag['source']}): {why}")
        for err in result["errors"]:
            self.stderr.write(f"Fehler: {err['source']}: {err['reason']}")
