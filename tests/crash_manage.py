"""`python -m tests.crash_manage ARGS`: manage.py with the crash tests' fault hook installed (dms/faults.py).
The environment says where to fail, so the production code never reads it:
- DMS_AUSSONDERUNG_KILL_AT=`name` or `name#n`: SIGKILL this process at the (n-th pass of the) fault point `name`;
- DMS_AUSSONDERUNG_STEP_DELAY=seconds: sleep at every fault point, so another process can kill it at any moment;
- DMS_INGEST_FAULT=after_put:N: SIGKILL once the ingest writer has put the objects of the N-th document, before
  its rows commit."""

import os
import signal
import sys
import time
from collections import Counter

KILL_ENV = "DMS_AUSSONDERUNG_KILL_AT"
DELAY_ENV = "DMS_AUSSONDERUNG_STEP_DELAY"
INGEST_ENV = "DMS_INGEST_FAULT"


def crash_hook(environ) -> callable:
    kill_at, delay, ingest = environ.get(KILL_ENV), environ.get(DELAY_ENV), environ.get(INGEST_ENV, "")
    passes: Counter = Counter()

    def hook(name: str) -> None:
        passes[name] += 1
        if kill_at and kill_at in (name, f"{name}#{passes[name]}"):
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "ingest_after_put" and ingest.startswith("after_put:") and passes[name] >= int(ingest[10:]):
            os.kill(os.getpid(), signal.SIGKILL)
        if delay:
            time.sleep(float(delay))

    return hook


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from dms.faults import install_fault_hook

    install_fault_hook(crash_hook(os.environ))
    execute_from_command_line(["manage.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
