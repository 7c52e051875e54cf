"""The one access rule, property-based, end to end. Hypothesis generates users of every role combination (none,
scan-only, caseworker, archivist, admin, department lead and mixes; zero to several departments; creators of
documents in other departments), then grants (view, change), revokes, moves of the Federführung, membership and
role changes and (de)activations, each either through the audited service or through the admin page that uses
it. A small specification written here in plain Python (not the code under test) says what each user may see;
the web pages (Akten list, Akte page, document download), the API (Akten and documents: list, detail, content),
search (web and API: hits, totals, department facets), and `akten.access` (visible, changeable, Löschsperre, who
grants) must all agree with it."""

import re
from collections import Counter

from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akten import access
from akten.models import Akte, Document
from akten.services import akte_change_department, akte_set_access, aktenplan_unit_upsert
from dms.models import Department
from dms.outbox import outbox_enqueue
from dms.services import department_upsert, role_group, user_set_active, user_upsert
from search.services import outbox_drain
from tests import admin_pages, factories

DEPTS = ["10", "20", "30"]
ROLES = ["scan", "caseworker", "archivist", "admin", "lead"]
READING = {"caseworker", "archivist", "admin", "lead"}
N_USERS, N_AKTEN, DOCS_PER_AKTE = 3, 4, 2
N_DOCS = N_AKTEN * DOCS_PER_AKTE
GRANTEES = (
    [f"user{i}" for i in range(N_USERS)]
    + [f"dept:{d}" for d in DEPTS]
    + ["role:scan", "role:caseworker", "role:archivist"]
)


def world():
    """Departments, one Aktenplan unit each, Akten 10-2020/0001 … (lead department by index) with two documents
    each; built once per test run, kept across examples (each example rolls its own changes back)."""
    for code in DEPTS:
        dept = department_upsert(code=code, name=f"Amt {code}")
        aktenplan_unit_upsert(kennzeichen=code, title=f"Aufgaben {code}", retention_years=5, department=dept)
    for a in range(N_AKTEN):
        akte = factories.akte(f"{DEPTS[a % len(DEPTS)]}-2020/{a + 1:04d}", title=f"Akte Nummer {a}")
        for d in range(DOCS_PER_AKTE):
            factories.document(akte, f"Schriftstück {a}-{d}", text=f"Vorgang Bauantrag {a} {d}")
    outbox_drain()


users_st = st.lists(
    st.fixed_dictionaries(
        {
            "roles": st.sets(st.sampled_from(ROLES)),
            "depts": st.sets(st.sampled_from(DEPTS)),
        }
    ),
    min_size=N_USERS,
    max_size=N_USERS,
)
via_st = st.sampled_from(["service", "admin"])  # the audited service directly, or the admin page that uses it
op_st = st.one_of(
    st.tuples(
        st.just("access"),
        via_st,
        st.integers(0, N_AKTEN - 1),
        st.sampled_from(GRANTEES),
        st.sampled_from(["view", "change", "none"]),
    ),
    st.tuples(st.just("move"), via_st, st.integers(0, N_AKTEN - 1), st.sampled_from(DEPTS)),
    st.tuples(
        st.just("member"),
        via_st,
        st.integers(0, N_USERS - 1),
        st.sets(st.sampled_from(DEPTS)),
        st.sets(st.sampled_from(ROLES)),
    ),
    st.tuples(st.just("active"), via_st, st.integers(0, N_USERS - 1), st.booleans()),
)
scenario_st = st.fixed_dictionaries(
    {
        "users": users_st,
        "creators": st.lists(st.one_of(st.none(), st.integers(0, N_USERS - 1)), min_size=N_DOCS, max_size=N_DOCS),
        "ops": st.lists(op_st, max_size=8),
    }
)


