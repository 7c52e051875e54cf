"""`audit_verify [--json]`: walk the hash chain of the audit trail; exit 1 naming the first broken link."""

import time

from dms.audit import audit_anchor_status, audit_verify
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = (
        "Verify the hash-chained audit trail against itself and its external checkpoints; exit 1 and name the "
        "first altered, missing or re-chained event."
    )

    def run(self, **options) -> dict:
        started = time.monotonic()
        checked, broken = audit_verify()
        return {
            "ok": broken is None,
            "checked": checked,
            "first_broken": None if broken is None else {"seq": broken.seq, "reason": broken.reason},
            "anchors": audit_anchor_status(),
            "seconds": round(time.monotonic() - started, 3),
        }

    def render(self, result: dict) -> None:
        if result["ok"]:
            anchors = result["anchors"]
            note = (
                f", agrees with {anchors['checkpoints']} external checkpoints (last: event "
                f"{anchors['last_anchored_seq']})"
                if anchors["enabled"]
                else " (no external checkpoints: DMS_AUDIT_ANCHOR_KEY_FILE is not set)"
            )
            self.stdout.write(f"audit trail intact: {result['checked']} events verified{note}")

    def exit_code(self, result: dict) -> int:
        if result["ok"]:
            return 0
        broken = result["first_broken"]
        where = f"at event {broken['seq']}" if broken["seq"] is not None else "in its checkpoints"
        self.stderr.write(
            f"audit trail broken {where}: {broken['reason']} ({result['checked']} events before it are intact)"
        )
        return 1
