"""Benchmark the caseworker's pages under load: N concurrent logged-in users (one requests session per thread)
against a running gunicorn over a generated archive (bench/search.py's corpus: 20 departments, 1,000 Akten,
`--docs` documents; the users' department gets real two-page PDF/A-like renditions with a text layer). Each user
loops over Meine Akten, an Akte page, a document page (an audited read), its page image, a search and a search
with filter and date sort, without pause or (`--think S`) reading each page for 0-2*S seconds. Reports
p50/p95/max per page, errors and requests/s; first, in the process, the time to render a page image uncached and
cached. Target: p95 <= 100 ms per page, no errors.

    DMS_DATABASE_URL=postgres://eakte:eakte@127.0.0.1:5432/<empty db> \\
    .venv/bin/python bench/web.py [--docs 100000] [--users 20] [--seconds 60] [--workers 2] [--threads 8]
                                  [--port 8101] [--think 0] [--keep DIR [--reuse]] [--json]

Runs in a throwaway DMS_DATA_DIR (removed afterwards unless --keep; SQLite unless DMS_DATABASE_URL is set — use
PostgreSQL: each document view writes an audit event, and SQLite serialises writers)."""

import argparse
import importlib.util
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project's `search` app before bench/search.py

PASSWORD = "bench-Passwort-1"
N_USERS_MAX = 50
RENDITIONS = 200  # distinct rendition PDFs, cycled over the users' department's documents
PAGES = ("Meine Akten", "Akte", "Dokument", "Seitenbild", "Suche", "Suche mit Filter")


def _bench_search():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(1, str(ROOT / "bench"))  # its `search_corpus`
    spec.loader.exec_module(module)
    return module


