"""Benchmark search: N synthetic German documents (~300 words, 20 departments, administrative vocabulary with
compounds), indexed through the project's own indexer; reports indexing docs/s, index size, reindex time and peak
RSS (of `manage.py reindex` in a child process), and query latency p50/p95 through `search_documents` (snippets and
facets included) for term, phrase, typo, compound and filtered queries, as a user who sees 1 of 20 departments.
Also the precision cost of compound expansion: documents it adds, and how many of them truly hold the word as a
compound part. Targets: p50 <= 5 ms, p95 <= 20 ms; reindex <= 60 s; peak RSS <= 500 MB.

    .venv/bin/python bench/search.py [--docs 100000] [--queries 200] [--keep DIR [--reuse]] [--json]
                                     [--elasticsearch auto|http://127.0.0.1:9201]

Runs in a throwaway DMS_DATA_DIR (SQLite unless DMS_DATABASE_URL is set), removed afterwards unless --keep.
With --elasticsearch the same database is indexed and queried a second time on Elasticsearch (`auto` starts a
node with tools/elasticsearch/es.sh and reports its peak RSS), and both backends are printed side by side.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search_corpus import HEADS, TAILS, TRAPS, TYPES, document_text, vocabulary  # noqa: E402 — bench/ beside this file


def populate(n_docs: int, seed: int = 7) -> dict:
    """20 departments, each with an Aktenplan unit and 50 Akten; documents spread evenly, 1-3 pages each."""
    from django.db import transaction

    from akten.models import Akte, AktenplanUnit, Document, DocumentVersion, Page
    from dms.services import department_upsert, stored_object_put, user_upsert

    rnd = random.Random(seed)
    function_words, content, weights = vocabulary(rnd)
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    vocab = (function_words, content, cum)
    depts = [department_upsert(code=str(10 + i), name=f"Amt {10 + i}") for i in range(20)]
    user = user_upsert(username="bench", departments=[depts[0].code], roles=["caseworker"])
    blob = stored_object_put(data=b"bench original", media_type="application/pdf")
    akten = []
    for d in depts:
        unit = AktenplanUnit.objects.create(
            kennzeichen=d.code, title=f"Aufgaben {d.code}", retention_years=10, department=d
        )
        akten += [
            Akte(aktenzeichen=f"{d.code}-{2000 + i % 20}/{i:04d}", unit=unit, title=f"Akte {i}", lead_department=d)
            for i in range(50)
        ]
    Akte.objects.bulk_create(akten)
    akten = list(Akte.objects.select_related("lead_department").order_by("pk"))
    made = 0
    while made < n_docs:
        n = min(2000, n_docs - made)
        with transaction.atomic():
            docs = []
            for i in range(made, made + n):
                akte = akten[i % len(akten)]
                on = f"{rnd.randint(1995, 2024)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
                docs.append(
                    Document(
                        akte=akte,
                        department=akte.lead_department,
                        title=document_text(rnd, vocab, 5)[:200],
                        document_type=rnd.choice(TYPES),
                        date=on,
                        source=f"bestand/{i:06d}.pdf",
                    )
                )
            Document.objects.bulk_create(docs, batch_size=1000)
            versions = DocumentVersion.objects.bulk_create(
                [DocumentVersion(document=d, number=1, original=blob) for d in docs], batch_size=1000
            )
            pages = []
            for v in versions:
                n_pages = rnd.choice((1, 1, 2, 3))
                for p in range(n_pages):
                    pages.append(
                        Page(
                            version=v,
                            number=p + 1,
                            text=document_text(rnd, vocab, 300 // n_pages + rnd.randint(-20, 20)),
                        )
                    )
            Page.objects.bulk_create(pages, batch_size=2000)
        made += n
    return {"user": user, "words": content, "dept_code": depts[0].code}


REINDEX_CHILD = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command
call_command("reindex", "--json", stdout=open(os.devnull, "w"))
t = os.times()
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(round(t.user + t.system, 1), hwm)
"""


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def make_queries(rnd: random.Random, words, n: int, visible_texts: list[str]) -> dict[str, list[str]]:
    from search.analysis import typo_distance

    nouns = [w for w in words[:3000] if len(w) >= 6 and w not in TRAPS]  # what people type: not the rarest
    heads = [h for h in HEADS if len(h) >= 4]

    def typo(w):
        i = rnd.randrange(1, len(w) - 1)
        op = rnd.choice(("drop", "swap", "change"))
        if op == "drop":
            return w[:i] + w[i + 1 :]
        if op == "swap":
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w[:i] + rnd.choice("aeinrst") + w[i + 1 :]

    def phrase():
        tokens = rnd.choice(visible_texts).replace(".", "").split()
        i = rnd.randrange(0, len(tokens) - 2)
        return f'"{tokens[i]} {tokens[i + 1]}"'

    return {
        "term": [rnd.choice(nouns) for _ in range(n)],
        "phrase": [phrase() for _ in range(n)],
        "typo": [typo(w) for w in (rnd.choice([x for x in nouns if typo_distance(x)]) for _ in range(n))],
        "compound": [rnd.choice(heads) for _ in range(n)],
        "filtered": [
            f"{rnd.choice(nouns)} " + rnd.choice([f"year:{rnd.randint(1995, 2024)}", f"type:{rnd.choice(TYPES)}"])
            for _ in range(n)
        ],
    }


