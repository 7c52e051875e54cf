"""Deployment checks (`manage.py check --deploy`) for what Django's own checks cannot know about."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_anchor_configured(app_configs, **kwargs):
    if settings.DMS_AUDIT_ANCHOR_KEY_FILE:
        return []
    return [
        Warning(
            "DMS_AUDIT_ANCHOR_KEY_FILE is not set: the audit chain head is not checkpointed outside the database, so "
            "someone with database access could cut the trail's tail unnoticed.",
            hint="Create a key file of at least 32 random bytes outside the database and point the setting at it.",
            id="dms.W001",
        )
    ]