def rendition_pdf(seed: int, words: list[str]) -> bytes:
    """Two A4 pages of generated German text with a real text layer (Helvetica)."""
    import pikepdf
    from pikepdf import Dictionary, Name

    rnd = random.Random(seed)
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
    )
    for _ in range(2):
        lines = []
        for y in range(780, 80, -18):
            text = " ".join(rnd.choices(words, k=9)).encode("cp1252", "replace")
            text = text.replace(b"\\", b"").replace(b"(", b"").replace(b")", b"")
            lines.append(b"1 0 0 1 56 %d Tm (%s) Tj " % (y, text))
        content = b"BT /F1 11 Tf " + b"".join(lines) + b"ET"
        page = Dictionary(
            Type=Name.Page,
            MediaBox=[0, 0, 595, 842],
            Resources=Dictionary(Font=Dictionary(F1=font)),
            Contents=pdf.make_stream(content),
        )
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def prepare(args) -> dict:
    """Populate (or reuse) the archive, the users, the renditions; index it. Returns what the users need."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from akten.models import Akte, Document, DocumentVersion
    from dms.models import Department
    from dms.services import stored_object_put, user_upsert

    call_command("migrate", verbosity=0)
    report = {}
    bench = _bench_search()
    if not (args.reuse and Document.objects.count() == args.docs):
        started = time.monotonic()
        bench.populate(args.docs)
        report["populate_s"] = round(time.monotonic() - started, 1)
        dept = Department.objects.order_by("code").first()
        _, content, _ = bench.vocabulary(random.Random(7))
        objects = [
            stored_object_put(data=rendition_pdf(i, content[:3000]), media_type="application/pdf")
            for i in range(RENDITIONS)
        ]
        versions = list(DocumentVersion.objects.filter(document__department=dept).order_by("pk"))
        for i, version in enumerate(versions):
            version.rendition = objects[i % len(objects)]
        with transaction.atomic():
            DocumentVersion.objects.bulk_update(versions, ["rendition"], batch_size=1000)
        started = time.monotonic()
        with open(os.devnull, "w") as quiet:
            call_command("reindex", "--json", stdout=quiet)
        report["reindex_s"] = round(time.monotonic() - started, 1)
    dept = Department.objects.order_by("code").first()
    for i in range(1, args.users + 1):
        user_upsert(username=f"bench{i:02d}", departments=[dept.code], roles=["caseworker"], password=PASSWORD)
    akten = list(Akte.objects.filter(lead_department=dept).values_list("pk", flat=True))
    docs = list(
        Document.objects.filter(department=dept, versions__rendition__isnull=False).values_list("akte_id", "pk")[:20000]
    )
    _, content, _ = bench.vocabulary(random.Random(7))
    report["visible_documents"] = Document.objects.filter(department=dept).count()
    report["documents"] = Document.objects.count()
    user = get_user_model().objects.get(username="bench01")
    return {"akten": akten, "docs": docs, "words": content[:2000], "user": user, "report": report}


def render_times(data: dict, samples: int = 20) -> dict:
    """Page image render in the process: uncached (fresh cache), cached, for the large page and a thumbnail."""
    from django.conf import settings

    from akten.models import Document
    from web.caseworker import render

    shutil.rmtree(Path(settings.DATA_DIR) / "render-cache", ignore_errors=True)
    seen, picks = set(), []
    for _akte_id, doc_id in data["docs"]:
        doc = Document.objects.get(pk=doc_id)
        version = doc.versions.select_related("rendition", "original").order_by("-number").first()
        if version.rendition.sha256 not in seen:
            seen.add(version.rendition.sha256)
            picks.append((doc, version))
        if len(picks) == samples:
            break
    timings = {"miss_1000": [], "hit_1000": [], "miss_160": [], "open_for_view": []}
    for doc, version in picks:
        t = time.perf_counter()
        render.open_for_view(document=doc, user=data["user"], version=version)
        timings["open_for_view"].append(time.perf_counter() - t)
        for width, key in ((1000, "1000"), (160, "160")):
            t = time.perf_counter()
            out = render.page_image(document=doc, user=data["user"], version=version, page=1, width=width)
            timings[f"miss_{key}"].append(time.perf_counter() - t)
            assert not out.cached
        t = time.perf_counter()
        assert render.page_image(document=doc, user=data["user"], version=version, page=1, width=1000).cached
        timings["hit_1000"].append(time.perf_counter() - t)
    return {k: round(statistics.median(v) * 1000, 2) for k, v in timings.items() if v}


def start_server(args, env) -> subprocess.Popen:
    import requests

    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "-b",
        f"127.0.0.1:{args.port}",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{args.port}/login/", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def login(base: str, username: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"login of {username} failed: HTTP {response.status_code}")
    return session


def user_loop(base, session, data, seed, until, results, lock, think):
    rnd = random.Random(seed)
    local = {page: [] for page in PAGES}
    errors = {page: [] for page in PAGES}
    cache = {"hit": 0, "miss": 0}
    while time.monotonic() < until:
        akte_id, doc_id = rnd.choice(data["docs"])
        word = rnd.choice(data["words"])
        doc_url = f"{base}/akten/{akte_id}/dokumente/{doc_id}/"
        for page, url in (
            ("Meine Akten", f"{base}/akten/"),
            ("Akte", f"{base}/akten/{rnd.choice(data['akten'])}/"),
            ("Dokument", doc_url),
            ("Seitenbild", f"{doc_url}seiten/{rnd.choice((1, 2))}/?w=1000"),
            ("Suche", f"{base}/suche/?q={word}"),
            ("Suche mit Filter", f"{base}/suche/?q={word}&type=Bescheid&sort=neueste"),
        ):
            started = time.perf_counter()
            try:
                response = session.get(url, timeout=60)
                body = response.content
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or not body:
                    errors[page].append(f"HTTP {response.status_code} {url}")
                if page == "Seitenbild" and "X-Render-Cache" in response.headers:
                    cache[response.headers["X-Render-Cache"]] += 1
            except Exception as exc:  # every failure counts as an error of that page
                elapsed = time.perf_counter() - started
                errors[page].append(f"{type(exc).__name__}: {exc}")
            local[page].append(elapsed)
            if think:
                time.sleep(rnd.uniform(0, 2 * think))  # reading the page
            if time.monotonic() >= until:
                break
    with lock:
        for page in PAGES:
            results["times"][page] += local[page]
            results["errors"][page] += errors[page]
        for key in cache:
            results["cache"][key] += cache[key]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else None


def run_load(args, data, env) -> dict:
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args, env)
    try:
        sessions = [login(base, f"bench{i:02d}") for i in range(1, args.users + 1)]
        for s in sessions:  # warm-up: one round of the cheap pages per worker thread
            s.get(f"{base}/akten/", timeout=60)
        results = {"times": {p: [] for p in PAGES}, "errors": {p: [] for p in PAGES}, "cache": {"hit": 0, "miss": 0}}
        lock = threading.Lock()
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(target=user_loop, args=(base, s, data, i, until, results, lock, args.think))
            for i, s in enumerate(sessions)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    pages = {}
    for page in PAGES:
        times = results["times"][page]
        pages[page] = {
            "requests": len(times),
            "p50_ms": round(percentile(times, 50) * 1000, 1) if times else None,
            "p95_ms": round(percentile(times, 95) * 1000, 1) if times else None,
            "max_ms": round(max(times) * 1000, 1) if times else None,
            "errors": len(results["errors"][page]),
            "first_errors": results["errors"][page][:3],
        }
    total = sum(p["requests"] for p in pages.values())
    return {
        "users": args.users,
        "think_s": args.think,
        "seconds": round(wall, 1),
        "requests": total,
        "requests_per_s": round(total / wall, 1),
        "errors": sum(p["errors"] for p in pages.values()),
        "page_image_cache": results["cache"],
        "pages": pages,
        "load_average": os.getloadavg(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=8, help="threads per worker")
    ap.add_argument("--port", type=int, default=8101)
    ap.add_argument("--think", type=float, default=0.0, help="mean seconds a user reads a page (0: none)")
    ap.add_argument("--keep", help="use this data dir and keep it")
    ap.add_argument("--reuse", action="store_true", help="with --keep: reuse its populated database and index")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.users <= N_USERS_MAX:
        ap.error(f"--users: 1 to {N_USERS_MAX}")
    data_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-web-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.pop("DMS_SEARCH_URL", None)
    import django

    django.setup()
    try:
        data = prepare(args)
        report = {"docs": args.docs, **data["report"], "render_ms": render_times(data)}
        from django.db import connections

        connections.close_all()
        env = dict(os.environ, DMS_LOGIN_FAILURE_LIMIT="1000")
        report["load"] = run_load(args, data, env)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    load = report["load"]
    print(f"documents: {report['documents']:,} ({report['visible_documents']:,} visible to the bench users)")
    r = report["render_ms"]
    print(
        f"page image render (ms, median): 1000 px uncached {r['miss_1000']}, cached {r['hit_1000']}; "
        f"160 px thumbnail uncached {r['miss_160']}; document view read (fetch + check) {r['open_for_view']}"
    )
    print(
        f"{load['users']} users (think time {load['think_s']} s), {load['seconds']} s, "
        f"{load['requests']:,} requests ({load['requests_per_s']}/s), "
        f"{load['errors']} errors, page images from cache {load['page_image_cache']}, "
        f"load average {', '.join(f'{x:.1f}' for x in load['load_average'])}"
    )
    print(f"{'page':<18}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}")
    for page, p in load["pages"].items():
        print(f"{page:<18}{p['requests']:>9}{p['p50_ms']:>9}{p['p95_ms']:>9}{p['max_ms']:>9}{p['errors']:>8}")
        for e in p["first_errors"]:
            print(f"    {e}")


if __name__ == "__main__":
    main()
