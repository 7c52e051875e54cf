"""A caseworker's edit day in a real headless Chromium: the Amtsleitung of 63 (caseworker and lead) creates an Akte
under the Aktenplan, adds a Vorgang, uploads a PDF and watches the background batch finish without reloading,
opens the new document, corrects its title and date, moves it into the Vorgang, closes the Akte (z.d.A.), reopens
it with a reason, and grants the Ordnungsamt read access. Saves docs/screenshots/caseworker-akte-anlegen.png and
caseworker-bearbeiten.png.
(Into docs/screenshots/ only with DMS_SCREENSHOTS=1, `make screenshots`; see tests/screenshots.py.)"""

import os

import pytest

from tests.screenshots import SCREENSHOTS
from tests.test_browser import CHROMEDRIVER, CHROMIUM, browser, click_and_wait  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason=f"{CHROMIUM} / {CHROMEDRIVER} not installed",
    ),
]


@pytest.fixture
def org(transactional_db):
    from dms.services import user_upsert
    from tests import factories

    org = factories.org()
    factories.aktenplan(org)
    org.lena = user_upsert(username="lena", password="pw", departments=["63"], roles=["caseworker", "lead"])
    return org


@pytest.fixture
def pdf(tmp_path):
    from demo.setup import demo_pdf

    path = tmp_path / "bescheid.pdf"
    path.write_bytes(demo_pdf("Bescheid über die Baugenehmigung", "63.10")[0])
    return path


def test_create_upload_edit_move_close_reopen_grant(browser, live_server, org, pdf):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from akten.models import Akte, AkteState
    from scan_ingest.runner import run_pending

    url = live_server.url
    browser.get(f"{url}/login/")
    browser.find_element(By.ID, "id_username").send_keys("lena")
    browser.find_element(By.ID, "id_password").send_keys("pw")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), "/akten/")

    # create the Akte: the Aktenzeichen is assigned
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Neue Akte anlegen"), "/akten/neu/")
    Select(browser.find_element(By.ID, "id_unit")).select_by_visible_text("63.10 Baugenehmigungen")
    browser.find_element(By.ID, "id_title").send_keys("Neubau Lagerhalle Industriestraße 7")
    assert Select(browser.find_element(By.ID, "id_lead_department")).first_selected_option.text == "63 Bauordnungsamt"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "caseworker-akte-anlegen.png"))
    browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "akte-aktionen"))
    akte = Akte.objects.get(title="Neubau Lagerhalle Industriestraße 7")
    assert browser.current_url.endswith(f"/akten/{akte.pk}/")
    assert f"Akte {akte.aktenzeichen}" in browser.find_element(By.CSS_SELECTOR, ".messages").text

    # a Vorgang
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Vorgang anlegen"), f"/akten/{akte.pk}/vorgang/neu/")
    browser.find_element(By.ID, "id_title").send_keys("Brandschutz")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), f"/{akte.pk}/")
    assert "Brandschutz" in browser.page_source

    # upload: the batch page follows the background ingest without a reload
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Dokumente hochladen"), f"/akten/{akte.pk}/hochladen/")
    browser.find_element(By.ID, "id_files").send_keys(str(pdf))
    browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "stapel"))
    assert "wartet" in browser.find_element(By.ID, "stapel").text
    browser.execute_script("window.ohneNeuladen = true;")
    run_pending(workers=1)  # the ingest worker (its own process in production)
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#stapel a.neues-dokument"))
    assert browser.execute_script("return window.ohneNeuladen === true"), "updated by polling, not by a reload"
    assert "fertig" in browser.find_element(By.ID, "stapel").text
    document = akte.documents.get()
    link = browser.find_element(By.CSS_SELECTOR, "#stapel a.neues-dokument")
    click_and_wait(browser, link, f"/akten/{akte.pk}/dokumente/{document.pk}/")

    # edit title and date
    edit = f"/akten/{akte.pk}/dokumente/{document.pk}/bearbeiten/"
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Bearbeiten"), edit)
    title = browser.find_element(By.ID, "id_title")
    title.clear()
    title.send_keys("Baugenehmigung Lagerhalle")
    for field, value in (("id_date", "12.03.2025"), ("id_document_type", "Bescheid")):
        browser.find_element(By.ID, field).clear()
        browser.find_element(By.ID, field).send_keys(value)
    browser.find_element(By.ID, "id_reason").send_keys("Titel aus dem Schreiben")
    browser.save_screenshot(str(SCREENSHOTS / "caseworker-bearbeiten.png"))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), f"/{akte.pk}/")
    assert "Baugenehmigung Lagerhalle" in browser.find_element(By.ID, "dokumente").text
    document.refresh_from_db()
    assert (document.title, str(document.date), document.document_type) == (
        "Baugenehmigung Lagerhalle",
        "2025-03-12",
        "Bescheid",
    )

    # move it into the Vorgang
    browser.get(f"{url}/akten/{akte.pk}/dokumente/{document.pk}/verschieben/")
    Select(browser.find_element(By.ID, "id_target")).select_by_visible_text(f"{akte.aktenzeichen} › Brandschutz")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), f"/{akte.pk}/")
    assert "Vorgang „Brandschutz“" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    document.refresh_from_db()
    assert document.vorgang.title == "Brandschutz"

    # close (z.d.A.), confirmed once on its own page, then reopen with a reason
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "z.d.A. verfügen"), f"/akten/{akte.pk}/zda/")
    assert "Aufbewahrungsfrist (30 Jahre) beginnt" in browser.page_source
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), f"/{akte.pk}/")
    assert "zu den Akten" in browser.find_element(By.CSS_SELECTOR, ".facts").text
    assert not browser.find_elements(By.LINK_TEXT, "Dokumente hochladen")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Wieder öffnen"), f"/akten/{akte.pk}/wieder-oeffnen/")
    browser.find_element(By.ID, "id_reason").send_keys("Nachtrag zur Baugenehmigung beantragt")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), f"/{akte.pk}/")
    akte.refresh_from_db()
    assert akte.state == AkteState.OFFEN and "wieder offen" in browser.find_element(By.CSS_SELECTOR, ".messages").text

    # grant the Ordnungsamt read access (the lead only)
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Zugriff verwalten"), f"/akten/{akte.pk}/zugriff/")
    Select(browser.find_element(By.ID, "id_department")).select_by_visible_text("32 Ordnungsamt")
    Select(browser.find_element(By.ID, "id_level")).select_by_value("view")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.stacked button[type=submit]"), "/zugriff/")
    assert "32 Ordnungsamt" in browser.find_element(By.ID, "freigaben").text
    from akten import access

    assert access.akte_visible(org.bernd, akte)
