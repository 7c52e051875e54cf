"""`import_org FILE.json`: departments and users with passwords, memberships and roles; idempotent; a wrong
entry is named and nothing is written."""

import json

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from akten.selectors import user_roles
from dms.models import AuditEvent, Department
from dms.selectors import user_departments

pytestmark = pytest.mark.django_db
User = get_user_model()

ORG = {
    "departments": [{"code": "10", "name": "Hauptamt"}, {"code": "63", "name": "Bauordnungsamt"}],
    "users": [
        {"username": "meier", "password": "geheim", "departments": ["63"], "roles": ["caseworker"]},
        {"username": "schulz", "password": "geheim", "departments": ["10", "63"], "roles": ["caseworker"]},
        {"username": "scanner", "roles": ["scan"]},
        {"username": "root", "password": "geheim", "roles": ["admin"]},
    ],
}


def write(tmp_path, data, name="org.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_creates_departments_users_memberships_and_roles(tmp_path, run_command):
    code, out, err = run_command("import_org", write(tmp_path, ORG), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [d["status"] for d in result["departments"]] == ["created", "created"]
    assert [u["status"] for u in result["users"]] == ["created"] * 4
    assert Department.objects.get(code="63").group.name == "dept:63"
    schulz = User.objects.get(username="schulz")
    assert sorted(user_departments(schulz).values_list("code", flat=True)) == ["10", "63"]
    assert user_roles(schulz) == {"caseworker"}
    assert authenticate(RequestFactory().post("/login/"), username="meier", password="geheim") is not None
    assert not User.objects.get(username="scanner").has_usable_password()
    root = User.objects.get(username="root")
    assert root.is_staff and root.is_superuser


def test_second_run_changes_nothing(tmp_path, run_command):
    path = write(tmp_path, ORG)
    run_command("import_org", path)
    events = AuditEvent.objects.count()
    code, out, _ = run_command("import_org", path, "--json")
    result = json.loads(out)
    assert code == 0
    assert {d["status"] for d in result["departments"]} == {"unchanged"}
    assert {u["status"] for u in result["users"]} == {"unchanged"}
    assert AuditEvent.objects.count() == events
    assert User.objects.count() == 4 and Department.objects.count() == 2


def test_rerun_applies_renames_and_membership_changes(tmp_path, run_command):
    run_command("import_org", write(tmp_path, ORG))
    changed = {
        "departments": [{"code": "63", "name": "Bauaufsicht"}],
        "users": [{"username": "meier", "departments": ["10"], "roles": ["caseworker"]}],
    }
    code, out, _ = run_command("import_org", write(tmp_path, changed, "b.json"), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["departments"] == [{"code": "63", "status": "updated"}]
    assert result["users"] == [{"username": "meier", "status": "updated"}]
    assert Department.objects.get(code="63").name == "Bauaufsicht"
    meier = User.objects.get(username="meier")
    assert list(user_departments(meier).values_list("code", flat=True)) == ["10"]
    assert (
        authenticate(RequestFactory().post("/login/"), username="meier", password="geheim") is not None
    )  # no password given: kept


def test_department_may_already_exist_in_the_database(tmp_path, run_command):
    run_command("import_org", write(tmp_path, {"departments": [{"code": "32", "name": "Ordnungsamt"}]}))
    users = {"users": [{"username": "x", "departments": ["32"], "roles": ["caseworker"]}]}
    assert run_command("import_org", write(tmp_path, users, "u.json"))[0] == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"users": [{"username": "a", "departments": ["99"]}]}, "users[0] 'a': unknown department '99'"),
        ({"users": [{"username": "a", "roles": ["chef"]}]}, "users[0] 'a': unknown role 'chef'"),
        ({"users": [{"username": "a"}, {"username": "a"}]}, "users[1] 'a': user a is listed twice"),
        ({"users": [{"password": "x"}]}, "users[0] '': username is required"),
        ({"users": [{"username": "a", "departments": "63"}]}, "users[0] 'a': departments must be a list"),
        ({"users": [{"username": "a", "email": "a@b"}]}, "users[0] 'a': unknown field(s) email"),
        ({"users": [{"username": "a", "password": ""}]}, "users[0] 'a': password must be a non-empty string"),
        ({"departments": [{"code": "63"}]}, "departments[0] '63': code and name are required"),
        ({"departments": [{"code": "1", "name": "a"}, {"code": "1", "name": "b"}]}, "department 1 is listed twice"),
        ({"departments": "63"}, '"departments" must be a list'),
        ({"people": []}, 'expected an object with "departments" and/or "users"'),
    ],
)
def test_bad_entry_is_named_and_nothing_is_imported(tmp_path, run_command, data, message):
    data = {"departments": [{"code": "63", "name": "Bauordnungsamt"}], **data}
    code, _, err = run_command("import_org", write(tmp_path, data))
    assert code == 1
    assert message in err
    assert str(tmp_path / "org.json") in err
    assert not User.objects.exists()
    assert not Department.objects.exists()


