"""`demo_setup`: the demo municipality (departments, users, Aktenplan, Akten) for `make run`; idempotent. The
data is in demo/data.py, the rules in demo/setup.py; this command parses its arguments and prints."""

from demo.setup import setup
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = "Create the demo municipality (idempotent) and print the logins."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--password", default="demo", help="password of every demo login (default: demo)")

    def run(self, *, password: str, **options) -> dict:
        return setup(password=password)

    def render(self, result: dict) -> None:
        self.stdout.write(
            f"Demo-Daten bereit: {result['akten']} Akten, {result['due_today']} heute "
            f"aussonderungsreif, ohne Löschsperre ({len(result['akten_created'])} neu angelegt)."
        )
        self.stdout.write(f"\nAnmelden: {result['login_url']}   Passwort für alle: {result['password']}\n")
        for login in result["logins"]:
            self.stdout.write(f"  {login['username']:<8} {login['role']}")
