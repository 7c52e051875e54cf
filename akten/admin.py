"""Admin for the Aktenplan, Akten, Vorgänge, Dokumente and Löschsperren. A held Akte, and everything inside it, is
shown as protected on the admin's delete pages, so the admin never offers a delete that must fail. Nothing with content
(an Akte or Vorgang with documents, a document with versions) can be deleted here at all: content leaves only
through the Aussonderung. Records are shown to the admin role only (`akten.access.may_administer`); Akten are
created and changed, and grants set on the object-permission page, through the audited services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.models import Group
from django.db import transaction
from guardian.admin import GuardedModelAdmin

from dms.admin import ReadOnlyAdmin

from . import access, admin_users  # noqa: F401  (admin_users registers the user and group admin)
from .documents import DOCUMENT_EDITABLE, DocumentError, document_delete, document_update, document_update_check
from .models import (
    Akte,
    AktenplanUnit,
    DisposalMessage,
    DisposalRun,
    DisposalTransfer,
    Document,
    Hold,
    HoldRequest,
    Tombstone,
    Vorgang,
)
from .services import (
    AKTE_EDITABLE,
    AkteError,
    akte_access_level,
    akte_change_department,
    akte_create,
    akte_delete,
    akte_set_access,
    akte_update,
    aktenplan_unit_upsert,
    hold_place,
    hold_release,
)
from .signals import HeldError, _akte_id_of


def held_reasons(objs) -> list[str]:
    """One line per selected object that lies in an Akte under an active Löschsperre."""
    lines = []
    for obj in objs:
        akte_id = _akte_id_of(obj)
        holds = list(Hold.objects.filter(akte_id=akte_id, released_at__isnull=True).select_related("akte"))
        if holds:
            reasons = "; ".join(f"#{h.pk} {h.reason}" for h in holds)
            lines.append(
                f"{obj._meta.verbose_name} „{obj}“: Akte {holds[0].akte.aktenzeichen} steht unter "
                f"Löschsperre ({reasons})"
            )
    return lines


class HoldGuardAdmin(admin.ModelAdmin):
    """Base for admins of Akten and what lies inside them: held objects are listed as protected; only the admin
    role sees them; there is no bulk delete, and nothing with content (`has_content`) is deletable."""

    def has_content(self, obj) -> bool:
        return obj.documents.exists()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if access.may_administer(request.user) else qs.none()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.has_content(obj):
            return False
        return access.may_administer(request.user) and super().has_delete_permission(request, obj)

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
        except (HeldError, AkteError, DocumentError) as exc:  # e.g. a hold placed after the confirmation page
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_one(request, obj)
        except (HeldError, AkteError, DocumentError) as exc:
            self.message_user(request, str(exc), level=messages.ERROR)


@admin.register(AktenplanUnit)
class AktenplanUnitAdmin(admin.ModelAdmin):
    """Saved through the audited service: the parent follows the Kennzeichen, closed Akten below are recomputed."""

    list_display = [
        "kennzeichen",
        "title",
        "retention_years",
        "retention_permanent",
        "retention_start",
        "aussonderungsart",
        "department",
    ]
    list_filter = ["aussonderungsart", "department"]
    search_fields = ["kennzeichen", "title"]
    fields = [
        "kennzeichen",
        "title",
        "retention_years",
        "retention_permanent",
        "retention_start",
        "aussonderungsart",
        "department",
        "parent",
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["parent"] + (["kennzeichen"] if obj is not None else [])

    def save_model(self, request, obj, form, change):
        saved = aktenplan_unit_upsert(
            kennzeichen=obj.kennzeichen,
            title=obj.title,
            retention_years=obj.retention_years,
            retention_permanent=obj.retention_permanent,
            retention_start=obj.retention_start,
            aussonderungsart=obj.aussonderungsart,
            department=obj.department,
            by=request.user,
        )
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


class AccessLevelForm(forms.Form):
    """The object-permission page of an Akte: one choice (no grant, view, view and change) instead of guardian's
    raw permission list, saved through `akte_set_access` (audited, re-indexed)."""

    level = forms.ChoiceField(
        label="Zugriff", choices=[("none", "kein Zugriff"), ("view", "lesen"), ("change", "lesen und ändern")]
    )
    by = None  # set per request

    def __init__(self, grantee, obj, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grantee, self.obj = grantee, obj
        self.fields["level"].initial = akte_access_level(akte=obj, grantee=grantee)

    def save_obj_perms(self) -> None:
        target = {"group": self.grantee} if isinstance(self.grantee, Group) else {"user": self.grantee}
        akte_set_access(akte=self.obj, by=self.by, level=self.cleaned_data["level"], **target)


@admin.register(Akte)
class AkteAdmin(HoldGuardAdmin, GuardedModelAdmin):
    list_display = ["aktenzeichen", "title", "lead_department", "state", "zda_date", "aufbewahrungsende"]
    list_filter = ["state", "lead_department", "vertraulichkeit"]
    search_fields = ["aktenzeichen", "title"]
    readonly_fields = ["uuid", "state", "zda_date", "aufbewahrungsende", "fristbeginn_event"]
    list_select_related = ["lead_department"]
    inlines = [HoldInline]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["aktenzeichen", "unit"] if obj is not None else [])

    def save_model(self, request, obj, form, change):
        """Through the services: create (audited), move the Federführung (documents follow, re-indexed), correct
        the descriptive fields (audited)."""
        with transaction.atomic():
            if not change:
                saved = akte_create(
                    aktenzeichen=obj.aktenzeichen,
                    title=obj.title,
                    unit=obj.unit,
                    lead_department=obj.lead_department,
                    vertraulichkeit=obj.vertraulichkeit,
                    opened_on=obj.opened_on,
                    by=request.user,
                )
            else:
                saved = Akte.objects.get(pk=obj.pk)
                if "lead_department" in form.changed_data:
                    saved = akte_change_department(akte=saved, department=obj.lead_department, by=request.user)
            fields = {f: getattr(obj, f) for f in AKTE_EDITABLE if f in form.changed_data}
            saved = akte_update(akte=saved, by=request.user, **fields)
        obj.pk, obj.uuid = saved.pk, saved.uuid

    def _access_form(self, request):
        return type("AkteAccessForm", (AccessLevelForm,), {"by": request.user})

    def get_obj_perms_manage_user_form(self, request):
        return self._access_form(request)

    def get_obj_perms_manage_group_form(self, request):
        return self._access_form(request)

    def delete_one(self, request, obj):
        akte_delete(akte=obj, by=request.user)


@admin.register(Vorgang)
class VorgangAdmin(HoldGuardAdmin):
    list_display = ["title", "akte"]
    search_fields = ["title", "akte__aktenzeichen"]
    raw_id_fields = ["akte"]


class HoldActionForm(ActionForm):
    """The release action asks for its reason next to the action menu (`hold_release` requires one)."""

    grund = forms.CharField(label="Grund der Aufhebung", max_length=500, required=False)


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    """Place a Löschsperre (add form) or release it (action); holds are never edited or deleted."""

    list_display = [
        "pk",
        "akte",
        "reason",
        "reference",
        "created_by",
        "created_at",
        "released_by",
        "released_at",
        "release_reason",
    ]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["akte__aktenzeichen", "reason", "reference"]
    raw_id_fields = ["akte"]
    fields = ["akte", "reason", "reference"]
    actions = ["release"]
    action_form = HoldActionForm

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        """Only a released hold goes, with its Akte; an active one is released, never deleted."""
        return obj is not None and not obj.active and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if access.may_administer(request.user) else qs.none()

    def get_form(self, request, obj=None, **kwargs):
        """The role check of `hold_place` as a form error (instead of a failing save)."""
        base = super().get_form(request, obj, **kwargs)
        user = request.user

        class HoldForm(base):
            def clean(self):
                cleaned = super().clean()
                akte = cleaned.get("akte")
                if akte is not None and not access.may_hold(user, akte):
                    raise forms.ValidationError(
                        f"{user.get_username()} darf keine Löschsperre setzen: das dürfen nur das Archiv und die "
                        f"Sachbearbeitung der federführenden Organisationseinheit ({akte.lead_department.code})"
                    )
                return cleaned

        return HoldForm

    def save_model(self, request, obj, form, change):
        placed = hold_place(akte=obj.akte, reason=obj.reason, reference=obj.reference, by=request.user)
        obj.pk, obj.created_by, obj.created_at = placed.pk, placed.created_by, placed.created_at

    @admin.action(description="Ausgewählte Löschsperren aufheben")
    def release(self, request, queryset):
        reason = request.POST.get("grund", "").strip()
        if not reason:
            self.message_user(
                request,
                "Löschsperren aufheben: bitte im Feld „Grund der Aufhebung“ neben der Aktion angeben, warum.",
                level=messages.ERROR,
            )
            return
        for hold in queryset.filter(released_at__isnull=True).select_related("akte"):
            try:
                hold_release(akte=hold.akte, hold_id=hold.pk, reason=reason, by=request.user)
            except AkteError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(request, f"Löschsperre #{hold.pk} auf {hold.akte.aktenzeichen} aufgehoben")


class DocumentAdminForm(forms.ModelForm):
    """Title, date and document type are corrected through the document service; its refusal shows on the form."""

    class Meta:
        model = Document
        fields = list(DOCUMENT_EDITABLE)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and not self.errors:
            changes = {f: cleaned.get(f) for f in self.changed_data if f in DOCUMENT_EDITABLE}
            try:
                document_update_check(document=self.instance, by=self.request_user, **changes)
            except DocumentError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned


@admin.register(Document)
class DocumentAdmin(HoldGuardAdmin):
    form = DocumentAdminForm
    list_display = ["title", "akte", "department", "document_type", "date"]
    list_filter = ["department", "document_type"]
    search_fields = ["title", "akte__aktenzeichen"]
    readonly_fields = ["uuid", "akte", "vorgang", "department", "source", "source_pages", "created_by", "created_at"]
    fields = [*DOCUMENT_EDITABLE, *readonly_fields]
    list_select_related = ["akte", "department"]

    def has_add_permission(self, request):
        return False  # documents come from ingest and upload, with their stored versions (akten.documents)

    def has_content(self, obj) -> bool:
        return obj.versions.exists()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Metadata corrections go through the document service: audited and re-indexed in one transaction."""
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in DOCUMENT_EDITABLE}
        saved = document_update(document=Document.objects.get(pk=obj.pk), by=request.user, **changes)
        for field in DOCUMENT_EDITABLE:
            setattr(obj, field, getattr(saved, field))

    def delete_one(self, request, obj):
        document_delete(document=obj, by=request.user)


@admin.register(DisposalRun)
class DisposalRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "uuid", "state", "as_of", "proposed_by", "approved_by", "proposed_at"]
    list_filter = ["state"]


@admin.register(DisposalTransfer)
class DisposalTransferAdmin(ReadOnlyAdmin):
    list_display = ["run", "number", "prozess_id", "created_at", "received_at"]


@admin.register(DisposalMessage)
class DisposalMessageAdmin(ReadOnlyAdmin):
    list_display = ["run", "kind", "direction", "file", "by", "at"]
    list_filter = ["kind", "direction"]


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ["aktenzeichen", "title", "disposition", "decision", "run", "approved_by", "created_at"]
    list_filter = ["disposition"]
    search_fields = ["aktenzeichen", "title", "akte_uuid"]


@admin.register(HoldRequest)
class HoldRequestAdmin(ReadOnlyAdmin):
    """Anträge auf Löschsperre: read-only here; the archive decides them in its workspace (hold_request_decide)."""

    list_display = ["akte", "requested_by", "requested_at", "state", "decided_by", "decided_at"]
    list_filter = ["state"]
