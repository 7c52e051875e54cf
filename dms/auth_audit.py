"""Login failures and lockouts go to the audit trail (django-axes counts and locks; this records). The name
typed is kept (cut to the field's length), the password never; the client address comes from axes."""

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .audit import audit_record

NAME_MAX = 150


def _where(request) -> dict:
    if request is None:
        return {}
    return {"ip": get_client_ip_address(request), "path": request.path[:200]}


@receiver(user_login_failed, dispatch_uid="dms.auth_audit.login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:NAME_MAX]
    audit_record(
        actor=None,
        action="auth.login_failed",
        object_type="auth.user",
        object_id=username[:100],
        after={"username": username} | _where(request),
    )


@receiver(user_locked_out, dispatch_uid="dms.auth_audit.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")[:NAME_MAX]
    audit_record(
        actor=None,
        action="auth.locked_out",
        object_type="auth.user",
        object_id=username[:100],
        after={"username": username, "ip": ip_address, "path": request.path[:200] if request is not None else ""},
    )
