"""Ingest benchmark (issue 3): raw `tesseract` CLI vs the project's ingest over the same pages, in one run.

    .venv/bin/python bench/ingest.py --pages 40 [--dpi 300] [--rounds 2] [--workers N] [--batch-pages 500]

1. N generated A4 pages (German text, specks, some slightly skewed) as PNG files;
2. raw: `tesseract PAGE OUT -l deu pdf tsv` over them, one process per core, OMP_THREAD_LIMIT=1 (the same
   outputs our one pass per page produces);
3. ingest: `ingest_run` over the same folder (its own SQLite database and object store in a temp dir):
   decode, separator check, blank check, deskew, OCR, PDF/A per document, scan record, rows, outbox;
   2 and 3 alternate for --rounds rounds (each ingest round into a new Akte), so load from other processes
   on the machine falls on both alike; seconds and CPU seconds are summed over the rounds;
4. the character error rate of the ingested page texts against the generated text;
5. scanned PDFs of --pdf-pages pages (gray JPEG q75, bilevel CCITT G4) ingested: rendition size / source size;
6. one --large-page px colour page ingested alone (one worker, in process); peak RSS measured;
7. a batch scan PDF of --batch-pages pages (a separator sheet every 10 pages) ingested; peak RSS measured.
Prints both throughputs, their ratio, CER, rendition/source size and peak RSS (whole process tree, sampled,
and per process).
Targets: ratio >= 0.95; rendition <= 1.0x the source; the large page and the 500-page batch with peak RSS
<= 600 MB."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["OMP_THREAD_LIMIT"] = "1"


class TreeRss:
    """Samples the resident memory of this process and all its descendants (/proc/PID/task/*/children)
    every 0.2 s; cheap, and run alike for both measured runs."""

    def __init__(self):
        self.peak = self.main_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _children(pid: int) -> list[int]:
        kids = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return kids
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    kids.extend(int(k) for k in fh.read().split())
            except OSError:  # the thread ended meanwhile
                continue
        return kids

    def sample(self) -> int:
        total, todo, me = 0, [os.getpid()], os.getpid()
        while todo:
            pid = todo.pop()
            todo.extend(self._children(pid))
            try:
                with open(f"/proc/{pid}/statm") as fh:
                    rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            if pid == me:
                self.main_peak = max(self.main_peak, rss)
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system CPU of this process and every waited-for descendant (tesseract, pool workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def mb(n_bytes: float) -> float:
    return round(n_bytes / 1024 / 1024, 1)


def generate_pages(folder: Path, count: int, dpi: int) -> list[Path]:
    from scan_ingest import synth

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        im = synth.text_page(page_text(i), dpi=dpi, seed=i, skew=0.7 if i % 3 == 0 else 0.0, point_size=11)
        path = folder / f"seite_{i + 1:04d}.png"
        im.save(path, dpi=(dpi, dpi))
        paths.append(path)
    return paths


def generate_batch_pdf(path: Path, count: int, dpi: int, workdir: Path) -> Path:
    """A batch scan: a separator sheet (DMS:DOK) every 10 pages, assembled page by page (low memory)."""
    import pikepdf

    from scan_ingest import synth

    out = pikepdf.new()
    sources = []
    for i in range(count):
        if i % 10 == 0:
            im = synth.separator_page(f"DMS:DOK:Vorgang {i // 10 + 1}", dpi=dpi, seed=i)
        else:
            im = synth.text_page(f"Blatt {i + 1}\n" + synth.german_text(i, 10), dpi=dpi, seed=i, point_size=11)
        single = workdir / f"b{i:04d}.pdf"
        im.save(single, "PDF", resolution=dpi)
        src = pikepdf.open(single)
        out.pages.append(src.pages[0])
        sources.append(src)
    out.save(path)
    for src in sources:
        src.close()
    for single in workdir.glob("b[0-9]*.pdf"):
        single.unlink()
    return path


def page_text(i: int) -> str:
    from scan_ingest import synth

    return f"Seite {i + 1}\n" + synth.german_text(i, 12)


def generate_scan_pdf(path: Path, count: int, dpi: int, kind: str) -> Path:
    """A scanned PDF as scanners write it: gray JPEG (quality 75) or bilevel CCITT G4 pages."""
    from PIL import Image

    from scan_ingest import synth

    pages = [
        synth.text_page(page_text(i), dpi=dpi, seed=i, skew=0.7 if i % 3 == 0 else 0.0, point_size=11)
        for i in range(count)
    ]
    if kind == "scanpdf-bw":
        pages = [p.convert("1", dither=Image.Dither.NONE) for p in pages]
        pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    else:
        pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:], quality=75)
    return path


def generate_large_page(path: Path, size: int) -> Path:
    """One size x size px colour page (a plan or poster scanned at 300 dpi): text and a red stamp, JPEG."""
    from PIL import ImageDraw

    from scan_ingest import synth

    im = synth.text_page(
        synth.german_text(1, 60), dpi=300, seed=1, point_size=30, size_inch=(size / 300, size / 300), noise=0.0005
    ).convert("RGB")
    ImageDraw.Draw(im).ellipse(
        (size * 2 // 3, size * 2 // 3, size * 8 // 9, size * 7 // 9), outline=(200, 30, 30), width=40
    )
    im.save(path, dpi=(300, 300), quality=80)
    return path


def cer(text: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    a, b = " ".join(text.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(1, len(b))


def rendition_sizes(result: dict) -> tuple[int, int]:
    """(source bytes, rendition bytes) over the stored documents of an ingest result."""
    from akten.models import Document

    source = rendition = 0
    for entry in result["documents"]:
        if entry["status"] != "stored":
            continue
        version = Document.objects.get(pk=entry["id"]).current_version
        source += version.original.size
        rendition += version.rendition.size
    return source, rendition


def run_raw(pages: list[Path], out: Path, workers: int, lang: str) -> float:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path):
        subprocess.run(
            ["tesseract", str(page), str(out / page.stem), "-l", lang, "pdf", "tsv"],
            env=env,
            check=True,
            capture_output=True,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return time.monotonic() - started


def setup_django(data: Path):
    os.environ["DMS_DATA_DIR"] = str(data)
    os.environ["DMS_DATABASE_URL"] = f"sqlite:///{data / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from akten.services import aktenplan_unit_upsert
    from dms.services import department_upsert, user_upsert

    dept = department_upsert(code="63", name="Bauordnungsamt")
    aktenplan_unit_upsert(
        kennzeichen="63", title="Bauordnung", retention_years=10, aussonderungsart="V", department=dept
    )
    return user_upsert(username="scan", roles=["scan"])


def generate_in_child(kind: str, path: Path, count: int, dpi: int) -> None:
    """Generate test input in a separate process, so its memory does not count for the measured ingest."""
    subprocess.run([sys.executable, __file__, "--generate", kind, str(path), str(count), str(dpi)], check=True)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--generate":
        kind, path, count, dpi = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        if kind == "pages":
            generate_pages(path, count, dpi)
        elif kind.startswith("scanpdf"):
            generate_scan_pdf(path, count, dpi, kind)
        elif kind == "large":
            generate_large_page(path, count)
        else:
            generate_batch_pdf(path, count, dpi, path.parent)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="alternating raw/ingest rounds over the pages")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-pages", type=int, default=500, help="0 skips the batch PDF memory run")
    parser.add_argument("--batch-dpi", type=int, default=300)
    parser.add_argument(
        "--pdf-pages",
        type=int,
        default=10,
        help="pages of the scanned PDFs (gray JPEG, bilevel CCITT) measured for rendition size; 0 skips",
    )
    parser.add_argument(
        "--large-page",
        type=int,
        default=9000,
        help="side in px of one colour page ingested alone for peak memory; 0 skips",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        user = setup_django(tmp / "data")
        from django.conf import settings

        from scan_ingest.services import ingest_run

        print(f"generating {args.pages} pages at {args.dpi} dpi ...", file=sys.stderr)
        generate_in_child("pages", tmp / "pages", args.pages, args.dpi)
        pages = sorted((tmp / "pages").glob("*.png"))
        raw_seconds = raw_cpu = ingest_seconds = ingest_cpu = 0.0
        raw_peak = ingest_peak = 0
        for round_no in range(1, args.rounds + 1):  # alternate, so load from elsewhere hits both alike
            print(f"round {round_no}: raw tesseract, {args.workers} processes ...", file=sys.stderr)
            with TreeRss() as tree:
                started, cpu = time.monotonic(), cpu_seconds()
                run_raw(pages, tmp / "raw", args.workers, settings.DMS_OCR_LANG)
                raw_seconds += time.monotonic() - started
                raw_cpu += cpu_seconds() - cpu
            raw_peak = max(raw_peak, tree.peak)
            print(f"round {round_no}: ingest, {args.workers} workers ...", file=sys.stderr)
            with TreeRss() as tree:
                started, cpu = time.monotonic(), cpu_seconds()
                result = ingest_run(path=tmp / "pages", akte=f"63-2024/{round_no:04d}", workers=args.workers, user=user)
                ingest_seconds += time.monotonic() - started
                ingest_cpu += cpu_seconds() - cpu
            ingest_peak = max(ingest_peak, tree.peak)
            stored = sum(d["status"] == "stored" for d in result["documents"])
            assert stored == args.pages and not result["errors"], result["errors"]
        from akten.models import Document

        rates = [
            cer(
                Document.objects.get(pk=d["id"]).current_version.pages.get().text,
                page_text(int(Path(d["source"]).stem.split("_")[1]) - 1),
            )
            for d in result["documents"]
        ]
        total = args.pages * args.rounds
        raw_rate, ingest_rate = total / raw_seconds * 60, total / ingest_seconds * 60
        report = {
            "pages": args.pages,
            "rounds": args.rounds,
            "dpi": args.dpi,
            "workers": args.workers,
            "cores": os.cpu_count(),
            "raw_tesseract": {
                "seconds": round(raw_seconds, 1),
                "pages_per_minute": round(raw_rate, 1),
                "cpu_seconds_per_page": round(raw_cpu / total, 2),
                "peak_rss_tree_mb": mb(raw_peak),
            },
            "ingest": {
                "seconds": round(ingest_seconds, 1),
                "pages_per_minute": round(ingest_rate, 1),
                "cpu_seconds_per_page": round(ingest_cpu / total, 2),
                "peak_rss_tree_mb": mb(ingest_peak),
            },
            "ratio": round(ingest_rate / raw_rate, 3),
            "cer": {"mean": round(sum(rates) / len(rates), 4), "max": round(max(rates), 4)},
            "cpu_ratio": round(raw_cpu / ingest_cpu, 3),
            "load_average": os.getloadavg(),
        }
        if args.pdf_pages:
            report["rendition_size"] = {}
            for number, kind in enumerate(("scanpdf-gray", "scanpdf-bw"), start=1):
                (tmp / kind).mkdir()
                pdf = tmp / kind / f"{kind}.pdf"
                generate_in_child(kind, pdf, args.pdf_pages, args.dpi)
                result = ingest_run(path=pdf, akte=f"63-2024/08{number:02d}", workers=args.workers, user=user)
                source, rendition = rendition_sizes(result)
                report["rendition_size"][kind] = {
                    "pages": args.pdf_pages,
                    "source_bytes": source,
                    "rendition_bytes": rendition,
                    "ratio": round(rendition / source, 3) if source else None,
                }
        if args.large_page:
            print(f"generating a {args.large_page} x {args.large_page} px colour page ...", file=sys.stderr)
            (tmp / "large").mkdir()
            page = tmp / "large" / "plan.jpg"
            generate_in_child("large", page, args.large_page, 300)
            with TreeRss() as tree:
                started = time.monotonic()
                large = ingest_run(path=page, akte="63-2024/0899", workers=1, user=user)
                seconds = time.monotonic() - started
            assert not large["errors"], large["errors"]
            report["large_page"] = {
                "px": args.large_page,
                "seconds": round(seconds, 1),
                "peak_rss_tree_mb": mb(tree.peak),
            }
        if args.batch_pages:
            print(f"generating a {args.batch_pages}-page batch PDF at {args.batch_dpi} dpi ...", file=sys.stderr)
            (tmp / "batch").mkdir()
            pdf = tmp / "batch" / "stapel.pdf"
            generate_in_child("batch", pdf, args.batch_pages, args.batch_dpi)
            print("ingesting it ...", file=sys.stderr)
            with TreeRss() as tree:
                started = time.monotonic()
                batch = ingest_run(path=pdf, akte="63-2024/0900", workers=args.workers, user=user)
                seconds = time.monotonic() - started
            docs = [d for d in batch["documents"] if d["status"] == "stored"]
            report["batch_pdf"] = {
                "pages": args.batch_pages,
                "dpi": args.batch_dpi,
                "documents": len(docs),
                "errors": len(batch["errors"]),
                "seconds": round(seconds, 1),
                "pages_per_minute": round(args.batch_pages / seconds * 60, 1),
                "peak_rss_tree_mb": mb(tree.peak),
                "peak_rss_main_mb": mb(tree.main_peak),
            }
        report["peak_rss_main_mb"] = mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(
        f"pages: {report['pages']} at {report['dpi']} dpi x {report['rounds']} alternating rounds, "
        f"{report['workers']} workers on {report['cores']} cores"
    )
    raw, ing = report["raw_tesseract"], report["ingest"]
    print(
        f"raw tesseract : {raw['pages_per_minute']:7.1f} pages/min ({raw['seconds']} s), "
        f"{raw['cpu_seconds_per_page']} CPU s/page"
    )
    print(
        f"ingest        : {ing['pages_per_minute']:7.1f} pages/min ({ing['seconds']} s), "
        f"{ing['cpu_seconds_per_page']} CPU s/page, peak RSS (process tree) {ing['peak_rss_tree_mb']} MB"
    )
    print(
        f"ratio         : {report['ratio']:.3f} throughput, {report['cpu_ratio']:.3f} CPU  (target >= 0.95; "
        f"load average {', '.join(f'{x:.1f}' for x in report['load_average'])})"
    )
    print(f"OCR CER       : mean {report['cer']['mean']}, max {report['cer']['max']} (pages with known text)")
    for kind, size in report.get("rendition_size", {}).items():
        print(
            f"rendition     : {kind} {size['pages']} pages, {size['source_bytes']:,} -> {size['rendition_bytes']:,} "
            f"bytes = {size['ratio']}x the source (target <= 1.0)"
        )
    if "large_page" in report:
        lp = report["large_page"]
        print(
            f"large page    : {lp['px']} x {lp['px']} px colour, {lp['seconds']} s, peak RSS (ingest process and "
            f"tesseract) {lp['peak_rss_tree_mb']} MB (target <= 600 MB)"
        )
    if "batch_pdf" in report:
        b = report["batch_pdf"]
        print(
            f"batch PDF     : {b['pages']} pages at {b['dpi']} dpi -> {b['documents']} documents in {b['seconds']} s "
            f"({b['pages_per_minute']} pages/min), peak RSS: ingest process {b['peak_rss_main_mb']} MB, "
            f"with workers and their tesseract processes {b['peak_rss_tree_mb']} MB (target <= 600 MB)"
        )
    print(f"peak RSS      : this process over the whole run {report['peak_rss_main_mb']} MB")


if __name__ == "__main__":
    main()
