"""The consume folder (scan_ingest/consume.py): a file is taken only once it stopped growing; a sub-folder named
after an Aktenzeichen targets that Akte; a manifest beside the files is honoured; after the batch, stored files
move to erledigt/ and refused ones to fehler/ with a German .grund.txt beside them; a claim left by a crash is
submitted again."""

import io
import os
import time

import pytest

from akten.models import Document
from scan_ingest.consume import DONE, FAILED, WORK, Watcher
from scan_ingest.models import IngestBatch
from scan_ingest.runner import run_pending

from .conftest import page

pytestmark = pytest.mark.django_db(transaction=True)
LATER = time.time() + 3600  # "now" for the watcher: every file is long settled


def png(seed: int) -> bytes:
    out = io.BytesIO()
    page(seed).save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


@pytest.fixture
def inbox(tmp_path, org):
    return Watcher(tmp_path / "eingang", user=org.scan, settle=5)


def test_a_growing_file_waits_until_it_settled(inbox):
    target = inbox.root / "brief.png"
    target.write_bytes(png(1)[:100])
    assert inbox.once(now=time.time())["batches"] == [], "first look: not known yet"
    target.write_bytes(png(1))
    assert inbox.once(now=time.time())["batches"] == [], "grew since the last look"
    assert inbox.once(now=time.time())["batches"] == [], "unchanged, but written to a moment ago"
    assert len(inbox.once(now=LATER)["batches"]) == 1 and not target.exists()


def test_subfolder_names_the_akte_and_files_end_in_erledigt_or_fehler_with_the_reason(aktenplan, org, inbox):
    folder = inbox.root / "63.10.02-1998_0042"
    folder.mkdir()
    (folder / "brief.png").write_bytes(png(1))
    (folder / "kaputt.pdf").write_bytes(b"%PDF-1.4\nkaputt")
    assert inbox.once(now=LATER)["batches"] == [], "first look: not known yet"
    (batch_id,) = inbox.once(now=LATER)["batches"]
    assert (inbox.root / WORK / str(batch_id) / "files" / "brief.png").exists(), "claimed while the batch runs"
    assert inbox.settle_finished() == 0, "the batch still waits: nothing moves"
    run_pending(workers=1)
    assert inbox.settle_finished() == 1
    doc = Document.objects.get()
    assert doc.akte.aktenzeichen == "63.10.02-1998/0042" and doc.created_by == org.scan
    done = list((inbox.root / DONE).rglob("brief.png"))
    failed = list((inbox.root / FAILED).rglob("kaputt.pdf"))
    assert len(done) == 1 and done[0].parent.name == "63.10.02-1998_0042" and len(failed) == 1
    reason = failed[0].with_name("kaputt.pdf.grund.txt").read_text(encoding="utf-8")
    assert "beschädigtes PDF" in reason and f"Stapel {batch_id}" in reason
    assert not any((inbox.root / WORK).iterdir()) and IngestBatch.objects.get().source_label.startswith(
        "Eingangsordner"
    )


def test_a_manifest_in_the_folder_is_honoured(aktenplan, org, inbox):
    (inbox.root / "a.png").write_bytes(png(1))
    (inbox.root / "manifest.csv").write_text(
        "Datei;Aktenzeichen;Titel\na.png;63.10.02-1998/0042;Bauantrag Gartenweg\n", encoding="utf-8"
    )
    inbox.once(now=LATER)
    inbox.once(now=LATER)
    run_pending(workers=1)
    inbox.settle_finished()
    assert Document.objects.get().title == "Bauantrag Gartenweg"
    assert {p.name for p in (inbox.root / DONE).rglob("*") if p.is_file()} == {"a.png", "manifest.csv"}


def test_a_folder_that_is_no_aktenzeichen_is_refused_whole(inbox):
    folder = inbox.root / "Sonstiges"
    folder.mkdir()
    (folder / "a.png").write_bytes(png(1))
    inbox.once(now=LATER)
    inbox.once(now=LATER)
    reason = next((inbox.root / FAILED).rglob("a.png.grund.txt")).read_text(encoding="utf-8")
    assert "Ordnername 'Sonstiges' ist kein Aktenzeichen" in reason and not IngestBatch.objects.exists()


def test_a_claim_left_by_a_crash_is_submitted_again(aktenplan, inbox):
    claim = inbox.root / WORK / "neu-abc"
    (claim / "files").mkdir(parents=True)
    (claim / "ordner").write_text("63.10.02-1998_0042", encoding="utf-8")
    (claim / "files" / "a.png").write_bytes(png(1))
    inbox.once(now=LATER)
    batch = IngestBatch.objects.get()
    assert batch.akte == "63.10.02-1998/0042" and (inbox.root / WORK / str(batch.pk)).is_dir()
    assert not claim.exists() and os.listdir(inbox.root / FAILED) == []
