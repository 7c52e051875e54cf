"""`import_org FILE.json`: departments and users (passwords, memberships, roles, and optionally `"active": false`
to deactivate an account). The rules live in dms/importers/org.py; this command parses its arguments and prints."""

from pathlib import Path

from django.core.management.base import CommandError

from dms.importers import ImportFileError, org
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = "Import Organisationseinheiten and users from a JSON file (idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def run(self, *, file: Path, **options) -> dict:
        try:
            plan = org.read(file)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        with self.progress(len(plan), "Organisation") as advance:
            return org.apply(plan, advance=advance)

    def render(self, result: dict) -> None:
        for kind, _key in (("departments", "code"), ("users", "username")):
            counts = {}
            for row in result[kind]:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
            self.stdout.write(f"{kind}: {summary}")