class Spec:
    """What the rule says, from the scenario alone."""

    def __init__(self, s):
        self.users = [{"roles": set(u["roles"]), "depts": set(u["depts"]), "active": True} for u in s["users"]]
        self.lead = {a: DEPTS[a % len(DEPTS)] for a in range(N_AKTEN)}
        self.grants: dict[tuple[int, str], str] = {}
        self.creator = dict(enumerate(s["creators"]))

    def apply(self, op):
        kind, _via, *args = op
        if kind == "access":
            a, grantee, level = args
            self.grants[(a, grantee)] = level
        elif kind == "move":
            self.lead[args[0]] = args[1]
        elif kind == "member":
            self.users[args[0]].update(depts=set(args[1]), roles=set(args[2]))
        else:
            self.users[args[0]]["active"] = args[1]

    def groups(self, u) -> set[str]:
        user = self.users[u]
        return {f"dept:{d}" for d in user["depts"]} | {f"role:{r}" for r in user["roles"]}

    def _granted(self, a, u, levels) -> bool:
        return any(self.grants.get((a, g)) in levels for g in self.groups(u) | {f"user{u}"})

    def scan_only(self, u) -> bool:
        return "scan" in self.users[u]["roles"] and not self.users[u]["roles"] & READING

    def akten(self, u) -> set[int]:
        if not self.users[u]["active"] or self.scan_only(u):
            return set()
        return {
            a
            for a in range(N_AKTEN)
            if self.lead[a] in self.users[u]["depts"] or self._granted(a, u, {"view", "change"})
        }

    def docs(self, u) -> set[int]:
        if not self.users[u]["active"]:
            return set()
        seen = {d for d in range(N_DOCS) if d // DOCS_PER_AKTE in self.akten(u)}
        if "scan" in self.users[u]["roles"]:
            seen |= {d for d in range(N_DOCS) if self.creator[d] == u}
        return seen

    def changeable(self, u) -> set[int]:
        own = "caseworker" in self.users[u]["roles"]
        return {
            a
            for a in self.akten(u)
            if (own and self.lead[a] in self.users[u]["depts"]) or self._granted(a, u, {"change"})
        }

    def may_hold(self, u, a) -> bool:
        user = self.users[u]
        return user["active"] and (
            "archivist" in user["roles"]
            or (bool(user["roles"] & {"caseworker", "lead"}) and self.lead[a] in user["depts"])
        )

    def may_grant(self, u, a) -> bool:
        """Grant and revoke: the department lead (Amtsleitung) of the Akte's lead department, or an admin."""
        user = self.users[u]
        return user["active"] and (
            "admin" in user["roles"] or ("lead" in user["roles"] and self.lead[a] in user["depts"])
        )


def apply_op(op, users, akten, admin, admin_client):
    """Carry out one change of access through the service or through the admin page (as an administrator)."""
    kind, via, *args = op
    if kind == "access":
        a, grantee, level = args
        target = (
            {"user": users[int(grantee[4:])]}
            if grantee.startswith("user")
            else {"group": Department.objects.get(code=grantee[5:]).group}
            if grantee.startswith("dept:")
            else {"group": role_group(grantee[5:])}
        )
        if via == "admin":
            assert admin_pages.set_access(admin_client, akten[a], level=level, **target).status_code == 302
        else:
            akte_set_access(akte=akten[a], by=admin, level=level, **target)
    elif kind == "move":
        akte, dept = Akte.objects.get(pk=akten[args[0]].pk), Department.objects.get(code=args[1])
        if via == "admin":
            assert admin_pages.change_akte(admin_client, akte, lead_department=dept.pk).status_code == 302
        else:
            akte_change_department(akte=akte, department=dept, by=admin)
    elif kind == "member":
        u, depts, roles = args
        if via == "admin":
            groups = [Department.objects.get(code=d).group for d in depts] + [role_group(r) for r in roles]
            assert admin_pages.change_user(admin_client, users[u], groups=groups).status_code == 302
        else:
            user_upsert(username=f"user{u}", departments=sorted(depts), roles=sorted(roles), by=admin)
    else:
        u, active = args
        if via == "admin":
            assert admin_pages.change_user(admin_client, users[u], active=active).status_code == 302
        else:
            user_set_active(user=users[u], active=active, by=admin)
    users[:] = [type(user).objects.get(pk=user.pk) for user in users]


def items(response):
    """A JSON list response's items (plain list or paginated `results`); nothing for a refused request."""
    if response.status_code != 200:
        return []
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def observe(client, akten, docs):
    """Everything the web and the API show one user, in terms of Akte and document indices."""
    akte_index = {akte.pk: i for i, akte in enumerate(akten)}
    doc_index = {doc.pk: i for i, doc in enumerate(docs)}
    seen = {}
    page = client.get("/akten/")
    seen["web list"] = (
        {akte_index[int(pk)] for pk in re.findall(r'href="/akten/(\d+)/"', page.content.decode())}
        if page.status_code == 200
        else set()
    )
    seen["web akte"] = {i for i, akte in enumerate(akten) if client.get(f"/akten/{akte.pk}/").status_code == 200}
    listed = set()
    for akte in akten:
        page = client.get(f"/akten/{akte.pk}/")
        if page.status_code == 200:
            listed |= {
                doc_index[int(d)] for d in re.findall(r'href="/akten/\d+/dokumente/(\d+)/"', page.content.decode())
            }
    seen["web akte documents"] = listed
    seen["web download"] = {
        i
        for i, doc in enumerate(docs)
        if client.get(f"/akten/{doc.akte_id}/dokumente/{doc.pk}/inhalt/").status_code == 200
    }
    seen["api akten"] = {akte_index[a["id"]] for a in items(client.get("/api/akten/"))}
    seen["api akte"] = {i for i, akte in enumerate(akten) if client.get(f"/api/akten/{akte.pk}/").status_code == 200}
    seen["api documents"] = {doc_index[d["id"]] for d in items(client.get("/api/documents/"))}
    seen["api document"] = {
        i for i, doc in enumerate(docs) if client.get(f"/api/documents/{doc.pk}/").status_code == 200
    }
    seen["api download"] = {
        i for i, doc in enumerate(docs) if client.get(f"/api/documents/{doc.pk}/content/").status_code == 200
    }
    page = client.get("/suche/", {"q": "Vorgang"})
    seen["web search"] = (
        {doc_index[int(d)] for d in re.findall(r'href="/akten/\d+/dokumente/(\d+)/[?"]', page.content.decode())}
        if page.status_code == 200
        else set()
    )
    response = client.get("/api/search/", {"q": "Vorgang", "limit": 100})
    result = response.json() if response.status_code == 200 else {"hits": [], "total": 0, "facets": {}}
    seen["api search"] = {doc_index[h["document_id"]] for h in result["hits"]}
    return seen, result


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(scenario_st)
def test_every_channel_agrees_with_the_rule(db, s):
    if not Department.objects.filter(code=DEPTS[0]).exists():
        world()
    akten = list(Akte.objects.filter(aktenzeichen__regex=r"^\d0-2020/").order_by("pk"))
    docs = list(Document.objects.filter(akte__in=akten).order_by("akte_id", "title"))
    spec = Spec(s)
    with transaction.atomic():
        admin = user_upsert(username="admin-p", roles=["admin"])
        users = [
            user_upsert(username=f"user{i}", departments=sorted(u["depts"]), roles=sorted(u["roles"]))
            for i, u in enumerate(s["users"])
        ]
        for doc, creator in zip(docs, s["creators"], strict=False):  # user N ingested this one (in any department)
            if creator is not None:
                Document.objects.filter(pk=doc.pk).update(created_by=users[creator])
        outbox_enqueue(document_ids=[d.pk for d in docs])
        admin_client = Client()
        admin_client.force_login(admin)
        for op in s["ops"]:
            apply_op(op, users, akten, admin, admin_client)
            spec.apply(op)
        outbox_drain()
        akten = [Akte.objects.get(pk=akte.pk) for akte in akten]
        docs = list(Document.objects.filter(pk__in=[d.pk for d in docs]).order_by("akte_id", "title"))
        for u, user in enumerate(users):
            want_akten, want_docs = spec.akten(u), spec.docs(u)
            who = (u, spec.users[u])
            assert {akten.index(a) for a in access.akten_visible(user)} == want_akten, who
            assert {
                i for i, d in enumerate(docs) if access.documents_visible(user).filter(pk=d.pk).exists()
            } == want_docs, who
            assert {akten.index(a) for a in access.akten_changeable(user)} == spec.changeable(u), who
            assert [access.may_hold(user, a) for a in akten] == [spec.may_hold(u, a) for a in range(N_AKTEN)], who
            assert [access.may_grant(user, a) for a in akten] == [spec.may_grant(u, a) for a in range(N_AKTEN)], who
            client = Client()
            client.force_login(user)
            seen, result = observe(client, akten, docs)
            for channel in ("web list", "web akte", "api akten", "api akte"):
                assert seen[channel] == want_akten, (channel, who)
            assert seen["web akte documents"] == {d for d in want_docs if d // DOCS_PER_AKTE in want_akten}, who
            for channel in (
                "web download",
                "api documents",
                "api document",
                "api download",
                "web search",
                "api search",
            ):
                assert seen[channel] == want_docs, (channel, who)
            assert result["total"] == len(want_docs), who
            # facets count visible documents only: by lead department (moves change it), by Aktenplan unit (not)
            by_dept = Counter(spec.lead[d // DOCS_PER_AKTE] for d in want_docs)
            by_unit = Counter(DEPTS[d // DOCS_PER_AKTE % len(DEPTS)] for d in want_docs)
            for facet, want in (("department", by_dept), ("unit", by_unit)):
                assert {f["value"]: f["count"] for f in result["facets"].get(facet, [])} == want, (facet, who)
        transaction.set_rollback(True)
    with transaction.atomic():  # the rollback restored the database; bring the index back in step with it
        outbox_enqueue(document_ids=Document.objects.values_list("id", flat=True))
    outbox_drain()
