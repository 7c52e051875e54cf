"""Fixtures for ingest tests: an ingest area under tmp_path and small synthetic scans (150-200 dpi)."""

import pytest

from scan_ingest import synth


@pytest.fixture(autouse=True)
def _ingest_area(tmp_path, settings):
    settings.DMS_INGEST_DIR = str(tmp_path / "ingest-area")
    settings.DMS_BROKER_URL = ""


@pytest.fixture(autouse=True)
def _every_rendition_is_checked(request):
    """After each ingest test: every stored rendition that claims PDF/A passes the PDF/A-2b check
    (scan_ingest.pdfa_check), and one that does not claim it says why in its scan record."""
    yield
    if not (request.node.get_closest_marker("django_db") or "db" in request.fixturenames):
        return
    import io
    import json

    import pikepdf

    from akten.models import DocumentVersion
    from dms.storage import get_storage
    from scan_ingest.pdfa_check import document_problems

    for version in DocumentVersion.objects.exclude(rendition=None).select_related("rendition", "scan_record"):
        record = json.loads(get_storage().read(version.scan_record.key))
        with pikepdf.open(io.BytesIO(get_storage().read(version.rendition.key))) as pdf:
            problems = document_problems(pdf)
        if record["rendition"]["format"] == "PDF/A-2b":
            assert problems == [], f"rendition of document {version.document_id} claims PDF/A: {problems}"
        else:
            assert problems and any("kein PDF/A" in r for r in record["qa"]["reasons"])


@pytest.fixture
def scans(tmp_path):
    """A folder to put generated scans in."""
    folder = tmp_path / "scans"
    folder.mkdir()
    return folder


def text(seed: int, sentences: int = 2) -> str:
    return synth.german_text(seed, sentences)


def page(seed: int, sentences: int = 2, **kw):
    return synth.text_page(text(seed, sentences), dpi=kw.pop("dpi", 150), seed=seed, **kw)
