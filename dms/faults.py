"""Named fault points: the places where a process killed mid-way must leave a state a re-run can finish
(Aussonderung execution, the ingest writer). Production code only names the point; nothing happens unless a test
installed a hook (tests/crash_manage.py kills the process there with SIGKILL or slows it down). See
docs/architecture.md, "Crash safety"."""

from collections.abc import Callable

_hooks: list[Callable[[str], None]] = []


def fault_point(name: str) -> None:
    """Pass the named point; each installed hook is called with the name."""
    for hook in _hooks:
        hook(name)


def install_fault_hook(hook: Callable[[str], None]) -> Callable[[], None]:
    """Install `hook(name)` for every fault point; returns the function that removes it again."""
    _hooks.append(hook)
    return lambda: _hooks.remove(hook)
