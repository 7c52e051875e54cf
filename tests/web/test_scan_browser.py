"""The Scanstelle in a real headless Chromium: the scan operator uploads a letter and a broken file, watches the
batch go from "wartet" to its result without reloading the page, reads the refusal in German, opens the document
from the review queue, takes the suggested title, accepts the review, and a caseworker then finds the document by
search. Saves docs/screenshots/scan-stapel.png and scan-pruefung.png.
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

AZ = "63.10.02-1998/0042"
LETTER = (
    "Bauantrag Gartenweg 12\n"
    "Aachen, den 12.03.1998\n"
    "Sehr geehrte Damen und Herren, hiermit beantragen wir die Baugenehmigung für den Neubau eines "
    "Einfamilienhauses mit Doppelgarage auf dem Grundstück Gartenweg 12. Die Bauvorlagen liegen bei."
)


@pytest.fixture
def org(transactional_db):
    from tests import factories

    org = factories.org()
    factories.aktenplan(org)
    return org


@pytest.fixture
def files(tmp_path):
    from scan_ingest import synth

    synth.text_page(LETTER, dpi=150, seed=4).save(tmp_path / "bauantrag.png", dpi=(150, 150))
    (tmp_path / "kaputt.pdf").write_bytes(b"%PDF-1.4\n" + b"nicht lesbar " * 20)
    return tmp_path / "bauantrag.png", tmp_path / "kaputt.pdf"


def _login(browser, url, username, lands):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{url}/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys("pw")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), lands)


def test_upload_progress_refusal_review_accept_and_the_caseworker_finds_it(browser, live_server, org, files):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from scan_ingest.models import IngestBatch
    from scan_ingest.runner import run_pending
    from search.services import outbox_drain

    letter, broken = files
    _login(browser, live_server.url, "scan", "/scanstelle/")
    assert "Noch keine Stapel." in browser.page_source

    browser.get(f"{live_server.url}/scanstelle/hochladen/")
    assert browser.find_element(By.CSS_SELECTOR, ".dropzone-hint").is_displayed(), "drag and drop offered (JS)"
    browser.find_element(By.ID, "id_dateien").send_keys(f"{letter}\n{broken}")
    browser.find_element(By.ID, "id_akte").send_keys(AZ)
    browser.find_element(By.CSS_SELECTOR, "#hochladen button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "stapel-inhalt"))
    assert browser.current_url.endswith(f"/scanstelle/stapel/{IngestBatch.objects.get().pk}/")
    assert "wartet" in browser.find_element(By.ID, "stapel-inhalt").text
    browser.execute_script("window.ohneNeuladen = true;")

    run_pending(workers=1)  # the ingest worker (in a process of its own in production)
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "stapel-dateien"))
    assert browser.execute_script("return window.ohneNeuladen === true"), "updated by polling, not by a reload"
    table = browser.find_element(By.ID, "stapel-dateien").text
    assert "gespeichert" in table and "abgelehnt" in table and "beschädigtes PDF" in table
    assert IngestBatch.objects.get().state == IngestBatch.State.DONE

    browser.get(f"{live_server.url}/scanstelle/")
    assert "mit Fehlern" in browser.find_element(By.ID, "stapel-liste").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "scan-stapel.png"))

    browser.get(f"{live_server.url}/scanstelle/pruefung/")
    assert "Titel ist nur der Dateiname" in browser.find_element(By.ID, "pruefliste").text
    link = browser.find_element(By.CSS_SELECTOR, "#pruefliste tbody a")
    click_and_wait(browser, link, link.get_attribute("href").replace(live_server.url, ""))
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script("return document.getElementById('seitenbild').naturalWidth > 0")
    )
    assert "Gartenweg" in browser.find_element(By.ID, "seitentext").text
    suggested = browser.find_element(By.ID, "vorschlag-titel").text  # OCR of a noisy scan: "Bau?ntrag …"
    assert suggested.startswith("Bau") and suggested.endswith("Gartenweg 12")
    assert browser.find_element(By.ID, "id_title").get_attribute("value") == "bauantrag", "not applied silently"
    browser.set_window_size(1280, 2100)  # the page with its suggestions and the actions below the viewer
    browser.save_screenshot(str(SCREENSHOTS / "scan-pruefung.png"))
    browser.set_window_size(1280, 900)

    browser.find_element(By.CSS_SELECTOR, "button[data-fill=id_title]").click()
    browser.find_element(By.CSS_SELECTOR, "button[data-fill=id_date]").click()
    assert browser.find_element(By.ID, "id_title").get_attribute("value") == suggested
    review_path = browser.current_url.replace(live_server.url, "").split("?")[0]
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#angaben button[type=submit]"), review_path)
    assert browser.find_element(By.TAG_NAME, "h1").text == suggested
    for box in browser.find_elements(By.CSS_SELECTOR, "#abschliessen input[type=checkbox]")[:2]:
        box.click()
    click_and_wait(browser, browser.find_element(By.ID, "pruefung-abschliessen"), "/scanstelle/pruefung/")
    assert "Nichts zu prüfen." in browser.page_source and "abgeschlossen" in browser.page_source

    outbox_drain()  # the search indexer (beside the web server in `make run`)
    _login(browser, live_server.url, "anna", "/akten/")
    browser.get(f"{live_server.url}/suche/?q=Doppelgarage")
    hits = browser.find_element(By.ID, "hits").text
    assert suggested in hits and AZ in hits