def test_all_errors_are_reported_at_once(tmp_path, run_command):
    data = {"users": [{"username": "a", "departments": ["98"]}, {"username": "b", "roles": ["boss"]}]}
    _, _, err = run_command("import_org", write(tmp_path, data))
    assert "2 error(s)" in err and "'98'" in err and "'boss'" in err


def test_unreadable_or_invalid_file_is_named(tmp_path, run_command):
    code, _, err = run_command("import_org", tmp_path / "missing.json")
    assert code == 1 and "missing.json: cannot read" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{departments: []}")
    code, _, err = run_command("import_org", bad)
    assert code == 1 and "bad.json: not valid JSON" in err


def test_password_change_is_applied_and_audited_without_the_hash(tmp_path, run_command):
    run_command("import_org", write(tmp_path, ORG))
    changed = {"users": [{"username": "meier", "password": "neu", "departments": ["63"], "roles": ["caseworker"]}]}
    code, _, _ = run_command("import_org", write(tmp_path, changed, "p.json"))
    assert code == 0
    assert authenticate(RequestFactory().post("/login/"), username="meier", password="neu") is not None
    event = AuditEvent.objects.get(action="user.password")
    assert event.after == {"password": "changed"} and "neu" not in json.dumps([event.before, event.after])


def test_membership_change_in_the_user_admin_is_audited(client, tmp_path, run_command):
    from django.contrib.auth.models import Group

    run_command("import_org", write(tmp_path, ORG))
    client.force_login(User.objects.get(username="root"))
    meier = User.objects.get(username="meier")
    groups = [Group.objects.get(name="dept:10").pk, Group.objects.get(name="role:caseworker").pk]
    response = client.post(
        f"/admin/auth/user/{meier.pk}/change/",
        {
            "username": "meier",
            "is_active": "on",
            "groups": groups,
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2024-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(user_departments(meier).values_list("code", flat=True)) == ["10"]
    event = AuditEvent.objects.filter(action="user.update", actor="root").get()
    assert event.before == {"groups": ["dept:63", "role:caseworker"]}
    assert event.after == {"groups": ["dept:10", "role:caseworker"]}


def test_active_false_deactivates_through_the_audited_service(tmp_path, run_command):
    run_command("import_org", write(tmp_path, ORG))
    off = {"users": [{"username": "meier", "departments": ["63"], "roles": ["caseworker"], "active": False}]}
    code, out, err = run_command("import_org", write(tmp_path, off, "off.json"), "--json")
    assert code == 0, err
    assert json.loads(out)["users"] == [{"username": "meier", "status": "updated"}]
    meier = User.objects.get(username="meier")
    assert not meier.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", object_id=str(meier.pk)).exists()
    again = {"users": [{"username": "meier", "departments": ["63"], "roles": ["caseworker"]}]}
    code, out, _ = run_command("import_org", write(tmp_path, again, "again.json"), "--json")
    assert json.loads(out)["users"] == [{"username": "meier", "status": "unchanged"}]
    assert not User.objects.get(username="meier").is_active  # absent: left as it is
    bad = {"users": [{"username": "meier", "active": "nein"}]}
    code, _, err = run_command("import_org", write(tmp_path, bad, "bad.json"))
    assert code == 1 and "users[0] 'meier': active must be true or false" in err


def test_importer_module_works_without_the_command(tmp_path):
    """Workspaces and the API call dms.importers.org directly: a wrong file raises ImportFileError naming the
    entry and writes nothing; a good one is applied with the same statuses the command prints."""
    from dms.importers import ImportFileError, org

    with pytest.raises(ImportFileError, match=r"users\[0\] 'a': unknown department '98'"):
        org.read(write(tmp_path, {"users": [{"username": "a", "departments": ["98"]}]}, "bad.json"))
    assert not User.objects.exists()
    plan = org.read(write(tmp_path, ORG))
    steps = []
    result = org.apply(plan, advance=lambda: steps.append(1))
    assert len(steps) == len(plan) == 6
    assert [u["status"] for u in result["users"]] == ["created"] * 4
    assert org.apply(org.read(write(tmp_path, ORG)))["departments"] == [
        {"code": "10", "status": "unchanged"},
        {"code": "63", "status": "unchanged"},
    ]
