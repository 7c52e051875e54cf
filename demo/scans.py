"""`demo_ingest`'s rules: render the demo archive (German letters as noisy scans, a manifest, a batch scan with
separator sheets) and ingest it like the scanning team would. Needs the demo municipality first; idempotent (the
files come out byte for byte the same, so a second run finds only duplicates)."""

from pathlib import Path

from django.contrib.auth import get_user_model

from akten.models import AktenplanUnit
from demo.data import BATCH, BATCH_PARTS, DPI, FILES, MANIFEST
from scan_ingest import synth
from scan_ingest.services import ingest_run
from search.services import outbox_drain


class DemoMissing(RuntimeError):
    """The demo Aktenplan is not there yet."""


def _pages(texts: list[str | None], seed: int):
    return [
        synth.blank_page(dpi=DPI, seed=seed + i)
        if text is None
        else synth.text_page(text, dpi=DPI, seed=seed + i, skew=(0.8 if i % 2 else 0.0))
        for i, text in enumerate(texts)
    ]


def generate(root: Path) -> Path:
    """Write the demo archive under `root`; returns the manifest."""
    rows = []
    for seed, (name, az, title, dept, on, kind, texts) in enumerate(FILES):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pages = _pages(texts, seed * 10)
        if name.endswith(".pdf"):
            synth.save_pdf(pages, path, DPI)
        elif name.endswith(".tif"):
            synth.save_tiff(pages, path, DPI, group4=True)
        elif name.endswith(".jpg"):
            pages[0].save(path, quality=85, dpi=(DPI, DPI))
        else:
            pages[0].save(path, dpi=(DPI, DPI))
        rows.append(";".join([name, az, title, dept, on, kind]))
    batch = []
    for seed, (payload, texts) in enumerate(BATCH_PARTS):
        batch.append(synth.separator_page(payload, dpi=DPI, seed=seed))
        batch.extend(_pages(texts, 100 + seed * 10))
    (root / BATCH).parent.mkdir(parents=True, exist_ok=True)
    synth.save_pdf(batch, root / BATCH, DPI)
    manifest = root / "manifest.csv"
    manifest.write_text(MANIFEST + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return manifest


def ingest(*, root: Path, workers: int | None = None) -> dict:
    """Render the archive under `root` and ingest it as the `scan` login; the index is brought up to date.
    Raises DemoMissing without the demo Aktenplan, scan_ingest.services.IngestRunError when the run is refused."""
    if not AktenplanUnit.objects.filter(kennzeichen="63.10.02").exists():
        raise DemoMissing("the demo Aktenplan is missing: run `manage.py demo_setup` first")
    manifest = generate(root)
    user = get_user_model().objects.filter(username="scan").first()
    # the demo's Bestandsakten were closed years ago: their scanned documents go in explicitly (audited)
    result = ingest_run(path=root, manifest=manifest, workers=workers, user=user, into_closed=True)
    outbox_drain()
    return result