def time_queries(user, queries: dict[str, list[str]]) -> dict:
    from search.services import search_documents

    out = {}
    for kind, texts in queries.items():
        for t in texts[:5]:
            search_documents(user=user, query=t)  # warm-up
        times, cpu, totals = [], [], []
        for t in texts:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = search_documents(user=user, query=t, limit=10)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            totals.append(result.total)
        out[kind] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "cpu_p50_ms": round(percentile(cpu, 50), 2),
            "max_ms": round(max(times), 2),
            "mean_hits": round(statistics.mean(totals), 1),
            "zero_hit_share": round(sum(1 for x in totals if not x) / len(totals), 3),
        }
    return out


def compound_precision(user, dept_code: str) -> dict:
    """For each head word: the documents compound expansion adds over the plain word, how many of those truly
    contain a compound beginning with the head (precision), and how many of the visible documents that do
    contain such a compound it finds (recall). Ground truth: the generator's head+tail words in the text."""
    import re

    from akten.models import Page
    from akten.selectors import user_principals
    from search.backends import get_backend
    from search.query import SearchQuery, Term

    texts: dict[int, str] = {}
    for doc_id, text in (
        Page.objects.filter(version__document__department__code=dept_code)
        .values_list("version__document_id", "text")
        .iterator(chunk_size=5000)
    ):
        texts[doc_id] = texts.get(doc_id, "") + " " + text
    backend, principals = get_backend(), tuple(user_principals(user))
    added = true_added = truth_total = truth_found = 0
    for head in HEADS:
        if len(head) < 4:
            continue
        ids = {}
        for compounds in (False, True):
            q = SearchQuery(
                principals=principals,
                must=(Term(head, compounds=compounds, typo_tolerant=False),),
                limit=10_000,
                highlight=False,
                facets=(),
            )
            ids[compounds] = {h["document_id"] for h in backend.search(q).hits}
        extra = ids[True] - ids[False]
        pattern = re.compile(rf"\b{re.escape(head)}(?:{'|'.join(TAILS)})", re.IGNORECASE)
        truth = {d for d, text in texts.items() if pattern.search(text)}
        added += len(extra)
        true_added += len(extra & truth)
        truth_total += len(truth)
        truth_found += len(truth & ids[True])
    return {
        "documents_added": added,
        "true_compounds": true_added,
        "precision": round(true_added / added, 4) if added else None,
        "recall": round(truth_found / truth_total, 4) if truth_total else None,
    }


def measure(args, info, data_dir: Path, index_size_mb=None) -> dict:
    """Full rebuild in a child process (time, CPU, peak RSS of the child), then query latency and compound
    precision through `search_documents`, on the backend DMS_SEARCH_URL names."""
    from akten.models import Page

    report = {}
    if index_size_mb is None:

        def index_size_mb():
            index_dir = data_dir / "index"
            return round(sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6, 1)

    # full rebuild in a child process: time and peak RSS. The child reports its own VmHWM: the kernel's
    # ru_maxrss of a child also counts the pages it shared with this (large) parent before exec.
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", REINDEX_CHILD],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    reindex_s = time.monotonic() - started
    report["reindex_s"] = round(reindex_s, 1)
    report["reindex_docs_per_s"] = round(args.docs / reindex_s)
    cpu_s, hwm_kb = child.stdout.split()[-2:]
    report["reindex_cpu_s"] = float(cpu_s)
    report["reindex_peak_rss_mb"] = round(int(hwm_kb) / 1024)
    report["load_average"] = os.getloadavg()[0]
    report["index_size_mb"] = index_size_mb()

    rnd = random.Random(11)
    visible = list(
        Page.objects.filter(version__document__department__code=info["dept_code"]).values_list("text", flat=True)[:500]
    )
    queries = make_queries(rnd, info["words"], args.queries, visible)
    report["queries"] = time_queries(info["user"], queries)
    report["compound_expansion"] = compound_precision(info["user"], info["dept_code"])
    return report


ES_SH = ROOT / "tools" / "elasticsearch" / "es.sh"


