"""API tokens (rest_framework.authtoken), one per user, created and revoked only here: by the `api_token` command
and the admin. The audit trail records who issued or withdrew whose token, never the key itself."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from dms.audit import audit_record

User = get_user_model()


@transaction.atomic
def api_token_create(*, user: User, by) -> str:
    """Issue a new token for an active user (a token they already have stops working) and return its key, which
    is shown once and stored nowhere else readable by the issuer."""
    if not user.is_active:
        raise ValidationError(f"Benutzer {user.get_username()!r} ist deaktiviert und bekommt kein API-Token.")
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit_record(
        actor=by,
        action="api_token.create",
        object_type="auth.user",
        object_id=str(user.pk),
        after={"username": user.get_username(), "replaced": replaced},
    )
    return token.key


@transaction.atomic
def api_token_revoke(*, user: User, by) -> bool:
    """Withdraw the user's token (False when there was none); requests with it are refused from now on."""
    deleted = Token.objects.filter(user=user).delete()[0] > 0
    if deleted:
        audit_record(
            actor=by,
            action="api_token.revoke",
            object_type="auth.user",
            object_id=str(user.pk),
            before={"username": user.get_username()},
        )
    return deleted
