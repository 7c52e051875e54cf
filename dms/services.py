"""Writes for departments, users and roles, and stored objects."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.dispatch import Signal

from .audit import audit_record
from .models import DEPARTMENT_GROUP_PREFIX, ROLE_GROUP_PREFIX, Department, Role, StoredObject
from .storage import PutResult, get_storage

User = get_user_model()

# Sent (inside the writing transaction) when a user's roles, memberships or active flag changed; `user=` the user.
user_access_changed = Signal()


@transaction.atomic
def department_upsert(*, code: str, name: str, by=None) -> Department:
    """Create or rename an Organisationseinheit and its backing Group."""
    code = code.strip()
    if not code:
        raise ValueError("department code must not be empty")
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        group, _ = Group.objects.get_or_create(name=f"{DEPARTMENT_GROUP_PREFIX}{code}")
        dept = Department(code=code, name=name, group=group)
        dept.full_clean()
        dept.save()
        audit_record(actor=by, action="department.create", obj=dept, after={"code": code, "name": name})
    elif dept.name != name:
        before = {"name": dept.name}
        dept.name = name
        dept.save(update_fields=["name"])
        audit_record(actor=by, action="department.update", obj=dept, before=before, after={"name": name})
    return dept


def role_group(role: str) -> Group:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(Role.values)}")
    return Group.objects.get_or_create(name=f"{ROLE_GROUP_PREFIX}{role}")[0]


@transaction.atomic
def user_upsert(
    *, username: str, password: str | None = None, departments: list[str] = (), roles: list[str] = (), by=None
) -> User:
    """Create or update a user; memberships and roles are set to exactly what is given. A password given is set
    (and audited, never its hash) only when it differs from the current one, so re-imports change nothing."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    password_changed = bool(password) and not created and not user.check_password(password)
    if password and (created or password_changed):
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = Role.ADMIN in roles
    user.is_superuser = Role.ADMIN in roles
    user.full_clean(exclude=["password"])
    user.save()
    depts = []
    for code in departments:
        dept = Department.objects.filter(code=code).first()
        if dept is None:
            raise ValueError(f"user {username!r}: unknown department {code!r}")
        depts.append(dept)
    groups = [d.group for d in depts] + [role_group(r) for r in roles]
    old = sorted(user.groups.values_list("name", flat=True))
    user.groups.set(groups)
    new = sorted(g.name for g in groups)
    if created or old != new:
        audit_record(
            actor=by,
            action="user.create" if created else "user.update",
            obj=user,
            before=None if created else {"groups": old},
            after={"groups": new},
        )
        _reindex_user_documents(user)
    if password_changed:
        audit_record(actor=by, action="user.password", obj=user, after={"password": "changed"})
    return user


def _reindex_user_documents(user) -> None:
    """Documents carry department principals, resolved at query time, so a membership change takes effect at
    the next search; but a role change or (de)activation changes whether the user's own `u:` principal counts
    (grants to a pure scan account or an inactive user give nothing, nor does the creator of a document who no
    longer holds the scan role). The records layer, which knows which documents name the user, refreshes them
    on this signal, in the caller's transaction (`akten.signals`)."""
    user_access_changed.send(sender=User, user=user)


@transaction.atomic
def user_set_active(*, user, active: bool, by=None) -> User:
    """Deactivate (or reactivate) a user: a deactivated user sees nothing and may do nothing (`akten.access`);
    audited, and the documents whose principals name the user are re-indexed."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=by,
        action="user.activate" if active else "user.deactivate",
        obj=user,
        before={"active": not active},
        after={"active": active},
    )
    _reindex_user_documents(user)
    return user


def stored_object_put(*, data: bytes | None = None, path=None, media_type: str, retain_until=None) -> StoredObject:
    """Store content (dedupe by hash) and return its StoredObject row."""
    storage = get_storage()
    result: PutResult = (
        storage.put_bytes(data, media_type=media_type, retain_until=retain_until)
        if data is not None
        else storage.put_file(path, media_type=media_type, retain_until=retain_until)
    )
    obj, _ = StoredObject.objects.get_or_create(
        sha256=result.sha256, defaults={"key": result.key, "size": result.size, "media_type": media_type}
    )
    return obj