def measure_elasticsearch(args, info, data_dir: Path) -> dict:
    """The same database indexed and queried on Elasticsearch: a node started here (`auto`, 1 GB heap; its peak
    RSS is reported) or the one named."""
    from django.conf import settings

    from search.backends import get_backend, reset_backends

    node_dir = data_dir / "elasticsearch"
    url = args.elasticsearch
    if url == "auto":
        url = subprocess.run(
            [ES_SH, "start", node_dir],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "DMS_ES_HEAP": "1g"},
        ).stdout.strip()
    alias = f"bench-{os.getpid()}"
    os.environ["DMS_SEARCH_URL"] = settings.DMS_SEARCH_URL = f"elasticsearch+{url.rstrip('/')}/{alias}"
    reset_backends()
    client = get_backend().client
    try:

        def index_size_mb():
            stats = client.indices.stats(index=f"{alias}-*", metric="store")
            return round(stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6, 1)

        report = measure(args, info, data_dir, index_size_mb)
        jvm = next(iter(client.nodes.stats(metric="jvm")["nodes"].values()))["jvm"]["mem"]
        report["node_heap_used_mb"] = round(jvm["heap_used_in_bytes"] / 1e6)
        if args.elasticsearch == "auto":
            pid = (node_dir / "pid").read_text().strip()
            with open(f"/proc/{pid}/status") as status:
                hwm = next(line.split()[1] for line in status if line.startswith("VmHWM"))
            report["node_peak_rss_mb"] = round(int(hwm) / 1024)
        return report
    finally:
        client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
        if args.elasticsearch == "auto":
            subprocess.run([ES_SH, "stop", node_dir], check=False)
        os.environ.pop("DMS_SEARCH_URL", None)
        settings.DMS_SEARCH_URL = f"tantivy://{data_dir / 'index'}"
        reset_backends()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200, help="queries per kind")
    ap.add_argument("--keep", help="use this data dir and keep it")
    ap.add_argument("--reuse", action="store_true", help="with --keep: reuse its populated database")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--elasticsearch", help="also measure Elasticsearch: `auto` (start a node) or its URL")
    args = ap.parse_args()
    data_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-search-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("DMS_SEARCH_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from akten.models import Document
    from dms.outbox import outbox_enqueue
    from search.services import outbox_drain

    report = {"docs": args.docs}
    try:
        call_command("migrate", verbosity=0)
        if args.reuse and Document.objects.count() == args.docs:
            from django.contrib.auth import get_user_model

            from dms.models import Department

            _, content, _ = vocabulary(random.Random(7))
            info = {
                "user": get_user_model().objects.get(username="bench"),
                "words": content,
                "dept_code": Department.objects.order_by("code").first().code,
            }
            report["populate_s"] = report["outbox_drain_docs_per_s"] = None
        else:
            started = time.monotonic()
            info = populate(args.docs)
            report["populate_s"] = round(time.monotonic() - started, 1)

            # the incremental indexer: the outbox drained in batches of 500 (one writer)
            n_drain = min(args.docs, 10_000)
            with django.db.transaction.atomic():
                outbox_enqueue(document_ids=Document.objects.order_by("pk").values_list("pk", flat=True)[:n_drain])
            started = time.monotonic()
            outbox_drain()
            report["outbox_drain_docs_per_s"] = round(n_drain / (time.monotonic() - started))

        report["tantivy"] = measure(args, info, data_dir)
        if args.elasticsearch:
            report["elasticsearch"] = measure_elasticsearch(args, info, data_dir)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"documents: {args.docs:,} (populated in {report['populate_s']} s)")
    if report["outbox_drain_docs_per_s"]:
        print(f"indexing via outbox_drain: {report['outbox_drain_docs_per_s']:,} docs/s")
    for name in ("tantivy", "elasticsearch"):
        if name in report:
            print_backend(name, report[name])


def print_backend(name: str, r: dict) -> None:
    node = ""
    if "node_heap_used_mb" in r:
        node = f", node heap {r['node_heap_used_mb']} MB" + (
            f", node peak RSS {r['node_peak_rss_mb']} MB" if "node_peak_rss_mb" in r else ""
        )
    print(f"\n== {name} ==")
    print(
        f"reindex: {r['reindex_s']} s ({r['reindex_docs_per_s']:,} docs/s, {r['reindex_cpu_s']} s CPU), "
        f"peak RSS {r['reindex_peak_rss_mb']} MB, index size {r['index_size_mb']} MB{node} "
        f"(load average {r['load_average']:.1f} on {os.cpu_count()} cores)"
    )
    print(f"{'query':10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8} {'hits':>8} {'zero':>6}")
    for kind, q in r["queries"].items():
        print(
            f"{kind:10} {q['p50_ms']:8} {q['p95_ms']:8} {q['max_ms']:8} {q['cpu_p50_ms']:8} {q['mean_hits']:8} "
            f"{q['zero_hit_share']:6}"
        )
    c = r["compound_expansion"]
    print(
        f"compound expansion: +{c['documents_added']} documents, {c['true_compounds']} true compounds "
        f"(precision {c['precision']}, recall of compound documents {c['recall']})"
    )


if __name__ == "__main__":
    main()
