"""The archive workspace in a real headless Chromium: two archivists run a whole Aussonderung. Offer and the
0501; the archive's 0502 contradicts the proposal; a Löschsperre placed after the offer; the proposer may not
approve (button disabled, the POST refused), the second archivist approves; execution in the background with its
progress; a partial 0506 (one object failed), the resend in a new 0503 and its 0506; the protocol (HTML, PDF).
Saves docs/screenshots/archiv-dashboard.png and archiv-lauf.png.
(Into docs/screenshots/ only with DMS_SCREENSHOTS=1, `make screenshots`; see tests/screenshots.py.)"""

import os
from datetime import date
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def akten(transactional_db):
    from akten.services import akte_close
    from tests import factories

    org = factories.org()
    factories.aktenplan(org)

    def closed(az, title, year):
        akte = factories.akte(az, title, opened_on=date(year, 2, 1))
        factories.document(akte, f"Bauantrag {title}", text="Inhalt")
        return akte_close(akte=akte, on=date(year, 9, 30))

    return org, {
        "v1": closed("63-2001/0011", "Garage Birkenweg 3", 2001),
        "v2": closed("63-2002/0012", "Zaun Lindenstraße 8", 2002),
        "a1": closed("63.10-1981/0021", "Rathausanbau", 1981),
        "a2": closed("63.10-1982/0022", "Schulneubau Am Markt", 1982),
        "later": closed("63-2021/0013", "Carport Ahornweg", 2021),
    }


def _login(browser, url, username):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{url}/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys("pw")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"), "/aussonderung/")


def _fetch(browser, url, method="GET", form_id=None):
    """(status, first bytes as text) of a request made by the page itself (same session, same CSRF token)."""
    return browser.execute_async_script(
        """
        const [url, method, formId, done] = arguments;
        const opts = {method, credentials: 'same-origin'};
        if (formId) { opts.body = new FormData(document.getElementById(formId)); }
        fetch(url, opts).then(async r => {
          const buf = new Uint8Array(await r.arrayBuffer());
          done([r.status, new TextDecoder('utf-8').decode(buf.slice(0, 4000))]);
        }).catch(e => done([0, String(e)]));
        """,
        url,
        method,
        form_id,
    )


def _upload(browser, path: Path):
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "id_datei").send_keys(str(path))
    button = browser.find_element(By.CSS_SELECTOR, "#bewertung-hochladen button[type=submit]")
    current = browser.current_url.split("?")[0]
    click_and_wait(browser, button, current.split(browser.current_url.split("/aussonderung/")[0])[-1])


def _text(browser, css):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, css).text


