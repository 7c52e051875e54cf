"""`import_org FILE.json`: departments and users (passwords, memberships, roles, and optionally `"active": false`
to deactivate an account). Idempotent; the whole file is checked first and nothing is written when any entry is
wrong (every error names its entry)."""
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction

from dms.management.base import JsonCommand
from dms.models import Department, Role
from dms.services import department_upsert, user_set_active, user_upsert

USER_KEYS = {"username", "password", "departments", "roles", "active"}
DEPARTMENT_KEYS = {"code", "name"}


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not set(data) <= {"departments", "users"}:
        raise CommandError(f'{path}: expected an object with "departments" and/or "users"')
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
        users.append({"username": username, "password": password, "departments": depts, "roles": roles,
                      "active": active})
    return departments, users, errors


class Command(JsonCommand):
    help = "Import Organisationseinheiten and users from a JSON file (idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def run(self, *, file: Path, **options) -> dict:
        departments, users, errors = validate(_load(file))
        if errors:
            raise CommandError(f"{file}: {len(errors)} error(s), nothing imported:\n  " + "\n  ".join(errors))
        result = {"departments": [], "users": []}
        User = get_user_model()
        with transaction.atomic(), self.progress(len(departments) + len(users), "Organisation") as advance:
            for entry in departments:
                old = Department.objects.filter(code=entry["code"]).values_list("name", flat=True).first()
                department_upsert(code=entry["code"], name=entry["name"])
                status = "created" if old is None else ("updated" if old != entry["name"] else "unchanged")
                result["departments"].append({"code": entry["code"], "status": status})
                advance()
            for entry in users:
                user = User.objects.filter(username=entry["username"]).first()
                before = None if user is None else (sorted(user.groups.values_list("name", flat=True)),
                                                    user.is_active)
                active = entry.pop("active")
                user = user_upsert(**entry)
                if active is not None:  # absent: left as it is
                    user = user_set_active(user=user, active=active)
                after = (sorted(user.groups.values_list("name", flat=True)), user.is_active)
                status = "created" if before is None else ("updated" if before != after else "unchanged")
                result["users"].append({"username": entry["username"], "status": status})
                advance()
        return result

    def render(self, result: dict) -> None:
        for kind, key in (("departments", "code"), ("users", "username")):
            counts = {}
            for row in result[kind]:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
            self.stdout.write(f"{kind}: {summary}")
