"""`audit_anchor [--json]`: write a signed checkpoint of the audit chain head now (cron; or once when anchoring
is first switched on for an existing trail). Appends also checkpoint themselves as they commit."""
from django.core.management.base import CommandError

from dms.audit import audit_anchor_head
from dms.audit_anchor import anchoring_enabled
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = "Checkpoint the audit chain head outside the database (needs DMS_AUDIT_ANCHOR_KEY_FILE)."

    def run(self, **options) -> dict:
        if not anchoring_enabled():
            raise CommandError("audit anchoring is off: set DMS_AUDIT_ANCHOR_KEY_FILE to a key file")
        return {"anchored": audit_anchor_head()}

    def render(self, result: dict) -> None:
        anchored = result["anchored"]
        self.stdout.write("audit trail is empty: nothing to anchor" if anchored is None
                          else f"checkpoint written for event {anchored['seq']}")
