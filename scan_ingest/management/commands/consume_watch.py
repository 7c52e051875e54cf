"""`consume_watch [--once] [--interval SECONDS] [--user NAME] [--json]`: the consume folder (DMS_CONSUME_DIR):
files that stopped growing are ingested in the background (scan_ingest.consume); processed files move to
`erledigt/`, refused ones to `fehler/` with a `.grund.txt` beside them. `make run` runs it beside the web server."""

import time

from django.conf import settings
from django.core.management.base import CommandError

from dms.management.base import JsonCommand
from scan_ingest.consume import watcher
from scan_ingest.submit import SubmitError


class Command(JsonCommand):
    help = "Watch the consume folder (DMS_CONSUME_DIR) and ingest what a scanner drops there."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true", help="look once, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks (default 2)")
        parser.add_argument("--user", help="operator of the batches (default: none, a system step)")

    def run(self, *, once=False, interval=2.0, user=None, **options) -> dict:
        operator = self.user(user, required=False)
        try:
            watch = watcher(user=operator)
        except SubmitError as exc:
            raise CommandError(str(exc)) from None
        batches, settled = [], 0
        try:
            while True:
                try:
                    result = watch.once()
                except Exception as exc:  # a database or disk hiccup: said, and the next look tries again
                    if once:
                        raise
                    self.stderr.write(f"Eingangsordner: {type(exc).__name__}: {exc}")
                    result = {"batches": [], "settled": 0}
                batches += result["batches"]
                settled += result["settled"]
                if once:
                    break
                time.sleep(max(0.2, interval))
        except KeyboardInterrupt:
            pass
        return {"folder": str(settings.DMS_CONSUME_DIR), "batches": batches, "settled": settled}

    def render(self, result: dict) -> None:
        self.stdout.write(
            f"Eingangsordner {result['folder']}: {len(result['batches'])} Stapel gestartet, "
            f"{result['settled']} abgeschlossen"
        )
