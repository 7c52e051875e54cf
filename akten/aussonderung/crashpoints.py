"""Named points where a killed execution must be survivable. Inert unless the environment asks: the crash tests
set DMS_AUSSONDERUNG_KILL_AT=`name` or `name#n` (SIGKILL this process at the n-th pass) or
DMS_AUSSONDERUNG_STEP_DELAY=seconds (so another process can kill it at an arbitrary moment)."""
import os
import signal
import time
from collections import Counter

KILL_ENV = "DMS_AUSSONDERUNG_KILL_AT"
DELAY_ENV = "DMS_AUSSONDERUNG_STEP_DELAY"
_passes: Counter = Counter()


def step(name: str) -> None:
    target = os.environ.get(KILL_ENV)
    if target:
        _passes[name] += 1
        if target in (name, f"{name}#{_passes[name]}"):
            os.kill(os.getpid(), signal.SIGKILL)
    if delay := os.environ.get(DELAY_ENV):
        time.sleep(float(delay))
