"""Permission trimming, property-based: for generated users (memberships, scan role) and generated grants,
revokes and department changes (all through the akten services and the outbox), search never returns or counts
a document that `dms.selectors.document_list_for` would not give that user, and counts every one it would."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akten.models import Akte
from akten.selectors import document_list_for, document_principals
from akten.services import akte_change_department, akte_grant, akte_revoke
from dms.outbox import outbox_enqueue
from dms.services import department_upsert, user_upsert
from search.indexdoc import index_docs_for
from search.services import outbox_drain, search_documents
from tests import factories

from .conftest import make_document

DEPTS = ["10", "20", "30", "40"]
N_AKTEN = 5


def world():
    for code in DEPTS:
        department_upsert(code=code, name=f"Amt {code}")
    from akten.services import aktenplan_unit_upsert
    from dms.models import Department

    depts = list(Department.objects.filter(code__in=DEPTS).order_by("code"))
    for d in depts:
        aktenplan_unit_upsert(kennzeichen=d.code, title=f"Aufgaben {d.code}", retention_years=5, department=d)
    scanner = user_upsert(username="scanner", roles=["scan"])
    user_upsert(username="role-holder", roles=["caseworker"])  # makes sure the role group exists
    akten = [factories.akte(f"{DEPTS[i % 4]}-2020/{i:04d}", title=f"Akte {i}") for i in range(N_AKTEN)]
    for i, akte in enumerate(akten):
        make_document(akte, pages=[f"Vorgang Nummer {i} Baugenehmigung"], title=f"Vorgang {i}")
        make_document(akte, pages=[f"Vorgang Anlage {i} Bauantrag"], by=scanner if i % 2 else None)
    outbox_drain()
    return depts, akten, scanner


user_spec = st.fixed_dictionaries(
    {
        "departments": st.sets(st.sampled_from(DEPTS), max_size=2),
        "scan": st.booleans(),
    }
)
grant_spec = st.tuples(
    st.integers(0, N_AKTEN - 1), st.sampled_from(["user0", "user1", "user2", "role:scan", "role:caseworker", *DEPTS])
)
scenario = st.fixed_dictionaries(
    {
        "users": st.lists(user_spec, min_size=3, max_size=3),
        "grants": st.lists(grant_spec, max_size=6),
        "revokes": st.lists(st.integers(0, 5), max_size=3),
        "moves": st.lists(st.tuples(st.integers(0, N_AKTEN - 1), st.sampled_from(DEPTS)), max_size=2),
    }
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(scenario)
def test_search_never_returns_or_counts_a_document_the_selectors_deny(db, s):
    from django.contrib.auth.models import Group

    from akten.models import Document
    from dms.models import Department

    if not Department.objects.filter(code="10").exists():
        world()
    depts = {d.code: d for d in Department.objects.filter(code__in=DEPTS)}
    akten = list(Akte.objects.filter(aktenzeichen__regex=r"^\d0-2020/").order_by("aktenzeichen"))
    admin = user_upsert(username="admin-h", roles=["admin"])
    with transaction.atomic():
        users = [
            user_upsert(
                username=f"user{i}",
                departments=sorted(u["departments"]),
                roles=["caseworker"] + (["scan"] if u["scan"] else []),
            )
            for i, u in enumerate(s["users"])
        ]
        if s["users"][0]["scan"]:
            Document.objects.filter(akte=akten[1]).update(created_by=users[0])  # user0 ingested these
            outbox_enqueue(document_ids=Document.objects.filter(akte=akten[1]).values_list("id", flat=True))
        applied = []
        for akte_i, grantee in s["grants"]:
            target = (
                {"user": users[int(grantee[-1])]}
                if grantee.startswith("user")
                else {"group": Group.objects.get(name=grantee)}
                if grantee.startswith("role:")
                else {"department": depts[grantee]}
            )
            akte_grant(akte=akten[akte_i], by=admin, **target)
            applied.append((akte_i, target))
        for r in s["revokes"]:
            if r < len(applied):
                akte_revoke(akte=akten[applied[r][0]], by=admin, **applied[r][1])
        for akte_i, code in s["moves"]:
            akte_change_department(akte=Akte.objects.get(pk=akten[akte_i].pk), department=depts[code], by=admin)
        outbox_drain()
        for user in users:
            allowed = set(document_list_for(user=user).values_list("id", flat=True))
            for text in ("Vorgang", "Vorgng", "Bau", "Vorgang -Anlage"):
                result = search_documents(user=user, query=text, limit=100)
                returned = {h["document_id"] for h in result.hits}
                assert returned <= allowed, (text, user.username, returned - allowed)
                assert result.total == len(returned)
                assert sum(f["count"] for f in result.facets["department"]) == result.total
            assert search_documents(user=user, query="Vorgang", limit=100).total == len(allowed)
        transaction.set_rollback(True)
    with transaction.atomic():  # the rollback restored the database; bring the index back in step with it
        outbox_enqueue(document_ids=Document.objects.values_list("id", flat=True))
    outbox_drain()


def test_bulk_principals_equal_document_principals(org, akten):
    """The indexer's bulk principal computation gives exactly `dms.selectors.document_principals`."""
    a = make_document(akten.bau, pages=["x"])
    b = make_document(akten.ordnung, pages=["y"], by=org.scan)
    akte_grant(akte=akten.bau, department=org.d32, by=org.admin)
    akte_grant(akte=akten.ordnung, user=org.anna, by=org.admin)
    for entry in index_docs_for([a.pk, b.pk]):
        from akten.models import Document

        assert list(entry.principals) == document_principals(Document.objects.get(pk=entry.document_id))
