"""API tokens for other municipal systems (Fachverfahren): `Authorization: Token <key>`. A wrong token is counted
by django-axes like a wrong password (per client address) and locks the address out after the same number of
failures; every refusal gives the same German message, so the answer says nothing about users or tokens."""

import re

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

# What axes and the audit trail record as the "user name" of a token attempt: not a valid Django user name
# (brackets are outside the username validator's alphabet), so it never collides with a real account.
TOKEN_CREDENTIALS = {"username": "[api-token]"}
KEY_PATTERN = re.compile(r"[0-9a-f]{40}")  # rest_framework.authtoken: 20 random bytes as hex
REFUSED = "Ungültiges oder widerrufenes API-Token."
LOCKED = (
    "Zu viele fehlgeschlagene Anmeldeversuche von dieser Adresse; die Anmeldung ist vorübergehend gesperrt. "
    "Bitte später erneut versuchen."
)


class AuditedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None  # another scheme (or none): not ours to refuse
        http_request = request._request
        if not AxesProxyHandler.is_allowed(http_request, TOKEN_CREDENTIALS):
            raise Throttled(detail=LOCKED)
        key = words[1].decode("latin-1") if len(words) == 2 else ""
        if not KEY_PATTERN.fullmatch(key):  # malformed: refused before any database lookup
            self._failed(http_request)
        try:
            return self.authenticate_credentials(key)
        except AuthenticationFailed:  # unknown key, or its user is inactive: one answer for both
            self._failed(http_request)

    def _failed(self, http_request):
        user_login_failed.send(sender=type(self), credentials=TOKEN_CREDENTIALS, request=http_request)
        if getattr(http_request, "axes_locked_out", False):  # this failure reached the limit: answer in JSON
            http_request.axes_locked_out = False  # instead of axes' HTML lockout page
            raise Throttled(detail=LOCKED)
        raise AuthenticationFailed(REFUSED)
