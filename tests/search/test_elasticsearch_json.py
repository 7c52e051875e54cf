"""The Elasticsearch backend checked at the level of what it sends: mapping/analyzers and compiled queries as JSON,
and the headers of the client's 8.x compatibility mode. Everything a server answers is checked on the real
Elasticsearch node (test_backends.py, test_elasticsearch_node.py, test_services_on_elasticsearch.py)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.backends import backend_from_url
from search.backends._es_mapping import Compiler, index_definition
from search.backends.elasticsearch import fragment_offset
from search.parser import query_from_text


def compiled(text, visible=lambda word, perm: True, **kwargs):
    query, _ = query_from_text(text, principals=("g:1", "u:7"), **kwargs)
    return Compiler(visible).search(query, "eakte").to_dict()


def test_mapping_has_the_german_analysis_chain():
    """Stopwords, german_normalization (umlauts, ae/oe/ue, ß), light German stemming; an unstemmed subfield for
    typos; the compound parts (search/compounds.py) in a field of their own, analysed like the body; keywords for
    principals and filters."""
    d = index_definition("eakte-gen-1").to_dict()
    analysis = d["settings"]["analysis"]
    assert analysis["analyzer"]["de"]["filter"] == ["lowercase", "de_stop", "german_normalization", "de_stem"]
    assert analysis["filter"]["de_stop"] == {"type": "stop", "stopwords": "_german_"}
    assert analysis["filter"]["de_stem"] == {"type": "stemmer", "language": "light_german"}
    assert "de_stem" not in analysis["analyzer"]["de_folded"]["filter"]
    props = d["mappings"]["properties"]
    assert props["body"]["analyzer"] == "de"
    assert props["body"]["fields"]["folded"]["analyzer"] == "de_folded"
    assert props["parts"] == {"type": "text", "analyzer": "de"} and "parts" not in props["body"]["fields"]
    assert props["principals"] == {"type": "keyword"}
    assert props["type_key"] == {"type": "keyword", "normalizer": "lower"}
    assert props["meta"] == {"type": "object", "enabled": False}


def test_permission_filter_is_inside_the_query():
    """Principals are a filter of the one bool query (before ranking, counting and aggregations)."""
    body = compiled("Baugenehmigung")
    assert body["query"]["bool"]["filter"][0] == {"terms": {"principals": ["g:1", "u:7"]}}
    assert body["track_total_hits"] is True
    assert set(body["aggs"]) == {"department", "unit", "year", "document_type"}


def test_date_range_is_a_filter_and_date_sort_puts_undated_last():
    """The document date is indexed as YYYYMMDD (`day`): a range filter beside the permission filter, and a sort
    that keeps undated documents at the end (its figures checked on the node: backend_suite.py)."""
    from datetime import date

    assert index_definition("eakte-gen-1").to_dict()["mappings"]["properties"]["day"] == {"type": "integer"}
    body = compiled("Bauvoranfrage", date_from=date(2020, 1, 1), date_to=date(2020, 12, 31), sort="date_asc")
    assert {"range": {"day": {"gte": 20200101, "lte": 20201231}}} in body["query"]["bool"]["filter"]
    assert body["sort"] == [{"day": {"order": "asc", "missing": "_last", "unmapped_type": "integer"}}, "_score"]
    assert "sort" not in compiled("Bauvoranfrage")
    only_from = compiled("Bauvoranfrage", date_from=date(2021, 6, 1))["query"]["bool"]["filter"]
    assert {"range": {"day": {"gte": 20210601}}} in only_from


def test_word_compiles_to_stemmed_title_boosted_and_compound_parts():
    should = compiled("Glasfaser")["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"match": {"body": {"query": "Glasfaser", "operator": "and", "zero_terms_query": "all"}}}
    assert should[1]["match"]["title"]["boost"] == 2.0
    assert should[2]["constant_score"]["boost"] == 1.0  # the word itself: above any compound holding it
    assert should[3] == {
        "constant_score": {
            "boost": 0.5,
            "filter": {
                "bool": {
                    "minimum_should_match": 1,
                    "should": [{"match": {"parts": {"query": "Glasfaser", "operator": "and"}}}],
                }
            },
        }
    }
    assert len(should) == 4  # the word occurs in a visible document: no typo expansion


def test_typo_expansion_only_when_the_word_is_absent_from_visible_documents():
    asked = []

    def visible(word, perm):
        asked.append((word, perm.to_dict()))
        return False

    should = compiled("Digitalisierng", visible)["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[-2] == {"match": {"body.folded": {"query": "Digitalisierng", "fuzziness": "AUTO:4,8", "boost": 0.3}}}
    assert should[-1]["constant_score"]["filter"] == {
        "match": {"parts": {"query": "Digitalisierng", "fuzziness": "AUTO:4,8"}}
    }
    assert asked == [("Digitalisierng", {"terms": {"principals": ["g:1", "u:7"]}})]


def test_phrase_exclusion_and_filters():
    q = compiled('"Antrag auf Baugenehmigung" -Abriss az:63.10 dept:63 dept:32 year:2020 type:Bescheid')["query"]
    assert q["bool"]["must"][0]["bool"]["should"][0] == {"match_phrase": {"body": "Antrag auf Baugenehmigung"}}
    excluded = q["bool"]["must_not"][0]["bool"]["should"]
    assert excluded[0]["match"]["body"]["zero_terms_query"] == "none" and len(excluded) == 2
    assert q["bool"]["filter"][1:] == [
        {"terms": {"az": ["63.10"]}},
        {"terms": {"department": ["63", "32"]}},
        {"terms": {"year": ["2020"]}},
        {"terms": {"type_key": ["bescheid"]}},
    ]


def test_highlight_and_paging():
    body = compiled("Baugenehmigung", limit=5, offset=10)
    assert body["from"] == 10 and body["size"] == 5
    assert body["highlight"]["pre_tags"] == ["<b>"] and body["highlight"]["encoder"] == "html"
    assert set(body["highlight"]["fields"]) == {"body", "body.folded"}


def test_fragment_offset_finds_the_page_of_the_hit():
    body = "Deckblatt\n\nAnlage & Kosten\n\nDie Schlussrechnung folgt."
    assert fragment_offset(body, "Die <b>Schlussrechnung</b> folgt.") == body.index("Schlussrechnung")
    assert fragment_offset(body, "Anlage &amp; <b>Kosten</b>") == body.index("Kosten")
    assert fragment_offset(body, "nicht im Text") is None


# -- Elasticsearch 8.x in the 7.17 client's compatibility mode --------------------------------------------------
class Server8:
    """Answers as an Elasticsearch 8 server in REST compatibility mode would (product header, version 8.x, JSON in
    the compatibility media type) and records the headers of every request: the 7.10 node of the other tests
    cannot show what the client sends to an 8.x server, so this is the one thing a recording server checks."""

    def __init__(self):
        self.headers = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                recorder.headers.append(
                    (self.command, self.path.split("?")[0], {k.lower(): v for k, v in self.headers.items()})
                )
                path = self.path.split("?")[0]
                if path == "/":
                    payload = {
                        "version": {"number": "8.15.0", "build_flavor": "default"},
                        "tagline": "You Know, for Search",
                    }
                else:  # the alias exists; counts are zero
                    payload = {"count": 0} if path.endswith("/_count") else {"eakte-gen-initial": {}}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=7")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_one

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"elasticsearch+http://127.0.0.1:{self.http.server_address[1]}/eakte"


@pytest.fixture
def server8():
    server = Server8()
    yield server
    server.http.shutdown()


def test_compatibility_mode_sends_the_7_media_type_to_an_8_server(server8, monkeypatch):
    """With ELASTIC_CLIENT_APIVERSIONING=1 (README: Elasticsearch 8.x) every request asks for, and sends, the
    version-7 compatible media type, which an 8.x server answers in the 7.x format the backend reads."""
    monkeypatch.setenv("ELASTIC_CLIENT_APIVERSIONING", "1")
    assert backend_from_url(server8.url).count() == 0
    assert server8.headers[0][:2] == ("GET", "/")  # the client's product check, passed by the 8.x answer
    api_calls = [(m, p, h) for m, p, h in server8.headers if p != "/"]
    assert api_calls
    for method, path, headers in api_calls:
        assert headers["accept"] == "application/vnd.elasticsearch+json;compatible-with=7", (method, path)
    posted = [h for m, p, h in api_calls if m in ("POST", "PUT")]
    assert all(h["content-type"] == "application/vnd.elasticsearch+json;compatible-with=7" for h in posted)


def test_without_compatibility_mode_plain_json_is_sent(server8, monkeypatch):
    monkeypatch.delenv("ELASTIC_CLIENT_APIVERSIONING", raising=False)
    backend_from_url(server8.url).count()
    assert all(h["accept"] == "application/json" for m, p, h in server8.headers if p != "/")


def test_typed_aktenzeichen_compiles_to_the_az_keyword_or_the_phrase():
    should = compiled("63.10.02-1998/0042")["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"term": {"az": {"value": "63.10.02-1998/0042", "boost": 2.0}}}
    assert should[1]["bool"]["should"][0] == {"match_phrase": {"body": "63.10.02-1998/0042"}}
