"""The organisation importer: departments and users (passwords, memberships, roles, and optionally
`"active": false` to deactivate an account) from a JSON document. Idempotent; the whole document is checked
first and nothing is written when any entry is wrong (every error names its entry)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from dms.importers import ImportFileError
from dms.models import Department, Role
from dms.services import department_upsert, user_set_active, user_upsert

USER_KEYS = {"username", "password", "departments", "roles", "active"}
DEPARTMENT_KEYS = {"code", "name"}


@dataclass(frozen=True)
class OrgPlan:
    """A checked organisation file: what `apply` writes."""

    departments: list[dict]
    users: list[dict]

    def __len__(self) -> int:
        return len(self.departments) + len(self.users)


def load(path: Path) -> dict:
    """The JSON document of `path`; ImportFileError names the file when it cannot be read or has the wrong shape."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not set(data) <= {"departments", "users"}:
        raise ImportFileError(f'{path}: expected an object with "departments" and/or "users"')
    return data


def _str_list(value, what: str, where: str, errors: list) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}: {what} must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def validate(data: dict) -> tuple[list[dict], list[dict], list[str]]:
    """Return (departments, users, errors); errors name the entry as `users[3] 'hans'`."""
    errors, departments, users = [], [], []
    raw_departments = data.get("departments", [])
    if not isinstance(raw_departments, list):
        errors.append('"departments" must be a list')
        raw_departments = []
    for i, entry in enumerate(raw_departments):
        where = f"departments[{i}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: expected an object with code and name")
            continue
        where += f" {entry.get('code')!r}"
        unknown = set(entry) - DEPARTMENT_KEYS
        code, name = str(entry.get("code") or "").strip(), str(entry.get("name") or "").strip()
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        elif not code or not name:
            errors.append(f"{where}: code and name are required")
        elif any(d["code"] == code for d in departments):
            errors.append(f"{where}: department {code} is listed twice")
        else:
            departments.append({"code": code, "name": name})
    known = {d["code"] for d in departments} | set(Department.objects.values_list("code", flat=True))
    raw_users = data.get("users", [])
    if not isinstance(raw_users, list):
        errors.append('"users" must be a list')
        raw_users = []
    seen = set()
    for i, entry in enumerate(raw_users):
        where = f"users[{i}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: expected an object with username, password, departments, roles")
            continue
        username = str(entry.get("username") or "").strip()
        where += f" {username!r}"
        unknown = set(entry) - USER_KEYS
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
            continue
        if not username:
            errors.append(f"{where}: username is required")
            continue
        if username in seen:
            errors.append(f"{where}: user {username} is listed twice")
            continue
        seen.add(username)
        password = entry.get("password")
        if password is not None and not (isinstance(password, str) and password):
            errors.append(f"{where}: password must be a non-empty string")
        depts = _str_list(entry.get("departments"), "departments", where, errors)
        roles = _str_list(entry.get("roles"), "roles", where, errors)
        for code in depts:
            if code not in known:
                errors.append(f"{where}: unknown department {code!r}")
        for role in roles:
            if role not in Role.values:
                errors.append(f"{where}: unknown role {role!r} (expected one of {', '.join(Role.values)})")
        active = entry.get("active")
        if active is not None and not isinstance(active, bool):
            errors.append(f"{where}: active must be true or false")
        users.append(
            {"username": username, "password": password, "departments": depts, "roles": roles, "active": active}
        )
    return departments, users, errors


def read(path: Path) -> OrgPlan:
    """Load and check the whole file; ImportFileError lists every wrong entry and nothing is written."""
    departments, users, errors = validate(load(path))
    if errors:
        raise ImportFileError(f"{path}: {len(errors)} error(s), nothing imported:\n  " + "\n  ".join(errors))
    return OrgPlan(departments, users)


def apply(plan: OrgPlan, *, advance: Callable[[], object] = lambda: None) -> dict:
    """Write the plan in one transaction through the audited services. Returns
    `{"departments": [{"code", "status"}], "users": [{"username", "status"}]}`, status created/updated/unchanged.
    `advance()` is called after each entry (a progress bar)."""
    result = {"departments": [], "users": []}
    User = get_user_model()
    with transaction.atomic():
        for entry in plan.departments:
            old = Department.objects.filter(code=entry["code"]).values_list("name", flat=True).first()
            department_upsert(code=entry["code"], name=entry["name"])
            status = "created" if old is None else ("updated" if old != entry["name"] else "unchanged")
            result["departments"].append({"code": entry["code"], "status": status})
            advance()
        for entry in plan.users:
            user = User.objects.filter(username=entry["username"]).first()
            before = None if user is None else (sorted(user.groups.values_list("name", flat=True)), user.is_active)
            fields = {k: v for k, v in entry.items() if k != "active"}
            user = user_upsert(**fields)
            if entry["active"] is not None:  # absent: left as it is
                user = user_set_active(user=user, active=entry["active"])
            after = (sorted(user.groups.values_list("name", flat=True)), user.is_active)
            status = "created" if before is None else ("updated" if before != after else "unchanged")
            result["users"].append({"username": entry["username"], "status": status})
            advance()
    return result
