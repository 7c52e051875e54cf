"""Admin for the Aktenplan, Akten, Vorgänge and Löschsperren. A held Akte, and everything inside it, is shown as
protected on the admin's delete pages (single and bulk), so the admin never offers a delete that must fail."""
from django.contrib import admin, messages
from django.db import transaction
from guardian.admin import GuardedModelAdmin

from .models import Akte, AktenplanUnit, DisposalRun, Hold, Tombstone, Vorgang
from .services import AkteError, akte_delete, aktenplan_unit_upsert, hold_place, hold_release
from .signals import HeldError, _akte_id_of


def held_reasons(objs) -> list[str]:
    """One line per selected object that lies in an Akte under an active Löschsperre."""
    lines = []
    for obj in objs:
        akte_id = _akte_id_of(obj)
        holds = list(Hold.objects.filter(akte_id=akte_id, released_at__isnull=True).select_related("akte"))
        if holds:
            reasons = "; ".join(f"#{h.pk} {h.reason}" for h in holds)
            lines.append(f"{obj._meta.verbose_name} „{obj}“: Akte {holds[0].akte.aktenzeichen} steht unter "
                         f"Löschsperre ({reasons})")
    return lines


class HoldGuardAdmin(admin.ModelAdmin):
    """Base for admins of Akten and what lies inside them: held objects are listed as protected."""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        held = held_reasons(objs)
        if held:  # the reasons say more than "no permission to delete Löschsperre"
            perms_needed.discard(Hold._meta.verbose_name)
        return to_delete, model_count, perms_needed, list(protected) + held

    def delete_one(self, request, obj) -> None:
        """Delete one object (subclasses go through their audited service)."""
        obj.delete()

    def delete_model(self, request, obj):
        try:
            with transaction.atomic():
                self.delete_one(request, obj)
        except HeldError as exc:  # a hold placed between the confirmation page and the POST
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_one(request, obj)
        except HeldError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)


@admin.register(AktenplanUnit)
class AktenplanUnitAdmin(admin.ModelAdmin):
    """Saved through the audited service: the parent follows the Kennzeichen, closed Akten below are recomputed."""

    list_display = ["kennzeichen", "title", "retention_years", "retention_permanent", "retention_start",
                    "aussonderungsart", "department"]
    list_filter = ["aussonderungsart", "department"]
    search_fields = ["kennzeichen", "title"]
    fields = ["kennzeichen", "title", "retention_years", "retention_permanent", "retention_start",
              "aussonderungsart", "department", "parent"]

    def get_readonly_fields(self, request, obj=None):
        return ["parent"] + (["kennzeichen"] if obj is not None else [])

    def save_model(self, request, obj, form, change):
        saved = aktenplan_unit_upsert(
            kennzeichen=obj.kennzeichen, title=obj.title, retention_years=obj.retention_years,
            retention_permanent=obj.retention_permanent, retention_start=obj.retention_start,
            aussonderungsart=obj.aussonderungsart, department=obj.department, by=request.user)
        obj.pk, obj.parent = saved.pk, saved.parent


class HoldInline(admin.TabularInline):
    """Read-only here: holds are placed and released through the Löschsperren admin (audited services)."""

    model = Hold
    extra = 0
    fields = readonly_fields = ["reason", "created_by", "created_at", "released_by", "released_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Akte)
class AkteAdmin(HoldGuardAdmin, GuardedModelAdmin):
    list_display = ["aktenzeichen", "title", "lead_department", "state", "zda_date", "aufbewahrungsende"]
    list_filter = ["state", "lead_department", "vertraulichkeit"]
    search_fields = ["aktenzeichen", "title"]
    readonly_fields = ["uuid", "state", "zda_date", "aufbewahrungsende"]
    list_select_related = ["lead_department"]
    inlines = [HoldInline]

    def delete_one(self, request, obj):
        akte_delete(akte=obj, by=request.user)


@admin.register(Vorgang)
class VorgangAdmin(HoldGuardAdmin):
    list_display = ["title", "akte"]
    search_fields = ["title", "akte__aktenzeichen"]
    raw_id_fields = ["akte"]


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    """Place a Löschsperre (add form) or release it (action); holds are never edited or deleted."""

    list_display = ["pk", "akte", "reason", "created_by", "created_at", "released_by", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["akte__aktenzeichen", "reason"]
    raw_id_fields = ["akte"]
    fields = ["akte", "reason"]
    actions = ["release"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        """Only a released hold goes, with its Akte; an active one is released, never deleted."""
        return obj is not None and not obj.active and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        placed = hold_place(akte=obj.akte, reason=obj.reason, by=request.user)
        obj.pk, obj.created_by, obj.created_at = placed.pk, placed.created_by, placed.created_at

    @admin.action(description="Ausgewählte Löschsperren aufheben")
    def release(self, request, queryset):
        for hold in queryset.filter(released_at__isnull=True).select_related("akte"):
            try:
                hold_release(akte=hold.akte, hold_id=hold.pk, by=request.user)
            except AkteError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(request, f"Löschsperre #{hold.pk} auf {hold.akte.aktenzeichen} aufgehoben")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services (audit trail, disposal records): the admin shows them, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DisposalRun)
class DisposalRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "uuid", "state", "as_of", "proposed_by", "approved_by", "proposed_at"]
    list_filter = ["state"]


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ["aktenzeichen", "title", "disposition", "decision", "run", "approved_by", "created_at"]
    list_filter = ["disposition"]
    search_fields = ["aktenzeichen", "title", "akte_uuid"]
