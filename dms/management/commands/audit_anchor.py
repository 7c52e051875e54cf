"""`audit_anchor [--json]`: write a signed checkpoint of the audit chain head now (cron; or once when anchoring
is first switched on for an existing trail), time-stamped by the RFC 3161 TSA when DMS_AUDIT_TSA_URL is set.
Appends also checkpoint themselves as they commit (without a time-stamp: no network inside a request)."""

from django.core.management.base import CommandError

from dms.audit import audit_anchor_head
from dms.audit_anchor import anchoring_enabled
from dms.audit_timestamp import TimestampError, timestamping_enabled
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = (
        "Checkpoint the audit chain head outside the database (needs DMS_AUDIT_ANCHOR_KEY_FILE); with "
        "DMS_AUDIT_TSA_URL set, the checkpoint carries an RFC 3161 time-stamp."
    )

    def run(self, **options) -> dict:
        if not anchoring_enabled():
            raise CommandError("audit anchoring is off: set DMS_AUDIT_ANCHOR_KEY_FILE to a key file")
        try:
            return {"anchored": audit_anchor_head(timestamp=timestamping_enabled())}
        except TimestampError as exc:
            raise CommandError(f"{exc}; no checkpoint was written") from None

    def render(self, result: dict) -> None:
        anchored = result["anchored"]
        if anchored is None:
            self.stdout.write("audit trail is empty: nothing to anchor")
        else:
            stamped = " with an RFC 3161 time-stamp" if anchored["timestamped"] else ""
            self.stdout.write(f"checkpoint written for event {anchored['seq']}{stamped}")
