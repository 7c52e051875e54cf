"""The caseworker's search page: facets with names that add a filter, active filters as removable chips, sort
by date, a date range, the document date and type in each hit, the German syntax hint, saved searches (private,
listed on the start page with the recently opened documents)."""

import re
from datetime import date
from html import unescape

import pytest

from search.models import SavedSearch
from search.services import outbox_drain
from tests.search.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def akten(org, aktenplan):
    from tests import factories

    bau = factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße 4")
    ordnung = factories.akte("32-2020/0001", "Sondernutzung Marktplatz")
    make_document(bau, title="Statik alt", pages=["Standsicherheit geprüft"], on=date(2019, 3, 1))
    make_document(
        bau, title="Statik neu", pages=["Standsicherheit erneut"], on=date(2021, 7, 9), document_type="Gutachten"
    )
    make_document(bau, title="Statik ohne Datum", pages=["Standsicherheit offen"], on=None)
    make_document(ordnung, title="Markt", pages=["Standsicherheit der Stände"], on=date(2020, 1, 1))
    outbox_drain()
    return bau, ordnung


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/akten/\d+/dokumente/\d+/\?[^"]*">([^<]+)</a>', html)


def test_facets_have_names_and_add_a_filter_shown_as_a_removable_chip(client, org, akten):
    client.force_login(org.anna)
    html = client.get("/suche/", {"q": "Standsicherheit"}).content.decode()
    assert "3 Treffer" in html and "Markt" not in titles(html)
    assert ">63 Bauordnungsamt</a>" in html  # the department facet by name, not only its code
    assert re.search(r">63\.10\.02 [^<]+</a>", html)  # the Aktenplan unit with its title
    link = unescape(re.search(r'<a href="(\?[^"]*type=Gutachten[^"]*)">Gutachten</a>', html).group(1))
    filtered = client.get("/suche/" + link).content.decode()
    assert "1 Treffer" in filtered and titles(filtered) == ["Statik neu"]
    chip = re.search(r'Dokumentart: Gutachten <a href="([^"]+)"', filtered)
    assert chip, "the active filter is a chip"
    back = client.get("/suche/" + unescape(chip.group(1))).content.decode()
    assert "3 Treffer" in back


def test_sort_by_date_and_date_range_and_hits_show_date_and_type(client, org, akten):
    client.force_login(org.anna)
    newest = client.get("/suche/", {"q": "Standsicherheit", "sort": "neueste"}).content.decode()
    assert titles(newest) == ["Statik neu", "Statik alt", "Statik ohne Datum"]
    oldest = client.get("/suche/", {"q": "Standsicherheit", "sort": "aelteste"}).content.decode()
    assert titles(oldest) == ["Statik alt", "Statik neu", "Statik ohne Datum"]
    assert "09.07.2021" in newest and "Gutachten" in newest
    ranged = client.get("/suche/", {"q": "Standsicherheit", "von": "2020-01-01", "bis": "31.12.2021"})
    html = ranged.content.decode()
    assert titles(html) == ["Statik neu"] and "ab 01.01.2020" in html and "bis 31.12.2021" in html
    only_range = client.get("/suche/", {"von": "2019-01-01"}).content.decode()  # a date range alone searches
    assert set(titles(only_range)) == {"Statik alt", "Statik neu"}
    bad = client.get("/suche/", {"q": "Standsicherheit", "von": "gestern"}).content.decode()
    assert "„von“: gestern ist kein Datum" in bad and "3 Treffer" in bad


def test_syntax_hint_is_german(client, org):
    client.force_login(org.anna)
    html = client.get("/suche/").content.decode()
    assert "Suchsyntax" in html and "Genaue Wortfolge in Anführungszeichen" in html and "Ausschließen mit Minus" in html


def test_saved_search_is_private_and_listed_on_the_start_page_with_recent_documents(client, org, akten):
    client.force_login(org.anna)
    response = client.post("/suche/speichern/", {"name": "Statik", "params": "q=Standsicherheit&type=Gutachten&page=3"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=org.anna)
    assert saved.params == "q=Standsicherheit&type=Gutachten"  # the search's state, not the page it was on
    start = client.get("/akten/").content.decode()
    assert '<a href="/suche/?q=Standsicherheit&amp;type=Gutachten">Statik</a>' in start
    assert "Noch keine Dokumente geöffnet" in start
    doc = akten[0].documents.get(title="Statik neu")
    client.get(f"/akten/{doc.akte_id}/dokumente/{doc.pk}/")
    start = client.get("/akten/").content.decode()
    recent = start[start.index('id="zuletzt"') : start.index('id="gespeicherte-suchen"')]
    assert "Statik neu" in recent and "63.10.02-2020/0001" in recent
    client.force_login(org.bernd)
    assert "Statik" not in client.get("/akten/").content.decode()
    assert client.post(f"/suche/gespeichert/{saved.pk}/loeschen/").status_code == 404  # not theirs
    client.force_login(org.anna)
    client.post(f"/suche/gespeichert/{saved.pk}/loeschen/", {"next": "https://example.org/"})
    assert not SavedSearch.objects.exists()


def test_a_document_no_longer_visible_leaves_the_recent_list(client, org, akten):
    from akten.services import akte_change_department

    client.force_login(org.anna)
    doc = akten[0].documents.get(title="Statik alt")
    client.get(f"/akten/{doc.akte_id}/dokumente/{doc.pk}/")
    assert "Statik alt" in client.get("/akten/").content.decode()
    akte_change_department(akte=akten[0], department=org.d32, by=org.admin)
    assert "Statik alt" not in client.get("/akten/").content.decode()
