"""The search page and the search API: logged-in users only, trimmed like the command, snippets stay escaped."""

from search.services import outbox_drain

from .conftest import make_document


def test_search_page_shows_visible_hits_with_page_snippet_and_facet_links(org, akten, client_for):
    make_document(
        akten.bau, title="Prüfbericht", pages=["Deckblatt", "Der <Prüfstatiker> bestätigt die Standsicherheit."]
    )
    make_document(akten.ordnung, pages=["Standsicherheit der Marktstände"])
    outbox_drain()
    response = client_for(org.anna).get("/suche/", {"q": "Standsicherheit"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 Treffer" in html and "Prüfbericht" in html and "Seite 2" in html
    assert "<b>Standsicherheit</b>" in html and "&lt;Prüfstatiker&gt;" in html
    assert "Marktstände" not in html
    assert "?q=Standsicherheit&amp;dept=63" in html  # a facet link adds the filter


def test_search_page_requires_login(client, settings):
    settings.ROOT_URLCONF = "tests.search.urls"
    assert client.get("/suche/", {"q": "x"}).status_code == 302


def test_search_api_returns_the_command_json(org, akten, client_for):
    make_document(akten.bau, pages=["Standsicherheit"])
    outbox_drain()
    api = client_for(org.bernd)
    assert api.get("/api/search/", {"q": "Standsicherheit"}).json()["total"] == 0
    data = client_for(org.anna).get("/api/search/", {"q": "Standsicherheit", "limit": 5}).json()
    assert data["total"] == 1 and data["hits"][0]["department"] == "63"
    assert client_for(org.anna).get("/api/search/", {"q": "x", "department": "99"}).status_code == 400
