"""`api_token create USER` prints a new API token for USER (replacing theirs); `api_token revoke USER` withdraws it."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dms.api.tokens import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = (
        "API-Token für andere Fachverfahren: 'create BENUTZER' gibt ein neues Token aus (ein vorhandenes wird "
        "ungültig), 'revoke BENUTZER' widerruft es. Gesendet wird es als Kopfzeile 'Authorization: Token <key>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")

    def handle(self, *, action: str, username: str, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"Benutzer {username!r} gibt es nicht.") from None
        by = "command:api_token"
        if action == "create":
            try:
                key = api_token_create(user=user, by=by)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(key)
            self.stderr.write(f"API-Token für {username!r} ausgegeben; es wird nur dieses eine Mal angezeigt.")
        elif api_token_revoke(user=user, by=by):
            self.stdout.write(f"API-Token von {username!r} widerrufen.")
        else:
            self.stdout.write(f"{username!r} hatte kein API-Token.")
