"""`ingest_worker [--until-idle] [--once] [--poll SECONDS] [--workers N] [--json]`: runs the batches submitted in
the browser or the consume folder (scan_ingest.runner). `make run` keeps one running beside the web server;
`batch_submit` starts one with `--until-idle` when none runs. Batches left `wartet`/`läuft` by a killed worker
are resumed."""

from django.core.management.base import CommandError

from dms.management.base import JsonCommand
from scan_ingest.runner import run_pending, worker_loop


class Command(JsonCommand):
    help = "Run submitted ingest batches in the background (resumes interrupted ones)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--until-idle", action="store_true", help="exit once no batch is waiting")
        parser.add_argument("--once", action="store_true", help="run what is pending now, then exit (no lock)")
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between looks for new batches")
        parser.add_argument("--workers", type=int, help="page worker processes (default: CPU cores)")

    def run(self, *, until_idle=False, once=False, poll=2.0, workers=None, **options) -> dict:
        if workers is not None and workers < 1:
            raise CommandError("--workers muss mindestens 1 sein")
        if once:
            return {"batches": run_pending(workers=workers)}
        try:
            worker_loop(until_idle=until_idle, poll=max(0.2, poll), workers=workers)
        except KeyboardInterrupt:
            pass
        return {"batches": None}

    def render(self, result: dict) -> None:
        if result["batches"] is not None:
            self.stdout.write(f"{result['batches']} Stapel eingelesen")