def test_two_archivists_run_a_whole_aussonderung(browser, live_server, akten, tmp_path):
    from django.utils import timezone
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from akten.aussonderung.xdomea import ImportResult, build_0506
    from akten.models import Akte, DisposalRun
    from tests.akten.test_aussonderung_helpers import bewertung_0502

    _org, a = akten
    url = live_server.url
    browser.set_window_size(1280, 1100)
    _login(browser, url, "archiv")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Aussonderung"
    assert "4 Akten fällig" in _text(browser, "#faellig")

    # due list (keyboard: the filter form is a plain form) and the offer
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Fällige Akten"), "/aussonderung/faellig/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#faellige tbody tr")
    assert len(rows) == 4 and "Carport" not in _text(browser, "#faellige")
    # keyboard only: Tab to the "Anbieten" button and press Enter
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    on_offer = "const e = document.activeElement; return e.tagName === 'BUTTON' && !!e.closest('#anbieten');"
    for _ in range(60):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script(on_offer):
            break
    else:
        pytest.fail("the Anbieten button cannot be reached with the Tab key")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 15).until(lambda d: "/aussonderung/laeufe/" in d.current_url)
    run = DisposalRun.objects.get()
    assert "4 Akten angeboten" in _text(browser, ".messages")
    status, head = _fetch(browser, f"{url}/aussonderung/laeufe/{run.pk}/dateien/0501")
    assert status == 200 and "Anbieteverzeichnis.0501" in head

    # the archive's 0502 contradicts the proposal: a V Akte kept (A), an A Akte destroyed (V)
    decisions = {a["v1"].uuid: "A", a["v2"].uuid: "V", a["a1"].uuid: "V", a["a2"].uuid: "A"}
    bewertung = tmp_path / "bewertung.0502.xml"
    bewertung.write_bytes(bewertung_0502(str(run.uuid), decisions))
    _upload(browser, bewertung)
    assert "Bewertung (0502) eingelesen" in _text(browser, ".messages")
    assert "2 weichen vom Vorschlag ab" in _text(browser, "#bewertung-summe")
    assert len(browser.find_elements(By.XPATH, "//table[@id='akten']//span[text()='weicht ab']")) == 2

    # a hold placed after the offer, on a V Akte, through the Akte's page
    browser.get(f"{url}/aussonderung/akten/{a['v2'].pk}/")
    browser.find_element(By.ID, "sperre-grund").send_keys("Klage anhängig")
    browser.find_element(By.ID, "sperre-referenz").send_keys("VG 2 K 55/26")
    click_and_wait(
        browser,
        browser.find_element(By.CSS_SELECTOR, "#sperre-setzen button"),
        f"/aussonderung/akten/{a['v2'].pk}/",
    )
    assert "Klage anhängig VG 2 K 55/26" in _text(browser, "#loeschsperren")  # reason, reference in their columns

    # four eyes: the proposer's button is disabled with the reason; forcing the POST is refused
    browser.get(f"{url}/aussonderung/laeufe/{run.pk}/")
    button = browser.find_element(By.CSS_SELECTOR, "#freigabe button")
    assert button.get_attribute("disabled") is not None
    assert "zweite Person aus dem Archiv" in _text(browser, "#freigabe-hinweis")
    status, body = _fetch(browser, f"{url}/aussonderung/laeufe/{run.pk}/freigeben/", "POST", "freigabe")
    assert status == 403 and "Freigabe verweigert" in body
    run.refresh_from_db()
    assert run.state == "evaluated"

    _login(browser, url, "archiv2")
    browser.get(f"{url}/aussonderung/laeufe/{run.pk}/")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#freigabe button"), f"/laeufe/{run.pk}/")
    from selenium.common.exceptions import StaleElementReferenceException

    # the POST returns to the same address: wait for the new page, not the old one still being torn down
    WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "freigegeben" in d.find_element(By.TAG_NAME, "h1").text
    )

    # execution: asked once, naming what happens to how many Akten; then progress without a reload
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Durchführen"), f"/laeufe/{run.pk}/durchfuehren/")
    ask = _text(browser, "#bestaetigen")
    assert "1 Akte werden vernichtet" in ask and "2 Akten werden mit xdomea 0503" in ask and "Löschsperre" in ask
    browser.find_element(By.CSS_SELECTOR, "#bestaetigen button.danger").click()
    WebDriverWait(browser, 15).until(lambda d: d.current_url.endswith(f"/laeufe/{run.pk}/"))
    from django.db import connection

    if connection.vendor == "postgresql":  # a real background process: the page shows its progress meanwhile
        assert "Akten" in _text(browser, "#fortschritt-text")
    WebDriverWait(browser, 60).until(
        lambda d: "Importbestätigung ausstehend" in d.find_element(By.TAG_NAME, "h1").text
    )  # the htmx poll reloads the page when the run moves on
    run.refresh_from_db()
    assert run.state == "awaiting_import"
    assert "2 Akten warten schreibgeschützt" in _text(browser, "#import")
    assert Akte.objects.get(pk=a["a1"].pk).state == "vernichtet"
    assert Akte.objects.get(pk=a["v2"].pk).state != "vernichtet"  # the hold won

    # a partial 0506: one object failed; it is sent again and then confirmed
    failed = ImportResult(ok=False, errors=("Formatvalidierung fehlgeschlagen",))
    first = tmp_path / "import.0506.xml"
    results = {str(a["v1"].uuid): True, str(a["a2"].uuid): failed}
    first.write_bytes(build_0506(prozess_id=str(run.uuid), created=timezone.now(), results=results))
    _upload(browser, first)
    assert "Formatvalidierung fehlgeschlagen" in _text(browser, "#import")
    # the confirmed Akte is removed in the background; the htmx poll reloads the page when that ends
    WebDriverWait(browser, 60).until(lambda d: not d.find_elements(By.ID, "fortschritt"))
    assert Akte.objects.get(pk=a["v1"].pk).state == "abgegeben"
    from akten.services import akte_close
    from tests import factories

    for az, title, year in [("63.10-1985/0031", "Turnhalle Nord", 1985), ("63-2003/0014", "Garage Eichenweg", 2003)]:
        late = factories.akte(az, title, opened_on=date(year, 1, 5))  # due after the offer: the next run's
        akte_close(akte=late, on=date(year, 3, 1))
    browser.get(f"{url}/aussonderung/")  # the dashboard while the run waits for the archive, with a hold in force
    assert "Löschsperren in Kraft: 1" in _text(browser, "#sperren")
    assert f"Aussonderung {run.pk}" in _text(browser, "#archiv-wartet")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "archiv-dashboard.png"))
    browser.get(f"{url}/aussonderung/laeufe/{run.pk}/")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#import button"), f"/laeufe/{run.pk}/")
    assert "Neue Abgabe (0503 Nr. 2" in _text(browser, ".messages")
    resend = run.transfers.get(number=2)
    second = tmp_path / "import2.0506.xml"
    second.write_bytes(
        build_0506(prozess_id=str(resend.prozess_id), created=timezone.now(), results={str(a["a2"].uuid): True})
    )
    _upload(browser, second)
    WebDriverWait(browser, 60).until(lambda d: "abgeschlossen" in d.find_element(By.TAG_NAME, "h1").text)
    run.refresh_from_db()
    assert run.state == "done"
    files = _text(browser, "#dateien")
    for label in ("Anbieteverzeichnis", "Erneute Abgabe Nr. 2", "Importbestätigung des Archivs (0506)", "PDF"):
        assert label in files
    browser.get(f"{url}/aussonderung/laeufe/{run.pk}/")
    browser.set_window_size(1280, 1500)
    browser.save_screenshot(str(SCREENSHOTS / "archiv-lauf.png"))
    browser.set_window_size(1280, 1100)

    status, head = _fetch(browser, f"{url}/aussonderung/laeufe/{run.pk}/dateien/protokoll.pdf")
    assert status == 200 and head.startswith("%PDF")
    click_and_wait(
        browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Vernichtungsprotokoll (HTML)"), "protokoll.html"
    )
    assert "Vernichtungs- und Abgabeprotokoll" in browser.find_element(By.TAG_NAME, "h1").text


