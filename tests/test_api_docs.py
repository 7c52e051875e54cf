"""Interactive API documentation at /api/docs/: Swagger UI from this server's own static files (no CDN, no network
at run time), with no inline script, so it works under the site's Content-Security-Policy; it reads the schema
from /api/schema/, whose title and description are German."""

import os
import re

import pytest
from django.test import Client

from tests.test_browser import CHROMEDRIVER, CHROMIUM, browser  # noqa: F401  (fixture)


def test_docs_page_loads_only_local_scripts_and_no_inline_script(db):
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file the CSP allows
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert len(sources) >= 4 and all(src.startswith("/") for src in sources)  # same origin, nothing from a CDN
    for src in sources:
        response = client.get(src)
        assert response.status_code == 200, src
    init = client.get("/api/docs/?script=").content.decode()
    assert "/api/schema/" in init


def test_schema_is_german_and_declares_the_token_scheme(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "Fachverfahren" in schema["info"]["description"] and "Authorization: Token" in schema["info"]["description"]
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "Authorization")


@pytest.mark.browser
@pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason=f"{CHROMIUM} / {CHROMEDRIVER} not installed",
)
def test_swagger_ui_renders_the_operations_in_chromium_without_csp_violations(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/api/docs/")
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    paths = {e.text.replace("\u200b", "") for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/akten/", "/api/documents/{id}/content/", "/api/search/"} <= paths
    assert "eAkte API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    refused = [
        entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]
    ]
    assert refused == []
