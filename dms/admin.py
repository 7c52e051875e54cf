"""Admin for the kernel's master data. Departments are written through the audited service (which also creates the
backing Group); stored objects and the audit trail are read-only. Users and groups carry access, so their admin is
with the access rule (`akten/admin_users.py`); documents are administered with their Akte (`akten/admin.py`)."""

from django.contrib import admin

from .api import token_admin  # noqa: F401  (registers the audited API token admin)
from .models import AuditEvent, Department, StoredObject
from .services import department_upsert


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services (audit trail, disposal records): the admin shows them, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
