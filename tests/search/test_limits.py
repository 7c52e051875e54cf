"""Search paging is bounded and hits expose no figure computed over other departments' documents.
The engines collect offset + limit hits (tantivy allocates them up front and aborts the process on a huge
offset; Elasticsearch refuses offset + limit past 10,000), so the service refuses an offset past MAX_WINDOW -
limit; the page, API and command turn that into a German
message or the last reachable page, never a 500."""

import pytest

from search.services import MAX_LIMIT, MAX_WINDOW, outbox_drain, search_documents

from .conftest import make_document


@pytest.fixture
def found(org, akten):
    docs = [make_document(akten.bau, title=f"Bescheid {n}", pages=[f"Standsicherheit Nachweis {n}"]) for n in range(3)]
    outbox_drain()
    return docs


@pytest.mark.parametrize("offset", [MAX_WINDOW - 9, 10**15, 10**30])
def test_service_refuses_an_offset_past_the_bound_naming_it(org, found, offset):
    with pytest.raises(
        ValueError,
        match=rf"offset: {offset} ist nicht erlaubt, erlaubt sind 0 bis {MAX_WINDOW - 10} "
        rf"\(offset \+ limit höchstens {MAX_WINDOW}\)",
    ):
        search_documents(user=org.anna, query="Standsicherheit", offset=offset, limit=10)


def test_deepest_allowed_offset_still_answers(org, found):
    result = search_documents(user=org.anna, query="Standsicherheit", offset=MAX_WINDOW - MAX_LIMIT, limit=MAX_LIMIT)
    assert result.total == 3 and result.hits == []


@pytest.mark.parametrize(
    "params",
    [{"offset": str(10**15)}, {"offset": "9" * 40}, {"offset": "-1"}, {"limit": str(10**12)}, {"limit": "viele"}],
)
def test_api_answers_400_with_the_field_for_out_of_range_paging(org, found, client_for, params):
    response = client_for(org.anna).get("/api/search/", {"q": "Standsicherheit", **params})
    assert response.status_code == 400
    field = next(iter(params))
    assert (
        response.json()["detail"].startswith(f"{field}: ") and "nicht erlaubt" in response.json()["detail"]
    ) or "keine ganze Zahl" in response.json()["detail"]


@pytest.mark.parametrize("page", ["9" * 30, str(10**6), "501"])
def test_search_page_past_the_last_reachable_page_shows_that_page_with_a_note(org, found, client_for, page):
    response = client_for(org.anna).get("/suche/", {"q": "Standsicherheit", "page": page})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Weiter als bis Seite 500 wird nicht geblättert" in html and "weiter</a>" not in html


def test_search_command_refuses_a_huge_offset(org, found, run_command):
    code, _, err = run_command("search", "Standsicherheit", "--user", "anna", "--offset", str(10**15))
    assert code == 1 and "offset" in err


def test_hits_carry_their_rank_and_no_score(org, found):
    hits = search_documents(user=org.anna, query="Standsicherheit", limit=2, offset=1).hits
    assert [h["rank"] for h in hits] == [2, 3]
    assert all("score" not in h for h in hits)


def test_other_departments_documents_change_nothing_a_user_sees(org, akten, found, client_for):
    """BM25 statistics span the whole index: documents of department 32 that use the same word would change a
    raw score. What anna gets back (API JSON, hit by hit) stays the same whatever 32 stores."""

    def seen():
        data = client_for(org.anna).get("/api/search/", {"q": "Standsicherheit Nachweis"}).json()
        return data["total"], data["hits"], data["facets"]

    before = seen()
    for n in range(20):
        make_document(akten.ordnung, title=f"Fremd {n}", pages=["Standsicherheit " * (n + 1)])
    outbox_drain()
    assert search_documents(user=org.bernd, query="Standsicherheit").total == 20
    assert seen() == before


def test_no_integer_paging_value_causes_a_server_error(org, found, client_for):
    """Any integer the schema allows for limit and offset (search API and the document list) gets 200 or 400."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    client = client_for(org.anna)
    numbers = st.one_of(st.integers(-10, 12_000), st.integers(-(2**70), 2**70))

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(limit=numbers, offset=numbers)
    def check(limit, offset):
        for url in ("/api/search/", "/api/documents/"):
            response = client.get(url, {"q": "Standsicherheit", "limit": limit, "offset": offset})
            assert response.status_code in (200, 400), (url, limit, offset, response.status_code)

    check()
