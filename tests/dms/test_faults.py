"""Fault points are inert in production: only a hook the tests install acts on them (tests/crash_manage.py);
the environment variables of the crash tests do nothing to a process that did not install it."""

from dms.faults import fault_point, install_fault_hook


def test_environment_alone_does_not_kill(monkeypatch):
    monkeypatch.setenv("DMS_AUSSONDERUNG_KILL_AT", "started")
    monkeypatch.setenv("DMS_INGEST_FAULT", "after_put:1")
    fault_point("started")
    fault_point("ingest_after_put")  # still alive


def test_installed_hook_sees_each_point_until_removed():
    seen = []
    remove = install_fault_hook(seen.append)
    fault_point("rows_removing")
    fault_point("rows_removed")
    remove()
    fault_point("done")
    assert seen == ["rows_removing", "rows_removed"]
