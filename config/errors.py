"""Error pages and what they may reveal: a 500 shows a German page with an error id that is also in the log
(with the traceback); the debug page, when DEBUG is on at all, hides every setting that can carry a secret,
including connection URLs (the S3 key and the Redis password live in DMS_STORAGE_URL / DMS_BROKER_URL)."""

import logging
import re
import secrets
import sys

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("eakte.errors")


class SettingsFilter(SafeExceptionReporterFilter):
    """Django's list (API, TOKEN, KEY, SECRET, PASS, SIGNATURE) plus URL and DSN settings."""

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|DSN", flags=re.I)


def new_error_id() -> str:
    return secrets.token_hex(4).upper()


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """handler500: runs inside the failing request's `except` block, so the exception is still at hand."""
    error_id = new_error_id()
    logger.error(
        "Fehlernummer %s: %s %s", error_id, request.method, request.get_full_path()[:500], exc_info=sys.exc_info()
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Interner Fehler; bitte der Administration die Fehlernummer nennen.", "error_id": error_id},
            status=500,
        )
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"error_id": error_id}))
