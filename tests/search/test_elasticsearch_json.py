"""The Elasticsearch backend checked at the level of what it sends: mapping/analyzers and compiled queries as JSON.
No Elasticsearch server can run on the development machines, so the request-flow tests below talk to a small
recording HTTP server that answers like one (a test double for the server only; the backend, the official client
and its HTTP transport are real). The full SearchBackendTests run against a real server when
DMS_TEST_ELASTICSEARCH_URL is set (tests/search/test_backends.py)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.backends import backend_from_url
from search.backends._es_mapping import Compiler, index_definition
from search.backends.elasticsearch import fragment_offset
from search.parser import query_from_text

from .backend_suite import doc


def compiled(text, visible=lambda word, perm: True, **kwargs):
    query, _ = query_from_text(text, principals=("g:1", "u:7"), **kwargs)
    return Compiler(visible).search(query, "eakte").to_dict()


def test_mapping_has_the_german_analysis_chain():
    """Stopwords, german_normalization (umlauts, ae/oe/ue, ß), light German stemming; an unstemmed subfield for
    typos and a 4-gram subfield for compound parts; keywords for principals and filters."""
    d = index_definition("eakte-gen-1").to_dict()
    analysis = d["settings"]["analysis"]
    assert analysis["analyzer"]["de"]["filter"] == ["lowercase", "de_stop", "german_normalization", "de_stem"]
    assert analysis["filter"]["de_stop"] == {"type": "stop", "stopwords": "_german_"}
    assert analysis["filter"]["de_stem"] == {"type": "stemmer", "language": "light_german"}
    assert analysis["filter"]["de_4gram"] == {"type": "ngram", "min_gram": 4, "max_gram": 4}
    assert "de_stem" not in analysis["analyzer"]["de_folded"]["filter"]
    props = d["mappings"]["properties"]
    assert props["body"]["analyzer"] == "de"
    assert props["body"]["fields"]["folded"]["analyzer"] == "de_folded"
    assert props["body"]["fields"]["parts"]["analyzer"] == "de_parts"
    assert props["principals"] == {"type": "keyword"}
    assert props["type_key"] == {"type": "keyword", "normalizer": "lower"}
    assert props["meta"] == {"type": "object", "enabled": False}


def test_permission_filter_is_inside_the_query():
    """Principals are a filter of the one bool query (before ranking, counting and aggregations)."""
    body = compiled("Baugenehmigung")
    assert body["query"]["bool"]["filter"][0] == {"terms": {"principals": ["g:1", "u:7"]}}
    assert body["track_total_hits"] is True
    assert set(body["aggs"]) == {"department", "unit", "year", "document_type"}


def test_word_compiles_to_stemmed_title_boosted_and_compound_parts():
    should = compiled("Glasfaser")["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"match": {"body": {"query": "Glasfaser", "operator": "and", "zero_terms_query": "all"}}}
    assert should[1]["match"]["title"]["boost"] == 2.0
    assert should[2] == {"match": {"body.parts": {"query": "Glasfaser", "operator": "and", "boost": 0.5}}}
    assert len(should) == 3  # the word occurs in a visible document: no typo expansion


def test_typo_expansion_only_when_the_word_is_absent_from_visible_documents():
    asked = []

    def visible(word, perm):
        asked.append((word, perm.to_dict()))
        return False

    should = compiled("Digitalisierng", visible)["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[-1] == {"match": {"body.folded": {"query": "Digitalisierng", "fuzziness": "AUTO:4,8",
                                                     "boost": 0.3}}}
    assert asked == [("Digitalisierng", {"terms": {"principals": ["g:1", "u:7"]}})]


def test_phrase_exclusion_and_filters():
    q = compiled('"Antrag auf Baugenehmigung" -Abriss az:63.10 dept:63 dept:32 year:2020 type:Bescheid')["query"]
    assert q["bool"]["must"][0]["bool"]["should"][0] == {"match_phrase": {"body": "Antrag auf Baugenehmigung"}}
    excluded = q["bool"]["must_not"][0]["bool"]["should"]
    assert excluded[0]["match"]["body"]["zero_terms_query"] == "none" and len(excluded) == 2
    assert q["bool"]["filter"][1:] == [{"terms": {"az": ["63.10"]}}, {"terms": {"department": ["63", "32"]}},
                                       {"terms": {"year": ["2020"]}}, {"terms": {"type_key": ["bescheid"]}}]


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


# -- request flow against a recording server double --------------------------------------------------------
class FakeServer:
    """Answers like Elasticsearch 9 (product header, JSON) and records every request."""

    def __init__(self):
        self.requests, self.search_response, self.aliases = [], None, {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, payload=None):
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=9")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                path = self.path.split("?")[0]
                fake.requests.append((self.command, self.path, raw))
                status, payload = fake.answer(self.command, path, raw)
                self._reply(status, payload)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_one

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"elasticsearch+http://127.0.0.1:{self.http.server_address[1]}/eakte"

    def answer(self, method, path, raw):
        parts = path.strip("/").split("/")
        if parts[0] == "_alias":
            name = parts[1]
            if name not in self.aliases:
                return 404, {"error": "alias missing", "status": 404}
            return 200, {self.aliases[name]: {"aliases": {name: {}}}}
        if len(parts) == 3 and parts[1] == "_alias":
            self.aliases[parts[2]] = parts[0]
            return 200, {"acknowledged": True}
        if parts[0] == "_aliases":
            for action in json.loads(raw)["actions"]:
                if "add" in action:
                    self.aliases[action["add"]["alias"]] = action["add"]["index"]
            return 200, {"acknowledged": True}
        if parts[0] == "_bulk":
            items = [json.loads(line) for line in raw.splitlines() if line.strip()]
            ops = [{op: {"_id": meta["_id"], "status": 200}} for i, item in enumerate(items)
                   for op, meta in item.items() if op in ("index", "delete")]
            return 200, {"errors": False, "took": 1, "items": ops}
        if parts[-1] == "_count":
            return 200, {"count": 1}
        if parts[-1] == "_search":
            return 200, self.search_response
        if method == "HEAD":
            return 404, None
        return 200, {"acknowledged": True}

    def close(self):
        self.http.shutdown()


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


def test_first_use_creates_the_first_generation_behind_the_alias_and_bulk_indexes(server):
    backend = backend_from_url(server.url)
    backend.upsert([doc(5, "Glasfasernetz der Stadt")])
    methods = [(m, p.split("?")[0]) for m, p, _ in server.requests]
    assert ("PUT", "/eakte-gen-initial") in methods
    assert ("PUT", "/eakte-gen-initial/_alias/eakte") in methods
    bulk = next(raw for m, p, raw in server.requests if p.startswith("/_bulk"))
    action, source = [json.loads(line) for line in bulk.splitlines()]
    assert action == {"index": {"_index": "eakte", "_id": 5}}
    assert source["principals"] == ["g:1"] and source["doc_id"] == 5 and source["meta"]["pages"] == [1]


def test_search_response_becomes_hits_with_page_and_facets(server):
    backend = backend_from_url(server.url)
    body = "Deckblatt\n\nDie Schlussrechnung folgt."
    server.search_response = {
        "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{
            "_id": "9", "_score": 3.5, "_source": {"doc_id": 9, "body": body, "meta": {
                "akte_id": 1, "aktenzeichen": "63.10.02-2020/0001", "title": "Turnhalle", "department": "63",
                "source": "scan/9.pdf", "source_pages": None, "pages": [1, 2], "page_starts": [0, 11]}},
            "highlight": {"body": ["Die <b>Schlussrechnung</b> folgt."]}}]},
        "aggregations": {"department": {"buckets": [{"key": "63", "doc_count": 1}]},
                         "unit": {"buckets": []}, "year": {"buckets": [{"key": 2020, "doc_count": 1}]},
                         "document_type": {"buckets": []}}}
    query, _ = query_from_text("Schlussrechnung", principals=("g:1",))
    result = backend.search(query)
    assert result.total == 1
    assert result.hits[0]["page"] == 2 and result.hits[0]["snippet"] == "Die <b>Schlussrechnung</b> folgt."
    assert result.facets["year"] == [{"value": 2020, "count": 1}]
    sent = json.loads(next(raw for m, p, raw in server.requests if p.startswith("/eakte/_search")))
    assert sent["query"]["bool"]["filter"][0] == {"terms": {"principals": ["g:1"]}}


def test_rebuild_writes_a_new_index_then_swaps_the_alias(server):
    backend = backend_from_url(server.url)
    backend.count()  # first use: alias -> eakte-gen-initial
    backend.rebuild_begin(generation="gen-2")
    backend.rebuild_write("gen-2", [doc(1, "neu")])
    backend.rebuild_commit("gen-2")
    backend.rebuild_finish("gen-2")
    swap = next(json.loads(raw) for m, p, raw in server.requests if p.startswith("/_aliases"))
    assert swap["actions"] == [{"remove": {"index": "eakte-gen-initial", "alias": "eakte"}},
                               {"add": {"index": "eakte-gen-2", "alias": "eakte"}}]
    assert ("DELETE", "/eakte-gen-initial") in [(m, p.split("?")[0]) for m, p, _ in server.requests]
    assert server.aliases["eakte"] == "eakte-gen-2"


def test_typed_aktenzeichen_compiles_to_the_az_keyword_or_the_phrase():
    should = compiled("63.10.02-1998/0042")["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"term": {"az": {"value": "63.10.02-1998/0042", "boost": 2.0}}}
    assert should[1]["bool"]["should"][0] == {"match_phrase": {"body": "63.10.02-1998/0042"}}
