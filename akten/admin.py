from django.contrib import admin, messages
from guardian.admin import GuardedModelAdmin

from .models import Akte, AktenplanUnit, Hold, Vorgang
from .signals import HeldError


@admin.register(AktenplanUnit)
class AktenplanUnitAdmin(admin.ModelAdmin):
    list_display = ["kennzeichen", "title", "retention_years", "retention_permanent", "aussonderungsart", "department"]
    search_fields = ["kennzeichen", "title"]


class HoldInline(admin.TabularInline):
    model = Hold
    extra = 0
    readonly_fields = ["created_by", "created_at", "released_by", "released_at"]
    can_delete = False


@admin.register(Akte)
class AkteAdmin(GuardedModelAdmin):
    list_display = ["aktenzeichen", "title", "lead_department", "state", "zda_date", "aufbewahrungsende"]
    list_filter = ["state", "lead_department"]
    search_fields = ["aktenzeichen", "title"]
    readonly_fields = ["uuid", "state", "zda_date", "aufbewahrungsende"]
    inlines = [HoldInline]

    def has_delete_permission(self, request, obj=None):
        """A held Akte offers no delete button (the pre_delete guard refuses it anyway)."""
        if obj is not None and obj.holds.filter(released_at__isnull=True).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        try:
            super().delete_queryset(request, queryset)
        except HeldError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_model(self, request, obj):
        try:
            super().delete_model(request, obj)
        except HeldError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)


@admin.register(Vorgang)
class VorgangAdmin(admin.ModelAdmin):
    list_display = ["title", "akte"]
