"""Admin for master data. Departments are written through the audited service (which also creates the backing
Group); documents inside a held Akte show as protected on the delete pages; the audit trail is read-only."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from akten.admin import HoldGuardAdmin, ReadOnlyAdmin
from search.outbox import outbox_enqueue

from .api import token_admin  # noqa: F401  (registers the audited API token admin)
from .audit import audit_record
from .models import DEPARTMENT_GROUP_PREFIX, ROLE_GROUP_PREFIX, AuditEvent, Department, Document, StoredObject
from .services import _reindex_user_documents, department_upsert, user_set_active

User = get_user_model()


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = department_upsert(code=obj.code, name=obj.name, by=request.user)
        obj.pk, obj.group = saved.pk, saved.group


@admin.register(Document)
class DocumentAdmin(HoldGuardAdmin):
    list_display = ["title", "akte", "department", "document_type", "date"]
    list_filter = ["department", "document_type"]
    search_fields = ["title", "akte__aktenzeichen"]
    readonly_fields = ["uuid", "created_by", "created_at", "department"]
    list_select_related = ["akte", "department"]

    def has_add_permission(self, request):
        return False  # documents come from ingest, with their stored versions

    def has_content(self, obj) -> bool:
        return obj.versions.exists()

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "akte", "vorgang"]

    def save_model(self, request, obj, form, change):
        """Metadata edits are audited and re-indexed in the same transaction."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action="document.update",
                obj=obj,
                after={f: str(form.cleaned_data[f]) for f in form.changed_data},
            )
            outbox_enqueue(document_ids=[obj.pk])

    def delete_one(self, request, obj):
        audit_record(
            actor=request.user,
            action="document.delete",
            obj=obj,
            before={"akte": obj.akte.aktenzeichen, "title": obj.title},
        )
        doc_id = obj.pk
        obj.delete()
        outbox_enqueue(document_ids=[doc_id], op="delete")


@admin.register(StoredObject)
class StoredObjectAdmin(admin.ModelAdmin):
    list_display = ["key", "size", "media_type", "created_at"]
    search_fields = ["sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["seq", "at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor", "object_id"]


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class AccessGroupAdmin(GroupAdmin):
    """Groups carry access (`akten.access`): role and department groups keep their names, and no group that is a
    role, a department or the holder of an Akte grant is deleted here (that would change access unaudited)."""

    def _carries_access(self, obj) -> bool:
        from akten.models import AkteGroupObjectPermission

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
