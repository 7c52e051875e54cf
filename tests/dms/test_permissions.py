"""Permissions are deny by default: a user sees an Akte only as a member of its lead department or through a
per-Akte grant (to the user or to a department they belong to); documents follow their Akte; a pure scan account
reads only what it ingested. The search principals (user_principals vs document_principals) agree exactly with
the selectors, so trimming inside the search query gives the same answer as the database."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akten.models import Akte, AktenplanUnit, Document
from akten.selectors import (
    akte_get_for,
    akte_list_for,
    document_get_for,
    document_list_for,
    document_principals,
    user_principals,
)
from akten.services import akte_create, akte_grant, akte_revoke
from dms.models import Department
from dms.services import department_upsert, user_upsert
from tests import factories

User = get_user_model()
ROLE_SETS = [["caseworker"], ["scan"], ["archivist"], [], ["scan", "caseworker"], ["admin"]]


@st.composite
def worlds(draw):
    """Departments, users (roles, memberships), Akten (lead department, user and department grants) and
    documents (ingested by some user or by nobody)."""
    n_depts = draw(st.integers(1, 3))
    n_users = draw(st.integers(1, 4))
    depts = list(range(n_depts))
    users = [
        {"roles": draw(st.sampled_from(ROLE_SETS)), "depts": draw(st.sets(st.sampled_from(depts)))}
        for _ in range(n_users)
    ]
    akten = []
    for _ in range(draw(st.integers(0, 5))):
        akten.append(
            {
                "lead": draw(st.sampled_from(depts)),
                "user_grants": draw(st.sets(st.integers(0, n_users - 1), max_size=2)),
                "dept_grants": draw(st.sets(st.sampled_from(depts), max_size=2)),
                "docs": draw(st.lists(st.one_of(st.none(), st.integers(0, n_users - 1)), max_size=2)),
            }
        )
    revoke = draw(st.booleans())
    return SimpleNamespace(depts=depts, users=users, akten=akten, revoke=revoke)


def build(world):
    depts = [department_upsert(code=f"{i + 1}", name=f"Amt {i + 1}") for i in world.depts]
    users = [
        user_upsert(username=f"u{i}", departments=[depts[d].code for d in u["depts"]], roles=u["roles"])
        for i, u in enumerate(world.users)
    ]
    unit = AktenplanUnit.objects.create(kennzeichen="1", title="Alles", retention_years=10)
    akten, docs = [], []
    for i, a in enumerate(world.akten):
        akte = akte_create(aktenzeichen=f"1-{i + 1}", title=f"Akte {i}", unit=unit, lead_department=depts[a["lead"]])
        for u in a["user_grants"]:
            akte_grant(akte=akte, by=None, user=users[u])
        for d in a["dept_grants"]:
            akte_grant(akte=akte, by=None, department=depts[d])
        for creator in a["docs"]:
            docs.append((factories.document(akte, created_by=None if creator is None else users[creator]), creator))
        akten.append(akte)
    if world.revoke and world.akten and world.akten[0]["user_grants"]:
        u = min(world.akten[0]["user_grants"])
        akte_revoke(akte=akten[0], by=None, user=users[u])
        world.akten[0]["user_grants"] = world.akten[0]["user_grants"] - {u}
    return users, akten, docs


def expected_akten(world, ui):
    u = world.users[ui]
    if "scan" in u["roles"] and not set(u["roles"]) & {"caseworker", "archivist", "admin"}:
        return set()
    return {
        i
        for i, a in enumerate(world.akten)
        if a["lead"] in u["depts"] or ui in a["user_grants"] or a["dept_grants"] & u["depts"]
    }


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=worlds())
def test_users_see_exactly_what_their_grants_allow(world):
    with transaction.atomic():
        users, akten, docs = build(world)
        for ui, user in enumerate(users):
            visible = expected_akten(world, ui)
            assert set(akte_list_for(user=user).values_list("pk", flat=True)) == {akten[i].pk for i in visible}
            expected_docs = {
                doc.pk
                for doc, creator in docs
                if doc.akte_id in {akten[i].pk for i in visible}
                or ("scan" in world.users[ui]["roles"] and creator == ui)
            }
            assert set(document_list_for(user=user).values_list("pk", flat=True)) == expected_docs
            principals = set(user_principals(user))
            for doc, _ in docs:
                assert bool(principals & set(document_principals(doc))) == (doc.pk in expected_docs), (
                    f"search principals disagree with the selectors for user u{ui} and document {doc.pk}"
                )
            for i, akte in enumerate(akten):
                if i not in visible:
                    with pytest.raises(Akte.DoesNotExist):
                        akte_get_for(user=user, pk=akte.pk)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_anonymous_and_unassigned_users_see_nothing(org, aktenplan):
    from django.contrib.auth.models import AnonymousUser

    akte = factories.akte("63-2000/1")
    factories.document(akte)
    nobody = User.objects.create(username="nobody")
    for user in (AnonymousUser(), nobody, None):
        assert not akte_list_for(user=user).exists()
        assert not document_list_for(user=user).exists()
    assert user_principals(AnonymousUser()) == []


@pytest.mark.django_db
def test_scan_account_reads_only_what_it_ingested(org, aktenplan):
    """Even as a member of the lead department or with a grant, a pure scan account sees only its own
    ingests; a caseworker who also scans sees both."""
    akte = factories.akte("63-2000/1")
    mine = factories.document(akte, "gescannt", created_by=org.scan)
    other = factories.document(akte, "von anderen")
    user_upsert(username="scan", departments=["63"], roles=["scan"])
    akte_grant(akte=akte, by=org.admin, user=org.scan)
    assert list(document_list_for(user=org.scan)) == [mine]
    assert not akte_list_for(user=org.scan).exists()
    with pytest.raises(Document.DoesNotExist):
        document_get_for(user=org.scan, pk=other.pk)
    assert set(user_principals(org.scan)) & set(document_principals(other)) == set()
    user_upsert(username="scan", departments=["63"], roles=["scan", "caseworker"])
    assert set(document_list_for(user=org.scan)) == {mine, other}


@pytest.mark.django_db
def test_role_change_of_a_granted_user_reindexes_the_granted_akte(org, aktenplan):
    from dms.models import OutboxEntry

    akte = factories.akte("63-2000/1")
    doc = factories.document(akte)
    akte_grant(akte=akte, by=org.admin, user=org.bernd)
    OutboxEntry.objects.all().delete()
    user_upsert(username="bernd", departments=["32"], roles=["scan"])
    assert list(OutboxEntry.objects.values_list("document_id", flat=True)) == [doc.pk]


@pytest.mark.django_db
def test_department_grant_follows_membership(org, aktenplan):
    """A grant to a department covers whoever is a member, now or later."""
    akte = factories.akte("63-2000/1")
    akte_grant(akte=akte, by=org.admin, department=Department.objects.get(code="32"))
    assert akte_list_for(user=org.bernd).filter(pk=akte.pk).exists()
    newcomer = user_upsert(username="neu", departments=["32"], roles=["caseworker"])
    assert akte_list_for(user=newcomer).filter(pk=akte.pk).exists()
    user_upsert(username="neu", departments=[], roles=["caseworker"])
    assert not akte_list_for(user=newcomer).exists()
