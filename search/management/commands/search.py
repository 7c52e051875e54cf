"""`search QUERY --user NAME [--department CODE] [--limit N] [--offset N] [--json]` (docs/architecture.md,
"Command-line contract")."""

from django.core.management.base import CommandError

from dms.management.base import JsonCommand
from search.services import search_documents


class Command(JsonCommand):
    help = 'Search the documents USER may see. Syntax: words, "phrases", -exclusion, az: dept: year: type:'

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("query")
        parser.add_argument("--user", required=True)
        parser.add_argument("--department", help="restrict to one department (code)")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--offset", type=int, default=0)

    def run(self, *, query, user, department=None, limit=10, offset=0, **options) -> dict:
        if limit < 0 or offset < 0:
            raise CommandError("--limit and --offset must not be negative")
        try:
            result = search_documents(
                user=self.user(user), query=query, department=department, limit=limit, offset=offset
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        return result.as_json()

    def render(self, result: dict) -> None:
        for problem in result["errors"]:
            self.stderr.write(f"note: {problem}")
        self.stdout.write(f"{result['total']} Treffer")
        for hit in result["hits"]:
            page = f", S. {hit['page']}" if hit.get("page") else ""
            self.stdout.write(
                f"\n{hit['aktenzeichen']}  {hit['title']}  [{hit['department']}{page}]  #{hit['document_id']}"
            )
            snippet = (
                hit["snippet"].replace("<b>", "\033[1m").replace("</b>", "\033[0m")
                if self.stdout.isatty()
                else hit["snippet"].replace("<b>", "").replace("</b>", "")
            )
            self.stdout.write(f"  {' '.join(snippet.split())}")
