"""Safe defaults: DEBUG off unless asked for, static files and German error pages without it, a 500 with an error
id that is also logged, a debug page that shows no secret, login throttling with lockout (web, admin, API basic
auth) that is audited, security headers, and `check --deploy` clean in the production profile."""

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dms.models import AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def _settings_in_subprocess(env: dict, expr: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DMS_")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
            f" django.setup(); from django.conf import settings; print({expr})",
        ],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_debug_is_off_unless_explicitly_turned_on(tmp_path):
    assert _settings_in_subprocess({"DMS_DATA_DIR": str(tmp_path)}, "settings.DEBUG") == "False"
    assert _settings_in_subprocess({"DMS_DATA_DIR": str(tmp_path), "DMS_DEBUG": "1"}, "settings.DEBUG") == "True"


def test_static_files_are_served_without_debug(client, settings):
    assert settings.DEBUG is False
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200 and b"body" in b"".join(response.streaming_content)


def test_not_found_and_forbidden_pages_are_german(client, org, settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    client.force_login(org.anna)
    assert "Nicht gefunden" in client.get("/gibt-es-nicht/").content.decode()
    forbidden = client.get("/test-forbidden/")
    assert forbidden.status_code == 403 and "Kein Zugriff" in forbidden.content.decode()


def test_csrf_failure_page_is_german(org):
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "anna", "password": "pw"})
    assert response.status_code == 403 and "Formular abgelaufen" in response.content.decode()


def test_server_error_shows_a_german_page_with_the_error_id_that_is_logged(org, settings, caplog):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(org.anna)
    response = client.get("/test-boom/")
    page = response.content.decode()
    assert response.status_code == 500 and "Es ist ein Fehler aufgetreten" in page
    error_id = re.search(r'<strong id="error-id">([0-9A-F]{8})</strong>', page).group(1)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError and "/test-boom/" in logged[0].getMessage()
    assert "kaputt im Test" not in page and "Traceback" not in page


def test_server_error_under_the_api_is_json_with_the_logged_error_id(org, settings, caplog):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(org.anna)
    response = client.get("/api/test-boom/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    error_id = response.json()["error_id"]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert "kaputt" not in response.content.decode()


def test_debug_page_hides_connection_urls_with_secrets(org, settings):
    """Even with DEBUG on, the technical 500 page never shows the S3 secret or the Redis password."""
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG = True
    settings.DMS_STORAGE_URL = "s3://minio:S3-TOPSECRET@127.0.0.1:9000/akten"
    settings.DMS_BROKER_URL = settings.CELERY_BROKER_URL = "redis://:REDIS-TOPSECRET@127.0.0.1:6379/0"
    client = Client(raise_request_exception=False)
    client.force_login(org.anna)
    page = client.get("/test-boom/").content.decode()
    assert "kaputt im Test" in page  # it is the debug page
    assert "TOPSECRET" not in page


def _fail(client, url, username, times, **extra):
    return [client.post(url, {"username": username, "password": "falsch"}, **extra).status_code for _ in range(times)]


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_login_is_locked_after_repeated_failures_and_audited(org, settings, url):
    client = Client()
    statuses = _fail(client, url, "admin", settings.AXES_FAILURE_LIMIT)
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] == 429
    locked = client.post(url, {"username": "admin", "password": "pw"})  # the right password no longer helps
    assert locked.status_code == 429 and "Anmeldung vorübergehend gesperrt" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="auth.login_failed", object_id="admin")
    assert failed.count() >= settings.AXES_FAILURE_LIMIT and "password" not in str(failed.first().after)
    assert failed.first().after["ip"] == "127.0.0.1"
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id="admin").exists()
    other = Client().post("/login/", {"username": "anna", "password": "pw"})  # another account is not locked
    assert other.status_code == 302


def test_api_basic_auth_is_throttled_too(org, settings):
    def basic(password):
        token = base64.b64encode(f"anna:{password}".encode()).decode()
        return APIClient().get("/api/akten/", HTTP_AUTHORIZATION=f"Basic {token}").status_code

    assert basic("pw") == 200
    assert [basic("falsch") for _ in range(settings.AXES_FAILURE_LIMIT)] == [401] * settings.AXES_FAILURE_LIMIT
    assert basic("pw") in (401, 429)
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id="anna").exists()


def test_pages_carry_a_content_security_policy(client, org):
    client.force_login(org.anna)
    policy = client.get("/akten/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_tls_setting_switches_on_secure_cookies_and_hsts(tmp_path):
    env = {"DMS_DATA_DIR": str(tmp_path), "DMS_TLS": "1"}
    expr = (
        "(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS)"
    )
    assert _settings_in_subprocess(env, expr) == "(True, True, True, 31536000)"
    assert _settings_in_subprocess({"DMS_DATA_DIR": str(tmp_path)}, expr) == "(False, False, False, 0)"


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DMS_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_the_production_profile(tmp_path):
    key = tmp_path / "anchor.key"
    key.write_bytes(os.urandom(48))
    production = {
        "DMS_DATA_DIR": str(tmp_path),
        "DMS_TLS": "1",
        "DMS_SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "DMS_ALLOWED_HOSTS": "eakte.stadt.example",
        "DMS_AUDIT_ANCHOR_KEY_FILE": str(key),
    }
    done = _check_deploy(production)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
    embedded = _check_deploy({"DMS_DATA_DIR": str(tmp_path)})  # the one-machine defaults are not production
    assert embedded.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W009", "security.W012", "dms.W001"):
        assert warning in embedded.stderr


@pytest.mark.parametrize(
    "url",
    [
        "/api/documents/?akte=%00",
        "/api/akten/?state=x%00",
        "/akten/?q=%00",
        "/api/search/?q=x&department=%00",
        "/suche/?q=%00",
    ],
)
def test_a_nul_character_in_a_parameter_is_a_400_naming_it(client, org, url):
    """PostgreSQL cannot compare strings holding NUL: passed on to a filter, they ended in a 500 there."""
    client.force_login(org.anna)
    response = client.get(url)
    field = url.split("?")[1].split("&")[-1].split("=")[0]
    assert response.status_code == 400
    text = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
    assert f"{field}: enthält ein Nullzeichen" in text
