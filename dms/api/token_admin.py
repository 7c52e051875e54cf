"""Admin for API tokens: issuing and withdrawing go through the audited services; the key is shown once after
issuing and never listed."""

from django.contrib import admin, messages
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .tokens import api_token_create, api_token_revoke

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class AuditedTokenAdmin(TokenAdmin):
    list_display = ("user", "created")

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued or withdrawn, never edited

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the service refuses deactivated users; the form does not offer them
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        key = api_token_create(user=obj.user, by=request.user)
        obj.key = ""  # the admin log and its "added" message name the object by str(token), which is the key
        self.message_user(
            request,
            f"Neues API-Token für {obj.user.get_username()}: {key} — es wird nur jetzt "
            "angezeigt. Senden als Kopfzeile „Authorization: Token <key>“.",
            messages.WARNING,
        )

    def get_object(self, request, object_id, from_field=None):
        token = super().get_object(request, object_id, from_field)
        if token is not None:
            token.key = ""  # as above: the delete page, its message and the admin log show str(token)
        return token

    def delete_model(self, request, obj):
        api_token_revoke(user=obj.user, by=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            api_token_revoke(user=token.user, by=request.user)
