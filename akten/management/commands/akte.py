"""`akte close AZ [--date D]`, `akte hold AZ --reason R [--reference REF] --user NAME`,
`akte release AZ --hold ID --reason R --user NAME`."""

from django.core.management.base import CommandError

from akten.models import Akte
from akten.selectors import active_holds
from akten.services import AkteError, akte_close, hold_place, hold_release
from dms.management.base import JsonCommand, parse_date


class Command(JsonCommand):
    help = "Close an Akte (z.d.A.), place or release a Löschsperre (legal hold)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="{close,hold,release}")
        close = sub.add_parser("close", help="z.d.A.: close the Akte; its retention period starts to run")
        close.add_argument("--date", help="z.d.A. date (default: today)")
        close.add_argument("--user", help="who closes it (recorded in the audit trail)")
        hold = sub.add_parser("hold", help="place a Löschsperre")
        hold.add_argument("--reason", required=True)
        hold.add_argument("--reference", default="", help="Bezug, e.g. the court's case number (VG 2 K 123/24)")
        hold.add_argument("--user", required=True)
        release = sub.add_parser("release", help="release one Löschsperre")
        release.add_argument("--hold", required=True, type=int, dest="hold_id", help="hold id")
        release.add_argument("--reason", required=True, help="why the hold is released (recorded)")
        release.add_argument("--user", required=True)
        for p in (close, hold, release):
            p.add_argument("aktenzeichen", metavar="AZ")
            # --json after the subcommand too (`akte close AZ --json`); merged with the top-level flag.
            p.add_argument("--json", action="store_true", dest="json_sub", help="print one JSON document")

    def handle(self, *args, **options):
        options["json"] = options.get("json") or options.pop("json_sub", False)
        return super().handle(*args, **options)

    def run(self, *, action: str, aktenzeichen: str, **options) -> dict:
        akte = Akte.objects.filter(aktenzeichen=aktenzeichen.strip()).first()
        if akte is None:
            raise CommandError(f"no Akte {aktenzeichen!r}")
        try:
            if action == "close":
                user = self.user(options.get("user"), required=False)
                on = parse_date(options["date"]) if options.get("date") else None
                akte = akte_close(akte=akte, by=user, on=on)
                result = {"action": "close"}
            elif action == "hold":
                hold = hold_place(
                    akte=akte,
                    reason=options["reason"],
                    reference=options.get("reference") or "",
                    by=self.user(options["user"]),
                )
                result = {"action": "hold", "hold": hold.pk}
            else:
                hold = hold_release(
                    akte=akte, hold_id=options["hold_id"], reason=options["reason"], by=self.user(options["user"])
                )
                result = {"action": "release", "hold": hold.pk}
        except AkteError as exc:
            raise CommandError(str(exc)) from None
        akte.refresh_from_db()
        result.update(
            {
                "aktenzeichen": akte.aktenzeichen,
                "state": akte.state,
                "zda_date": akte.zda_date,
                "aufbewahrungsende": akte.aufbewahrungsende,
                "active_holds": [
                    {
                        "id": h.pk,
                        "reason": h.reason,
                        "reference": h.reference,
                        "by": h.created_by.get_username(),
                        "at": h.created_at,
                    }
                    for h in active_holds(akte=akte).select_related("created_by")
                ],
            }
        )
        return result

    def render(self, result: dict) -> None:
        az = result["aktenzeichen"]
        if result["action"] == "close":
            end = result["aufbewahrungsende"]
            self.stdout.write(f"{az}: z.d.A. {result['zda_date']}, aufzubewahren bis {end or 'dauernd / offen'}")
        elif result["action"] == "hold":
            self.stdout.write(f"{az}: Löschsperre #{result['hold']} gesetzt ({len(result['active_holds'])} aktiv)")
        else:
            self.stdout.write(
                f"{az}: Löschsperre #{result['hold']} aufgehoben ({len(result['active_holds'])} weiterhin aktiv)"
            )
