"""`search_check [--json] [--repair]`: documents missing from, stale in, or orphaned in the search index compared
with the database. Exit status 1 when anything drifted."""

from dms.management.base import JsonCommand
from search.sync import search_check, search_repair


class Command(JsonCommand):
    help = "Compare the search index with the database; exit 1 on drift (missing, stale or orphan entries)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--repair", action="store_true", help="enqueue drifting documents for the indexer")

    def run(self, *, repair=False, **options) -> dict:
        report = search_check()
        if repair and not report["ok"]:
            report["enqueued"] = search_repair(report)
        return report

    def render(self, report: dict) -> None:
        self.stdout.write(
            f"{report['documents']} documents in the database, {report['indexed']} in the index, "
            f"{report['pending']} pending in the outbox"
        )
        for kind in ("missing", "stale", "orphan"):
            if report[f"{kind}_count"]:
                count = report[f"{kind}_count"]
                ids = ", ".join(map(str, report[kind][:20])) + (" …" if count > 20 else "")
                self.stdout.write(f"{kind}: {count} ({ids})")
        self.stdout.write("index in step with the database" if report["ok"] else "DRIFT")

    def exit_code(self, report: dict) -> int:
        return 0 if report["ok"] else 1
