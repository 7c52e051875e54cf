"""Base for the project's commands (docs/architecture.md, "Command-line contract"): `--json` prints one JSON document on
stdout; errors go to stderr with a non-zero exit; long work shows a progress bar on a terminal."""

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def parse_date(value: str, *, what: str = "date") -> date:
    """A date as typed on the command line: ISO (2024-03-31) or German (31.03.2024)."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"invalid {what} {value!r}: expected YYYY-MM-DD or DD.MM.YYYY")


class JsonCommand(BaseCommand):
    """Subclasses implement `run(**options) -> dict` and `render(result)` for the human-readable output."""

    json_option = True

    def add_arguments(self, parser):
        if self.json_option:
            parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")

    def handle(self, *args, **options):
        self.as_json = options.get("json", False)
        result = self.run(**options)
        if self.as_json:
            self.stdout.write(json.dumps(result, default=_default, ensure_ascii=False, indent=1))
        else:
            self.render(result)
        exit_code = self.exit_code(result)
        if exit_code:
            sys.stdout.flush()
            raise SystemExit(exit_code)

    def run(self, **options) -> dict:
        raise NotImplementedError

    def render(self, result: dict) -> None:
        self.stdout.write(json.dumps(result, default=_default, ensure_ascii=False, indent=1))

    def exit_code(self, result: dict) -> int:
        return 0

    def user(self, username: str | None, *, required: bool = True):
        if not username:
            if required:
                raise CommandError("--user is required")
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"unknown user {username!r}") from None

    @contextmanager
    def progress(self, total: int | None, description: str):
        """A rich progress bar on a terminal (stderr), silent otherwise or with --json. Yields advance(n)."""
        if self.as_json or not sys.stderr.isatty():
            yield lambda n=1, **kw: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1, **kw: bar.update(task, advance=n, **kw)
