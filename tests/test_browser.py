"""A real browser (Debian's headless Chromium through chromedriver) against the live server: a caseworker logs
in with the form, sees the Akten of their department and not another department's, opens one and sees its
documents and Löschsperre; another department's Akte is not found."""

import os
import shutil
import tempfile
from datetime import date

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason=f"{CHROMIUM} / {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="eakte-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--lang=de-DE",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def data(transactional_db):
    from akten.services import akte_close, hold_place
    from tests import factories

    org = factories.org()
    factories.aktenplan(org)
    bau = factories.akte("63.10.02-1998/0042", "Neubau Gartenweg 12", opened_on=date(1998, 3, 3))
    factories.document(bau, "Bauantrag", date=date(1998, 3, 3))
    akte_close(akte=bau, on=date(2000, 8, 1))
    hold_place(akte=bau, reason="Rechtsstreit VG 2 K 123/24", by=org.archiv)
    ordnung = factories.akte("32-2020/0001", "Gaststättenerlaubnis Lindenhof")
    return bau, ordnung


def click_and_wait(browser, element, path: str):
    """Click, then wait until the browser shows `path` fully loaded. Waiting for the destination (rather than
    for the old page to go stale) avoids chromedriver's transient errors while the old document is torn down."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()

    def arrived(driver):
        return (
            driver.current_url.split("?")[0].endswith(path)
            and driver.execute_script("return document.readyState") == "complete"
        )

    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(arrived)


def test_caseworker_logs_in_and_sees_only_own_departments_akten(browser, live_server, data):
    from selenium.webdriver.common.by import By

    bau, ordnung = data
    browser.get(f"{live_server.url}/akten/")
    assert "/login/" in browser.current_url  # not logged in: sent to the login page
    browser.find_element(By.ID, "id_username").send_keys("anna")
    browser.find_element(By.ID, "id_password").send_keys("pw")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), "/akten/")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Meine Akten"
    assert browser.find_element(By.ID, "who").text == "anna"
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#akten tbody td:first-child a")]
    assert listed == [bau.aktenzeichen]
    assert ordnung.aktenzeichen not in browser.page_source

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, bau.aktenzeichen), f"/akten/{bau.pk}/")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(bau.aktenzeichen)
    assert "Bauantrag" in browser.find_element(By.ID, "dokumente").text
    assert "Rechtsstreit VG 2 K 123/24" in browser.find_element(By.ID, "loeschsperren").text
    assert "31.12.2030" in browser.find_element(By.ID, "aufbewahrung").text

    browser.get(f"{live_server.url}/akten/{ordnung.pk}/")
    assert "Gaststättenerlaubnis" not in browser.page_source
    assert browser.find_element(By.TAG_NAME, "h1").text == "Nicht gefunden"
