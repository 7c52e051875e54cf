"""The database side of the append-only audit trail: triggers that refuse DELETE (and TRUNCATE on PostgreSQL) of
AuditEvent rows, beside the UPDATE trigger of migration 0002. Used by migration 0003 and by `flush`, which
empties every table on purpose and so lifts them for the duration (tests, `manage.py flush`)."""

from contextlib import contextmanager

from django.db import connections

# The function dms_auditevent_append_only() comes from migration 0002 (it names the refused operation).
INSTALL = {
    "postgresql": [
        """CREATE TRIGGER dms_auditevent_no_delete BEFORE DELETE ON dms_auditevent
           FOR EACH ROW EXECUTE FUNCTION dms_auditevent_append_only()""",
        """CREATE TRIGGER dms_auditevent_no_truncate BEFORE TRUNCATE ON dms_auditevent
           FOR EACH STATEMENT EXECUTE FUNCTION dms_auditevent_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER dms_auditevent_no_delete BEFORE DELETE ON dms_auditevent
           BEGIN SELECT RAISE(ABORT, 'dms_auditevent is append-only: DELETE refused'); END""",
    ],
}
REMOVE = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS dms_auditevent_no_delete ON dms_auditevent",
        "DROP TRIGGER IF EXISTS dms_auditevent_no_truncate ON dms_auditevent",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS dms_auditevent_no_delete"],
}


def _execute(connection, statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def install_delete_guard(connection) -> None:
    _execute(connection, INSTALL)


def remove_delete_guard(connection) -> None:
    _execute(connection, REMOVE)


@contextmanager
def delete_guard_lifted(using: str = "default"):
    """Lift the DELETE/TRUNCATE guard while the block runs (a whole-database flush) and put it back after."""
    connection = connections[using]
    remove_delete_guard(connection)
    try:
        yield
    finally:
        remove_delete_guard(connection)  # idempotent: a block that already put it back stays correct
        install_delete_guard(connection)
