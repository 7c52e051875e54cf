"""`audit_verify [--json]`: walk the hash chain of the audit trail; exit 1 naming the first broken link."""
import time

from dms.audit import audit_verify
from dms.management.base import JsonCommand


class Command(JsonCommand):
    help = "Verify the hash-chained audit trail; exit 1 and name the first altered or missing event."

    def run(self, **options) -> dict:
        started = time.monotonic()
        checked, broken = audit_verify()
        return {
            "ok": broken is None,
            "checked": checked,
            "first_broken": None if broken is None else {"seq": broken.seq, "reason": broken.reason},
            "seconds": round(time.monotonic() - started, 3),
        }

    def render(self, result: dict) -> None:
        if result["ok"]:
            self.stdout.write(f"audit trail intact: {result['checked']} events verified")

    def exit_code(self, result: dict) -> int:
        if result["ok"]:
            return 0
        broken = result["first_broken"]
        self.stderr.write(f"audit trail broken at event {broken['seq']}: {broken['reason']} "
                          f"({result['checked']} events before it are intact)")
        return 1
