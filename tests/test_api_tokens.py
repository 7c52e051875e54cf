"""API tokens for Fachverfahren: issued and withdrawn only through the audited service (command and admin); a token
user sees exactly what the one access rule lets the same user see on the web; a wrong token is refused with one
German answer, counted by django-axes and locks the address out like wrong passwords do."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dms.api.authentication import REFUSED
from dms.models import AuditEvent
from tests import factories


@pytest.fixture
def setup(org, aktenplan):
    a63 = factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße 4")
    a32 = factories.akte("32-2020/0001", "Gaststättenerlaubnis")
    return a63, a32, factories.document(a63, "Bauantrag"), factories.document(a32, "Erlaubnis")


def _token_client(key, address="10.0.0.7"):
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def _issue(run_command, username="anna") -> str:
    code, out, err = run_command("api_token", "create", username)
    assert code == 0, err
    return out.strip()


def test_issued_token_sees_exactly_what_the_user_sees_on_the_web(org, setup, run_command):
    a63, a32, d63, d32 = setup
    api = _token_client(_issue(run_command))
    assert [a["aktenzeichen"] for a in api.get("/api/akten/").json()["results"]] == [a63.aktenzeichen]
    assert [d["id"] for d in api.get("/api/documents/").json()["results"]] == [d63.pk]
    assert api.get(f"/api/documents/{d32.pk}/").status_code == 404
    assert api.get(f"/api/akten/{a32.pk}/").status_code == 404
    web = Client()
    web.force_login(org.anna)
    assert web.get(f"/akten/{a63.pk}/").status_code == 200  # the same rule on both sides
    assert web.get(f"/akten/{a32.pk}/").status_code == 404


def test_issue_and_revoke_are_audited_without_the_key(org, run_command):
    key = _issue(run_command)
    assert len(key) == 40
    code, out, _ = run_command("api_token", "revoke", "anna")
    assert code == 0 and "widerrufen" in out
    events = AuditEvent.objects.filter(action__startswith="api_token.", object_id=str(org.anna.pk)).order_by("seq")
    assert [e.action for e in events] == ["api_token.create", "api_token.revoke"]
    assert all(key not in str(e.after) + str(e.before) for e in events)
    assert events[0].actor == "command:api_token"


def test_revoked_or_replaced_token_is_refused(org, setup, run_command):
    first = _issue(run_command)
    second = _issue(run_command)  # a new token replaces the old one
    assert _token_client(first).get("/api/akten/").status_code == 401
    assert _token_client(second).get("/api/akten/").status_code == 200
    run_command("api_token", "revoke", "anna")
    response = _token_client(second).get("/api/akten/")
    assert response.status_code == 401 and response.json()["detail"] == REFUSED


def test_command_refuses_unknown_and_deactivated_users_in_german(org, run_command):
    from dms.services import user_set_active

    code, _, err = run_command("api_token", "create", "niemand")
    assert code == 1 and "Benutzer 'niemand' gibt es nicht" in err
    user_set_active(user=org.bernd, active=False)
    code, _, err = run_command("api_token", "create", "bernd")
    assert code == 1 and "deaktiviert" in err
    assert not AuditEvent.objects.filter(action="api_token.create").exists()


def test_anonymous_call_is_a_401_naming_the_token_scheme(setup):
    response = APIClient().get("/api/akten/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", ["Token " + "0" * 40, "Token kurz", "Token a b", "Token \x00" + "a" * 39, "Token " + "ä" * 40, "Token"]
)
def test_every_bad_token_gets_the_same_answer_and_no_500(org, header):
    response = APIClient(HTTP_AUTHORIZATION=header).get("/api/akten/")
    assert response.status_code == 401 and response.json() == {"detail": REFUSED}


def test_a_deactivated_users_token_gets_the_same_answer_as_an_unknown_one(org, run_command):
    from dms.services import user_set_active

    key = _issue(run_command)
    user_set_active(user=org.anna, active=False)
    response = _token_client(key).get("/api/akten/")
    assert response.status_code == 401 and response.json() == {"detail": REFUSED}


def test_wrong_tokens_are_counted_audited_and_lock_the_address_out(org, setup, settings, run_command):
    key = _issue(run_command)
    wrong = _token_client("f" * 40)
    responses = [wrong.get("/api/akten/") for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses] == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert responses[-1]["Content-Type"] == "application/json"  # the API's own answer, not the HTML lockout page
    locked = _token_client(key).get("/api/akten/")  # from the locked address even the right token is refused
    assert locked.status_code == 429 and "vorübergehend gesperrt" in locked.json()["detail"]
    assert _token_client(key, address="10.0.0.8").get("/api/akten/").status_code == 200  # other addresses are not
    failed = AuditEvent.objects.filter(action="auth.login_failed", object_id="[api-token]")
    assert failed.count() == settings.AXES_FAILURE_LIMIT and failed.first().after["ip"] == "10.0.0.7"
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id="[api-token]").exists()


def test_admin_issues_and_withdraws_tokens_through_the_audited_service(org):
    from django.contrib.admin.models import LogEntry
    from rest_framework.authtoken.models import Token

    admin = Client()
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    admin.force_login(org.admin)
    response = admin.post("/admin/authtoken/tokenproxy/add/", {"user": org.anna.pk}, follow=True)
    key = Token.objects.get(user=org.anna).key
    assert response.status_code == 200 and key in response.content.decode()  # shown once, after issuing
    assert key not in admin.get("/admin/authtoken/tokenproxy/").content.decode()  # never listed
    assert AuditEvent.objects.filter(action="api_token.create", actor="admin").count() == 1
    admin.post(f"/admin/authtoken/tokenproxy/{org.anna.pk}/delete/", {"post": "yes"})
    assert not Token.objects.filter(user=org.anna).exists()
    logged = list(LogEntry.objects.values_list("object_repr", "change_message"))
    assert len(logged) == 2 and key not in str(logged)  # the admin's own log names the user, never the key
    assert AuditEvent.objects.filter(action="api_token.revoke", actor="admin").count() == 1
