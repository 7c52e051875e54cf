"""Elasticsearch backend (`elasticsearch+http(s)://host:9200[/alias]`), built with `elasticsearch.dsl`. Searches
go to an alias; `reindex` builds a new concrete index `<alias>-<generation>` and swaps the alias atomically."""

import html
import re
from collections.abc import Iterator
from contextlib import nullcontext

from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch_dsl import Q

from ..compounds import find_part, marked_snippet
from . import base
from ._es_mapping import SNIPPET_CHARS, Compiler, index_definition, to_source

FIRST_GENERATION = "gen-initial"
_TAGS = re.compile(r"</?b>")


def fragment_offset(body: str, fragment_html: str) -> int | None:
    """Where the highlighted fragment starts in the body (Elasticsearch reports no offsets), plus its first hit."""
    plain = html.unescape(_TAGS.sub("", fragment_html))
    start = body.find(plain[:80])
    if start < 0:
        return None
    mark = fragment_html.find("<b>")
    return start + (len(html.unescape(_TAGS.sub("", fragment_html[:mark]))) if mark >= 0 else 0)


def part_fragment(body: str, words, fragment: str, offset):
    """A hit found only through a compound part: the part marked inside its compound (Kauf<b>vertrag</b>)."""
    hit = find_part(body, words)
    if hit is None:
        return fragment, offset
    return marked_snippet(body, hit[0], hit[1], SNIPPET_CHARS), hit[0]


class ElasticsearchBackend(base.SearchBackend):
    name = "elasticsearch"
    options = frozenset({"username", "password", "verify_certs", "ca_certs", "request_timeout"})

    def __init__(self, *, hosts: str, index: str, **options):
        super().__init__(**options)
        self.alias = index
        client_options = {"timeout": float(options.pop("request_timeout", 30))}
        if "username" in options:
            client_options["http_auth"] = (options.pop("username"), options.pop("password", ""))
        if "verify_certs" in options:
            client_options["verify_certs"] = options.pop("verify_certs").lower() not in ("0", "false", "no")
        if "ca_certs" in options:
            client_options["ca_certs"] = options.pop("ca_certs")
        self.client = Elasticsearch(hosts, **client_options)
        self._ready = False

    def concrete(self, generation: str) -> str:
        return f"{self.alias}-{generation}"

    def _ensure(self) -> None:
        """Create the first generation and point the alias at it, once."""
        if self._ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            name = self.concrete(FIRST_GENERATION)
            if not self.client.indices.exists(index=name):
                index_definition(name).create(using=self.client)
            self.client.indices.put_alias(index=name, name=self.alias)
        self._ready = True

    def current_generation(self) -> str:
        try:
            names = list(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return ""
        return names[0][len(self.alias) + 1 :] if names else ""

    # -- writes ----------------------------------------------------------------------------------------
    def _actions(self, index: str, docs, document_ids):
        for doc in docs:
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": doc.document_id,
                "_source": to_source(doc, base.stored_fields(doc)),
            }
        for doc_id in document_ids:
            yield {"_op_type": "delete", "_index": index, "_id": doc_id}

    def _bulk(self, index: str, docs, document_ids, refresh) -> None:
        _ok, errors = helpers.bulk(
            self.client, self._actions(index, docs, document_ids), refresh=refresh, raise_on_error=False, chunk_size=500
        )
        real = [e for e in errors if e.get("delete", {}).get("status") != 404]
        if real:
            raise base.SearchError(f"elasticsearch index {index}: {len(real)} bulk errors, first: {real[0]}")

    def _apply(self, docs, document_ids) -> None:
        self._ensure()
        self._bulk(self.alias, docs, document_ids, refresh="wait_for")

    def _writing(self):
        return nullcontext()  # every bulk request stands alone

    def _clear(self) -> None:
        self._ensure()
        self.client.delete_by_query(
            index=self.alias, body={"query": {"match_all": {}}}, refresh=True, conflicts="proceed"
        )

    def _rebuild_begin(self, generation: str) -> None:
        self._ensure()
        name = self.concrete(generation)
        if not self.client.indices.exists(index=name):
            index_definition(name).create(using=self.client)
            self.client.indices.put_settings(index=name, body={"index": {"refresh_interval": "-1"}})

    def _rebuild_write(self, generation: str, docs) -> None:
        self._bulk(self.concrete(generation), docs, [], refresh=False)

    def _rebuild_commit(self, generation: str) -> None:
        self.client.indices.flush(index=self.concrete(generation))

    def _rebuild_remove(self, generation: str, document_ids) -> None:
        self._bulk(self.concrete(generation), [], document_ids, refresh=False)

    def _rebuild_suspend(self, generation: str) -> None:
        """Nothing to release: the server keeps what was flushed."""

    def _rebuild_abandon(self, generation: str) -> None:
        if generation != self.current_generation():
            self.client.indices.delete(index=self.concrete(generation), ignore_unavailable=True)

    def _rebuild_finish(self, generation: str) -> None:
        name = self.concrete(generation)
        self.client.indices.put_settings(index=name, body={"index": {"refresh_interval": None}})
        self.client.indices.refresh(index=name)
        old = self.current_generation()
        actions = [{"add": {"index": name, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": self.concrete(old), "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        if old and old != generation:
            self.client.indices.delete(index=self.concrete(old), ignore_unavailable=True)

    # -- reads -----------------------------------------------------------------------------------------
    def _visible(self, text: str, permission: Q) -> bool:
        q = Q(
            "bool",
            filter=[permission],
            should=[Q("match", body=text), Q("match", title=text), Q("match", parts=text)],
            minimum_should_match=1,
        )
        return self.client.count(index=self.alias, body={"query": q.to_dict()})["count"] > 0

    def _search(self, query):
        self._ensure()
        compiler = Compiler(self._visible)
        body = compiler.search(query, self.alias).to_dict()
        response = self.client.search(index=self.alias, body=body)
        raw_hits = []
        for h in response["hits"]["hits"]:
            source = h["_source"]
            highlight = h.get("highlight", {})
            # Each highlighted field answers (no_match_size): take the first fragment that marks a hit.
            fragments = [f for field in ("body", "body.folded") for f in highlight.get(field, [])]
            fragment = next((f for f in fragments if "<b>" in f), fragments[0] if fragments else "")
            offset = fragment_offset(source.get("body", ""), fragment) if fragment else None
            if query.highlight and "<b>" not in fragment and compiler.part_words:
                fragment, offset = part_fragment(source.get("body", ""), compiler.part_words, fragment, offset)
            raw_hits.append(base.RawHit(source["doc_id"], h["_score"] or 0.0, source["meta"], fragment, offset))
        facets = {
            name: [
                {"value": b["key"], "count": b["doc_count"]}
                for b in response.get("aggregations", {}).get(name, {}).get("buckets", [])
            ]
            for name in query.facets
        }
        return response["hits"]["total"]["value"], raw_hits, facets

    def _stamps(self, batch_size: int) -> Iterator[tuple[int, int]]:
        self._ensure()
        after = None
        while True:
            body = {
                "size": batch_size,
                "sort": [{"doc_id": "asc"}],
                "_source": False,
                "docvalue_fields": ["doc_id", "stamp"],
                "query": {"match_all": {}},
            }
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(index=self.alias, body=body)["hits"]["hits"]
            if not hits:
                return
            for h in hits:
                yield h["fields"]["doc_id"][0], h["fields"]["stamp"][0]
            after = hits[-1]["sort"]

    def _count(self) -> int:
        self._ensure()
        return self.client.count(index=self.alias)["count"]


SearchBackend = ElasticsearchBackend
__all__ = ["SearchBackend"]
