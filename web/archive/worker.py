"""The background execution of a disposal run (see jobs.py):
`python -m web.archive.worker RUN USER_ID OUT_DIR [execute|complete]`. Runs the existing resumable `run_execute`
(or `run_complete`: removing the Akten the archive's 0506 confirmed) and records in the run's status file whether
it finished or failed."""

import fcntl
import os
import sys
import traceback


def execute(run_pk: int, user_pk: int, out_dir: str, work: str = "execute") -> None:
    from pathlib import Path

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from akten.aussonderung.execute import run_complete, run_execute
    from akten.models import DisposalRun

    from .jobs import lock_path, status_write

    run = DisposalRun.objects.get(pk=run_pk)
    lock = os.open(lock_path(run), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another worker executes this run already; it records the outcome
        os.close(lock)
        return
    try:
        user = get_user_model().objects.get(pk=user_pk)
        if work == "complete":
            run_complete(run=run, by=user)
        else:
            run_execute(run=run, out_dir=Path(out_dir), by=user)
        status_write(run, state="fertig", finished=timezone.now().isoformat())
    except Exception as exc:
        traceback.print_exc()
        status_write(run, state="fehler", error=str(exc), finished=timezone.now().isoformat())
    finally:
        os.close(lock)  # releases the lock


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from akten.models import DisposalRun

    from .jobs import status_write

    run_pk, user_pk, out_dir = int(argv[0]), int(argv[1]), argv[2]
    work = argv[3] if len(argv) > 3 else "execute"
    status_write(DisposalRun.objects.get(pk=run_pk), pid=os.getpid())
    execute(run_pk, user_pk, out_dir, work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
