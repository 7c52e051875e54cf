"""Benchmark the Aussonderung: the due query over 100,000 Akten with mixed rules, and the execution throughput
(Akten/s) of a run of 1,000 Akten (2 documents each: original + PDF/A rendition, 2 pages, indexed) on the
filesystem store — 0503 ZIP for the A Akten, destruction of objects, index entries and rows, tombstones, audit.
Targets: due <= 1 s; execution >= 200 Akten/s.

    .venv/bin/python bench/aussonderung.py [--akten 100000] [--run 1000] [--share-a 0.3] [--keep DIR] [--json]

Runs in a throwaway DMS_DATA_DIR (SQLite unless DMS_DATABASE_URL is set: then an empty PostgreSQL database,
ANALYZEd after the bulk load as autovacuum would), removed afterwards unless --keep. DEBUG is off (DMS_DEBUG=0).
"""

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (Kennzeichen, years or None for dauernd, Fristbeginn, Aussonderungsart): a mixed Aktenplan
RULES = [
    ("10", 5, "", "V"),
    ("10.1", 10, "", "V"),
    ("10.2", None, "", "A"),
    ("20", 6, "", "B"),
    ("20.1", 10, "letztes_dokument", "V"),
    ("30", 30, "", "A"),
    ("30.1", 15, "", "B"),
    ("30.2", 50, "", "A"),
    ("40", 10, "", "V"),
    ("40.1", 3, "", "V"),
    ("50", None, "", "A"),
    ("50.1", 20, "ereignis", "B"),
    ("60", 8, "", "V"),
    ("60.1", 12, "", "A"),
    ("70", 25, "", "V"),
    ("80", 100, "", "A"),
]


