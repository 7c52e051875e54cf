"""`reindex [--batch-size N] [--restart] [--json]`: rebuild the search index from the database into a new
generation (Elasticsearch: a new index, then the alias swap); an interrupted run resumes where it stopped."""

from dms.management.base import JsonCommand
from search.sync import search_reindex


class Command(JsonCommand):
    help = "Rebuild the search index from the database (resumable; the live index is swapped when complete)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=1000, help="documents per commit (bounds memory)")
        parser.add_argument("--restart", action="store_true", help="discard an unfinished run and start afresh")

    def run(self, *, batch_size=1000, restart=False, **options) -> dict:
        with self.progress(None, "reindex") as advance:
            return search_reindex(
                batch_size=max(1, batch_size),
                restart=restart,
                progress=advance,
                total_hint=lambda n: advance(0, total=n),
            )

    def render(self, result: dict) -> None:
        verb = "resumed and finished" if result["resumed"] else "finished"
        self.stdout.write(
            f"reindex {verb}: {result['indexed']} documents into {result['generation']} in {result['seconds']} s"
        )
