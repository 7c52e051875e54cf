"""The start page's recently opened documents come from the audit of the user's reads through an index on
(actor, action, seq), not a scan of the audit table, which grows with every read of every user."""

import pytest
from django.db import connection, transaction

from dms.audit import audit_record
from web.caseworker.reading import recent_reads

pytestmark = pytest.mark.django_db


def test_recent_reads_use_the_actor_index(org):
    with transaction.atomic():
        for i in range(600):  # many reads of other users, a few of anna's
            audit_record(actor=f"user{i % 30}", action="document.read", object_type="akten.Document", object_id=str(i))
        for i in range(5):
            audit_record(actor="anna", action="document.read", object_type="akten.Document", object_id=str(i))
    qs = recent_reads(user=org.anna)
    assert [int(e.object_id) for e in qs] == [4, 3, 2, 1, 0]
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("ANALYZE dms_auditevent")
            cur.execute("SET LOCAL enable_seqscan = off")
            plan = recent_reads(user=org.anna)[:300].explain()
        assert "audit_actor_action_seq" in plan, plan
    else:
        plan = recent_reads(user=org.anna)[:300].explain()
        assert "INDEX audit_actor_action_seq" in plan, plan
