"""`demo_ingest`: generate a small demo archive and ingest it like the scanning team would. Needs `demo_setup`
first; idempotent. The data is in demo/data.py, the rules in demo/scans.py; this command parses its arguments and
prints."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from demo.scans import DemoMissing, ingest
from dms.management.base import JsonCommand
from scan_ingest.services import IngestRunError


class Command(JsonCommand):
    help = "Generate a small demo archive and ingest it (needs demo_setup; idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--out", help="folder for the generated scans (default: $DMS_DATA_DIR/demo_scans)")
        parser.add_argument("--workers", type=int, help="page worker processes (default: CPU cores)")

    def run(self, **options):
        root = Path(options.get("out") or settings.DATA_DIR / "demo_scans")
        try:
            return ingest(root=root, workers=options.get("workers"))
        except (DemoMissing, IngestRunError) as exc:
            raise CommandError(str(exc)) from None

    def exit_code(self, result):
        return 2 if result["errors"] else 0

    def render(self, result):
        docs = result["report"]["documents"]
        self.stdout.write(
            f"Demo-Scans erfasst (Ingest #{result['batch']}): {docs['stored']} neu, "
            f"{docs['duplicate']} schon vorhanden, {result['report']['errors']} Fehler."
        )
        for err in result["errors"]:
            self.stderr.write(f"Fehler: {err['source']}: {err['reason']}")
