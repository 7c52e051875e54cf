"""The caseworker's reading path in a real headless Chromium: search, open the hit at its page with the word
marked on the page image (an ingested scan whose blank second page was left out, so the hit is on rendition page
2 of 2), page with the keyboard and the thumbnails, download rendition and original with real names, the Akte
page with its Vorgang tree. Saves docs/screenshots/caseworker-suche.png, caseworker-dokument.png and
caseworker-akte.png.
(Into docs/screenshots/ only with DMS_SCREENSHOTS=1, `make screenshots`; see tests/screenshots.py.)"""

import os
from datetime import date

import pytest

from tests.screenshots import SCREENSHOTS
from tests.test_browser import CHROMEDRIVER, CHROMIUM, browser, click_and_wait  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # OCR of three scanned pages
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
STATIK = (
    "Prüfbericht zur Statik\n"
    "Der Standsicherheitsnachweis für das Einfamilienhaus Gartenweg 12 wurde geprüft. Die Bemessung der "
    "Decken und der Doppelgarage ist vollständig und richtig. Bedenken bestehen nicht."
)


@pytest.fixture
def data(transactional_db, tmp_path, settings):
    from akten.models import Vorgang
    from scan_ingest import synth
    from scan_ingest.services import ingest_run
    from search.services import outbox_drain
    from tests import factories

    settings.DATA_DIR = tmp_path / "data"
    org = factories.org()
    factories.aktenplan(org)
    akte = factories.akte(AZ, "Neubau Einfamilienhaus Gartenweg 12", opened_on=date(1998, 3, 3))
    antrag = Vorgang.objects.create(akte=akte, title="Bauantrag")
    Vorgang.objects.create(akte=akte, title="Abnahme")
    synth.save_pdf(
        [
            synth.text_page(LETTER, dpi=150, seed=4),
            synth.blank_page(dpi=150),
            synth.text_page(STATIK, dpi=150, seed=5),
        ],
        tmp_path / "bauantrag.pdf",
        150,
    )
    result = ingest_run(path=tmp_path / "bauantrag.pdf", akte=AZ, workers=1, user=org.scan)
    doc = akte.documents.get(pk=result["documents"][0]["id"])
    type(doc).objects.filter(pk=doc.pk).update(
        title="Bauantrag mit Prüfbericht", vorgang=antrag, date=date(1998, 3, 12), document_type="Bauantrag"
    )
    other = factories.document(akte, "Aktenvermerk Ortstermin", text="Ortstermin am Gartenweg", date=date(1998, 5, 4))
    outbox_drain()
    return org, akte, doc, other


def _login(browser, url):
    from selenium.webdriver.common.by import By

    browser.get(f"{url}/login/")
    browser.find_element(By.ID, "id_username").send_keys("anna")
    browser.find_element(By.ID, "id_password").send_keys("pw")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), "/akten/")


def _image_loaded(browser, element) -> bool:
    return browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", element)


def test_search_open_at_the_hit_page_through_and_download(browser, live_server, data):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    _org, akte, doc, _other = data
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _login(browser, live_server.url)

    browser.get(f"{live_server.url}/suche/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("Standsicherheitsnachweis")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.search-form button[type=submit]"), "/suche/")
    hits = browser.find_element(By.ID, "hits").text
    assert "Bauantrag mit Prüfbericht" in hits and "Seite 2" in hits and "12.03.1998" in hits
    assert "63 Bauordnungsamt" in browser.find_element(By.CSS_SELECTOR, "aside.facets").text
    browser.save_screenshot(str(SCREENSHOTS / "caseworker-suche.png"))

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Bauantrag mit Prüfbericht"), f"/dokumente/{doc.pk}/")
    assert "seite=2" in browser.current_url
    assert browser.find_element(By.ID, "seitenzahl").text == "Seite 2 von 2"
    image = browser.find_element(By.ID, "seitenbild")
    WebDriverWait(browser, 20).until(lambda b: _image_loaded(b, image))
    marks = browser.find_elements(By.CSS_SELECTOR, ".page-view .hit")
    assert marks, "the hit is marked on the page image"
    frame, mark = image.rect, marks[0].rect
    assert mark["width"] > 20 and mark["height"] > 5  # a visible box ...
    assert frame["x"] <= mark["x"] and mark["x"] + mark["width"] <= frame["x"] + frame["width"]  # ... on the page
    assert frame["y"] <= mark["y"] and mark["y"] + mark["height"] <= frame["y"] + frame["height"]
    assert "Standsicherheitsnachweis" in browser.find_element(By.ID, "seitentext").text
    browser.save_screenshot(str(SCREENSHOTS / "caseworker-dokument.png"))

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)  # keyboard paging (static/js)
    WebDriverWait(browser, 15).until(lambda b: "seite=1" in b.current_url)
    assert browser.find_element(By.ID, "seitenzahl").text == "Seite 1 von 2"
    assert "Gartenweg" in browser.find_element(By.ID, "seitentext").text
    thumbs = browser.find_elements(By.CSS_SELECTOR, "nav.thumbs a")
    assert len(thumbs) == 2
    WebDriverWait(browser, 20).until(
        lambda b: all(_image_loaded(b, t.find_element(By.TAG_NAME, "img")) for t in thumbs)
    )
    click_and_wait(browser, thumbs[1], f"/dokumente/{doc.pk}/")
    assert browser.find_element(By.ID, "seitenzahl").text == "Seite 2 von 2"

    fetch = (
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done("
        "[r.status, r.headers.get('content-disposition'), b.byteLength])));"
    )
    for link_id, name in (
        ("download-rendition", "63.10.02-1998-0042_Bauantrag_mit_Prüfbericht.pdf"),
        ("download-original", "63.10.02-1998-0042_Bauantrag_mit_Prüfbericht_Original.pdf"),
    ):
        href = browser.find_element(By.ID, link_id).get_attribute("href")
        status, disposition, size = browser.execute_async_script(fetch, href)
        assert status == 200 and size > 1000
        assert disposition.startswith("attachment") and "filename*=utf-8''" in disposition
        from urllib.parse import quote

        assert quote(name) in disposition

    browser.get(f"{live_server.url}/akten/{akte.pk}/")
    tree = browser.find_element(By.ID, "vorgaenge").text
    assert "Bauantrag 1" in tree and "Abnahme 0" in tree and "Ohne Vorgang 1" in tree
    assert "Bauantrag mit Prüfbericht" in browser.find_element(By.ID, "dokumente").text
    browser.save_screenshot(str(SCREENSHOTS / "caseworker-akte.png"))
