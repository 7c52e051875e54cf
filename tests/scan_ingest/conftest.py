"""Fixtures for ingest tests: an ingest area under tmp_path and small synthetic scans (150-200 dpi)."""
import pytest

from scan_ingest import synth


@pytest.fixture(autouse=True)
def _ingest_area(tmp_path, settings):
    settings.DMS_INGEST_DIR = str(tmp_path / "ingest-area")
    settings.DMS_BROKER_URL = ""


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


def text_layer_pdf(path, text: str):
    """A born-digital one-page PDF whose text layer holds `text` (Helvetica, not embedded)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td (" + text.encode("latin-1") + b") Tj ET")
    pdf.save(path)
    return path
