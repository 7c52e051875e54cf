"""Admin of users and groups. Groups carry access (`akten.access`: `dept:<code>` and `role:<role>` groups, Akte
grants), so membership and role changes are audited and re-index what the user may see, as in `user_upsert`."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from dms.audit import audit_record
from dms.models import DEPARTMENT_GROUP_PREFIX, ROLE_GROUP_PREFIX
from dms.services import _reindex_user_documents, user_set_active

from .models import AkteGroupObjectPermission

User = get_user_model()

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class AccessGroupAdmin(GroupAdmin):
    """Groups carry access (`akten.access`): role and department groups keep their names, and no group that is a
    role, a department or the holder of an Akte grant is deleted here (that would change access unaudited)."""

    def _carries_access(self, obj) -> bool:
        return (
            obj.name.startswith((ROLE_GROUP_PREFIX, DEPARTMENT_GROUP_PREFIX))
            or AkteGroupObjectPermission.objects.filter(group=obj).exists()
        )

    def get_readonly_fields(self, request, obj=None):
        fixed = obj is not None and obj.name.startswith((ROLE_GROUP_PREFIX, DEPARTMENT_GROUP_PREFIX))
        return ["name"] if fixed else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and self._carries_access(obj)) and super().has_delete_permission(request, obj)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Django's user admin; membership and role changes (groups `dept:<code>`, `role:<role>`) are audited and
    re-index what the user may see, as in user_upsert; (de)activation goes through `user_set_active`."""

    def has_delete_permission(self, request, obj=None):
        return False  # deactivated (audited), never deleted: the audit trail and grants name the user

    def save_model(self, request, obj, form, change):
        flags = [f for f in ("is_staff", "is_superuser") if change and f in form.changed_data]
        with transaction.atomic():
            if change and "is_active" in form.changed_data:
                active = obj.is_active
                obj.is_active = not active  # saved as it was; the service changes it (audited, re-indexed)
                super().save_model(request, obj, form, change)
                obj.is_active = user_set_active(user=obj, active=active, by=request.user).is_active
            else:
                super().save_model(request, obj, form, change)
            if flags:  # the superuser flag opens the admin's records (akten.access.may_administer)
                audit_record(
                    actor=request.user,
                    action="user.update",
                    obj=obj,
                    before={f: not getattr(obj, f) for f in flags},
                    after={f: getattr(obj, f) for f in flags},
                )

    def save_related(self, request, form, formsets, change):
        user = form.instance
        before = sorted(user.groups.values_list("name", flat=True)) if change else None
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            after = sorted(user.groups.values_list("name", flat=True))
            if before != after:
                audit_record(
                    actor=request.user,
                    action="user.update" if change else "user.create",
                    obj=user,
                    before=None if before is None else {"groups": before},
                    after={"groups": after},
                )
                _reindex_user_documents(user)
