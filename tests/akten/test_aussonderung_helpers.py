"""Builders shared by the Aussonderung tests (documents through the document service, a 0502 as an archive
writes it, the schema), and checks that the builders themselves produce what the tests rely on."""

import io
import uuid as uuidlib
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from lxml import etree

from akten.aussonderung.xdomea import schema_path
from akten.documents import document_create
from akten.models import Document
from dms.services import stored_object_put

NS = "urn:xoev-de:xdomea:schema:3.0.0"


def pdfa_bytes(text: str) -> bytes:
    """A one-page PDF whose XMP claims PDF/A-2b (what the ingest's archival rendition carries)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = text
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = text
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def make_document(
    akte,
    *,
    title: str,
    text: str,
    vorgang=None,
    on: date | None = None,
    original: bytes | None = None,
    pages: int = 2,
    retain_until=None,
    scan_record: bool = False,
) -> Document:
    """A stored, indexed-to-be document: original (TIFF bytes) + PDF/A rendition (+ a JSON scan record, the
    TR-RESISCAN Transfervermerk, with `scan_record`), pages with text; through the document service (audit event,
    outbox row)."""
    orig = stored_object_put(
        data=original or f"TIFF original of {title} {text}".encode(), media_type="image/tiff", retain_until=retain_until
    )
    rend = stored_object_put(
        data=pdfa_bytes(f"{title} {text}"), media_type="application/pdf", retain_until=retain_until
    )
    record = (
        stored_object_put(data=f'{{"transfervermerk": "{title}"}}'.encode(), media_type="application/json")
        if scan_record
        else None
    )
    doc = document_create(
        akte=akte,
        vorgang=vorgang,
        title=title,
        date=on,
        document_type="Bescheid",
        by=None,
        source=f"scans/{title}.tif",
        original=orig,
        rendition=rend,
        scan_record=record,
        pages=[{"number": n + 1, "text": f"{text} Seite {n + 1}"} for n in range(pages)],
        into_closed=True,
    )
    return doc


def bewertung_0502(prozess_id: str, decisions: dict) -> bytes:
    """A Bewertungsverzeichnis written here by hand, as the archive would send it (not by the code under test)."""
    objects = "".join(
        f"<xdomea:BewertetesObjekt><xdomea:ID>{u}</xdomea:ID><xdomea:Aussonderungsart><xdomea:Aussonderungsart>"
        f"<code>{art}</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart></xdomea:BewertetesObjekt>"
        for u, art in decisions.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea="{NS}">
  <xdomea:Kopf>
    <xdomea:ProzessID>{prozess_id}</xdomea:ProzessID>
    <xdomea:Nachrichtentyp><code>0502</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2031-03-01T10:00:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender><xdomea:Institution><xdomea:Name>Stadtarchiv</xdomea:Name></xdomea:Institution></xdomea:Absender>
    <xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Stadt</xdomea:Name></xdomea:Institution></xdomea:Empfaenger>
    <xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>
  </xdomea:Kopf>{objects}
</xdomea:Aussonderung.Bewertungsverzeichnis.0502>""".encode()


def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_path())))


def assert_valid(data: bytes) -> etree._Element:
    """Validate with the official schema, loaded here by the test itself."""
    root = etree.fromstring(data)
    schema = xsd()
    assert schema.validate(root), schema.error_log
    return root


def test_schema_is_the_shipped_official_one_and_lxml_loads_it():
    """The default schema is the copy shipped in akten/xdomea/; lxml loads it as it is and the official sample
    0502 validates against it."""
    path = schema_path()
    assert path.parts[-5:] == ("akten", "xdomea", "schemes", "xdomea_3.0.0", "xdomea.xsd")
    assert path.is_file()
    sample = Path(path).parents[2] / "pattern/xdomea_3.0.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml"
    assert xsd().validate(etree.parse(str(sample)))


def test_shipped_schemas_are_byte_identical_to_the_official_standards_folder():
    """akten/xdomea/ is an unchanged copy of shared/standards/xdomea/ (checked when that folder is beside the repo)."""
    import filecmp

    official = Path(settings.BASE_DIR).parent / "shared/standards/xdomea"
    if not official.is_dir():
        pytest.skip(f"{official} is not beside the repository")
    shipped = Path(schema_path()).parents[2]
    for sub in ("schemes", "pattern"):
        files = [p.relative_to(official / sub) for p in (official / sub).rglob("*") if p.is_file()]
        assert files
        _match, mismatch, errors = filecmp.cmpfiles(
            official / sub, shipped / sub, [str(f) for f in files], shallow=False
        )
        assert (mismatch, errors) == ([], []), f"{sub}: differs {mismatch}, missing {errors}"


def test_hand_written_0502_is_valid_and_rendition_claims_pdfa():
    """The test's own 0502 is schema-valid; the rendition builder yields a PDF whose XMP says PDF/A-2B."""
    assert_valid(bewertung_0502(str(uuidlib.uuid4()), {uuidlib.uuid4(): "A", uuidlib.uuid4(): "V"}))
    with pikepdf.open(io.BytesIO(pdfa_bytes("x"))) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"


@pytest.fixture
def out_dir(tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    return path