def setup_django(data_dir: Path) -> None:
    os.environ["DMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DMS_DEBUG", "0")  # as in production: no per-query debug logging
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("DMS_STORAGE_URL", None)  # the filesystem store under DMS_DATA_DIR
    os.environ.pop("DMS_SEARCH_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def pdf_template() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def populate(n_akten: int, n_run: int, rnd: random.Random) -> tuple[list[int], object, object]:
    """n Akten under the mixed rules (bulk); the first n_run are due before 1961 and get documents."""
    from akten.models import Akte, AkteState, Hold
    from akten.retention import retention_end
    from akten.services import aktenplan_unit_upsert
    from dms.services import department_upsert, user_upsert

    dept = department_upsert(code="63", name="Bauordnungsamt")
    user_upsert(username="anna", departments=["63"], roles=["caseworker"])
    archiv = user_upsert(username="archiv", roles=["archivist"])
    archiv2 = user_upsert(username="archiv2", roles=["archivist"])
    units = []
    for kz, years, start, art in RULES:
        units.append(
            aktenplan_unit_upsert(
                kennzeichen=kz,
                title=f"Einheit {kz}",
                retention_years=years,
                retention_permanent=years is None,
                retention_start=start,
                aussonderungsart=art,
                department=dept,
            )
        )
    rules = {u.pk: u.effective_rule() for u in units}
    batch, ids = [], []
    for i in range(n_akten):
        if i < n_run:  # the run: 10-year V/A units, closed 1940-1949 -> due from 1960 at the latest
            unit = units[1] if i % 3 else units[5]
            zda = date(1940 + i % 10, 1 + i % 12, 1 + i % 28)
            end = date(1950, 12, 31) if unit is units[1] else date(1960, 12, 31)
            state = AkteState.ZDA
        else:
            unit = rnd.choice(units)
            state = AkteState.OFFEN if rnd.random() < 0.1 else AkteState.ZDA
            zda = None if state == AkteState.OFFEN else date(rnd.randint(1961, 2025), rnd.randint(1, 12), 1)
            rule = rules[unit.pk]
            event = zda if rule.start != "ereignis" or rnd.random() < 0.5 else None
            end = None if rule.permanent or zda is None or event is None else retention_end(event, rule.years)
        batch.append(
            Akte(
                aktenzeichen=f"{unit.kennzeichen}-{(zda or date(2026, 1, 1)).year}/{i:06d}",
                unit=unit,
                title=f"Akte {i}",
                lead_department=dept,
                state=state,
                zda_date=zda,
                opened_on=zda,
                aufbewahrungsende=end,
            )
        )
        if len(batch) == 5000:
            ids += [a.pk for a in Akte.objects.bulk_create(batch)]
            batch = []
    if batch:
        ids += [a.pk for a in Akte.objects.bulk_create(batch)]
    held = rnd.sample(ids[n_run:], k=max(1, (n_akten - n_run) // 100))
    Hold.objects.bulk_create([Hold(akte_id=pk, reason="Klage", created_by=archiv) for pk in held])
    return ids[:n_run], archiv, archiv2


def add_documents(akte_ids: list[int]) -> int:
    """Two documents per Akte, each with a TIFF-ish original and a PDF/A rendition, 2 pages; then indexed."""
    from django.db import transaction

    from akten.models import Akte, Document, DocumentVersion, Page
    from dms.outbox import outbox_enqueue
    from dms.services import stored_object_put
    from search.services import outbox_drain

    pdf = pdf_template()
    for akte in Akte.objects.filter(pk__in=akte_ids).select_related("lead_department"):
        for d in range(2):
            tag = f"{akte.aktenzeichen} Dokument {d}"
            orig = stored_object_put(data=f"II*\0 original {tag}".encode() * 40, media_type="image/tiff")
            rend = stored_object_put(data=pdf + f"\n% {tag}\n".encode(), media_type="application/pdf")
            with transaction.atomic():
                doc = Document.objects.create(
                    akte=akte,
                    department=akte.lead_department,
                    title=tag,
                    document_type="Bescheid",
                    source=f"scan/{tag}.tif",
                )
                version = DocumentVersion.objects.create(document=doc, original=orig, rendition=rend)
                Page.objects.bulk_create(
                    [Page(version=version, number=p, text=f"Bauantrag {tag} Seite {p}") for p in (1, 2)]
                )
                outbox_enqueue(document_ids=[doc.pk])
    return outbox_drain()


def time_due(as_of: date, repeat: int = 5) -> dict:
    from akten.aussonderung.selectors import due_akten, due_list

    list_times, count_times, rows = [], [], []
    for _ in range(repeat):
        t = time.perf_counter()
        rows = due_list(as_of=as_of)
        list_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        due_akten(as_of=as_of).count()
        count_times.append(time.perf_counter() - t)
    return {
        "as_of": as_of.isoformat(),
        "due": len(rows),
        "list_s_median": round(statistics.median(list_times), 4),
        "list_s_max": round(max(list_times), 4),
        "count_s_median": round(statistics.median(count_times), 4),
    }


def run_disposal(out: Path, archiv, archiv2, share_a: float, rnd: random.Random) -> dict:
    from django.utils import timezone

    from akten.aussonderung.execute import run_execute
    from akten.aussonderung.messages import message_import
    from akten.aussonderung.services import run_approve, run_evaluate, run_offer
    from akten.aussonderung.xdomea import build_0502, build_0506

    t = time.perf_counter()
    run = run_offer(as_of=date(1961, 1, 1), out_dir=out, by=archiv)
    offer_s = time.perf_counter() - t
    items = list(run.items.all())
    decisions = {str(i.akte_uuid): ("A" if rnd.random() < share_a else "V") for i in items}
    path = out / "bewertung.0502.xml"
    path.write_bytes(build_0502(prozess_id=str(run.uuid), created=timezone.now(), decisions=decisions))
    t = time.perf_counter()
    run_evaluate(path=path, by=archiv)
    evaluate_s = time.perf_counter() - t
    run_approve(run=run, by=archiv2)
    t, cpu = time.perf_counter(), time.process_time()
    run = run_execute(run=run, out_dir=out, by=archiv)
    execute_s, execute_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    confirm_s = 0.0
    if run.state == "awaiting_import":  # the archive's 0506 confirms every A Akte: they are removed now
        path = out / "import.0506.xml"
        confirmed = {u: True for u, art in decisions.items() if art == "A"}
        path.write_bytes(build_0506(prozess_id=str(run.uuid), created=timezone.now(), results=confirmed))
        t = time.perf_counter()
        run, _ = message_import(path=path, by=archiv)
        confirm_s = time.perf_counter() - t
    summary = run.protocol["summary"]
    return {
        "akten": len(items),
        "A": summary["abgegeben"],
        "V": summary["vernichtet"],
        "objects_deleted": summary["objects_deleted"],
        "offer_s": round(offer_s, 2),
        "evaluate_s": round(evaluate_s, 2),
        "execute_s": round(execute_s, 2),
        "execute_akten_per_s": round(len(items) / execute_s, 1),
        "execute_cpu_s": round(execute_cpu_s, 2),
        "confirm_0506_s": round(confirm_s, 2),
        "zip_mb": round(Path(run.transfer_file).stat().st_size / 1e6, 2) if run.transfer_file else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--akten", type=int, default=100_000)
    parser.add_argument("--run", type=int, default=1_000)
    parser.add_argument("--share-a", type=float, default=0.3, help="share of the run the archive evaluates A")
    parser.add_argument("--keep", help="keep the data in this directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rnd = random.Random(5)
    data_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-aussonderung-"))
    try:
        setup_django(data_dir)
        from django.db import connection

        t = time.perf_counter()
        run_ids, archiv, archiv2 = populate(args.akten, args.run, rnd)
        populate_s = time.perf_counter() - t
        t = time.perf_counter()
        indexed = add_documents(run_ids)
        docs_s = time.perf_counter() - t
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:  # what autovacuum does soon after a bulk load in production
                cur.execute("ANALYZE")
        due = time_due(date(2031, 1, 1))
        result = {
            "database": connection.vendor,
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(),
            "akten": args.akten,
            "populate_s": round(populate_s, 1),
            "documents_indexed": indexed,
            "documents_s": round(docs_s, 1),
            "due_query": due,
            "run": run_disposal(data_dir / "out", archiv, archiv2, args.share_a, rnd),
            "targets": {"due_s": 1.0, "execute_akten_per_s": 200},
        }
        result["met"] = {"due": due["list_s_max"] <= 1.0, "execute": result["run"]["execute_akten_per_s"] >= 200}
        if args.json:
            print(json.dumps(result, indent=1))
        else:
            run = result["run"]
            print(
                f"{connection.vendor} on {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}: "
                f"{args.akten} Akten ({populate_s:.1f} s to create), "
                f"{indexed} documents indexed for the run ({docs_s:.1f} s)"
            )
            print(
                f"due as of {due['as_of']}: {due['due']} Akten, list {due['list_s_median']:.3f} s median "
                f"({due['list_s_max']:.3f} s max), count {due['count_s_median']:.3f} s  [target <= 1 s]"
            )
            print(
                f"run of {run['akten']} Akten ({run['A']} A, {run['V']} V): offer {run['offer_s']} s, "
                f"evaluate {run['evaluate_s']} s, execute {run['execute_s']} s = "
                f"{run['execute_akten_per_s']} Akten/s [target >= 200] (this process: {run['execute_cpu_s']} s CPU); "
                f"0503 ZIP {run['zip_mb']} MB, "
                f"{run['objects_deleted']} objects deleted"
            )
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
