"""`import_aktenplan FILE.csv`: the file plan from an Excel CSV. Columns `Kennzeichen;Titel;Aufbewahrung;
Aussonderungsart`, optional `Fristbeginn` and `Organisationseinheit` (code or name). A bad row is reported with
its line number and reason; the good rows still import; the exit status is non-zero if any row failed. The rules
live in akten/importers/aktenplan.py; this command parses its arguments and prints."""

from pathlib import Path

from django.core.management.base import CommandError

from akten.importers import aktenplan
from dms.importers import ImportFileError
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = "Import the Aktenplan (file plan) from an Excel CSV file."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def run(self, *, file: Path, **options) -> dict:
        try:
            plan = aktenplan.read(file)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        with self.progress(len(plan.units), "Aktenplan") as advance:
            return aktenplan.apply(plan, advance=advance)

    def render(self, result: dict) -> None:
        self.stdout.write(
            f"{result['file']}: {len(result['imported'])} imported, {len(result['updated'])} updated, "
            f"{len(result['unchanged'])} unchanged, {len(result['errors'])} error(s)"
        )

    def exit_code(self, result: dict) -> int:
        for err in result["errors"]:
            self.stderr.write(f"{result['file']}:{err['line']}: {err['reason']}")
        return 1 if result["errors"] else 0
