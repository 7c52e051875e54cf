"""`search_indexer [--once] [--interval SECONDS] [--batch-size N] [--json]`: the one indexer. Drains the outbox,
waits, drains again, until stopped (Ctrl+C). Run it beside the web server so grants, revokes and other changes
made there reach the index; `--once` drains what is pending and exits."""

import time

from dms.management.base import JsonCommand
from search.services import outbox_drain


class Command(JsonCommand):
    help = "Apply pending index changes from the outbox, once or continuously."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true", help="drain what is pending, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between drains (default 2)")
        parser.add_argument("--batch-size", type=int, default=500)

    def run(self, *, once=False, interval=2.0, batch_size=500, **options) -> dict:
        applied = 0
        try:
            while True:
                applied += outbox_drain(batch_size=max(1, batch_size))
                if once:
                    break
                time.sleep(max(0.1, interval))
        except KeyboardInterrupt:
            pass
        return {"applied": applied}

    def render(self, result: dict) -> None:
        self.stdout.write(f"{result['applied']} index changes applied")