def test_keyboard_offers_a_selection_and_releases_a_hold_with_its_reason(browser, live_server, akten):
    """Keyboard only: tick one due Akte (Tab, Space) and press "Auswahl anbieten"; then place a Löschsperre with
    its Bezug and release it, the confirmation asking for the reason."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from akten.models import DisposalRun, Hold

    _org, a = akten
    url = live_server.url
    _login(browser, url, "archiv")
    browser.get(f"{url}/aussonderung/faellig/")

    def tab_to(script, what):
        for _ in range(80):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            if browser.execute_script(script):
                return
        pytest.fail(f"{what} cannot be reached with the Tab key")

    tab_to(f"return document.activeElement.id === 'auswahl-{a['a2'].pk}';", "the checkbox")
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert browser.find_element(By.ID, f"auswahl-{a['a2'].pk}").is_selected()
    tab_to("const e = document.activeElement; return e.name === 'umfang' && e.value === 'auswahl';", "Auswahl")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 15).until(lambda d: "/aussonderung/laeufe/" in d.current_url)
    assert "1 Akte angeboten" in _text(browser, ".messages")
    assert [i.akte_id for i in DisposalRun.objects.get().items.all()] == [a["a2"].pk]

    browser.get(f"{url}/aussonderung/akten/{a['v1'].pk}/")
    browser.find_element(By.ID, "sperre-grund").send_keys("Klage anhängig")
    browser.find_element(By.ID, "sperre-referenz").send_keys("VG 2 K 123/24")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#sperre-setzen button"), f"/{a['v1'].pk}/")
    assert "VG 2 K 123/24" in _text(browser, "#loeschsperren")
    hold = Hold.objects.get(akte=a["v1"])
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Aufheben"), "/aufheben/")
    assert "VG 2 K 123/24" in _text(browser, "#aufheben")
    field = browser.find_element(By.ID, "aufheben-grund")
    assert field.get_attribute("required") is not None  # the browser asks before the server does
    field.send_keys("Klage zurückgenommen")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#aufheben button.danger"), f"/{a['v1'].pk}/")
    hold.refresh_from_db()
    assert hold.release_reason == "Klage zurückgenommen" and not hold.active
    assert "Grund: Klage zurückgenommen" in _text(browser, "#loeschsperren")
