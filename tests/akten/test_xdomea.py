"""xdomea 3.0.0 messages: what the code writes validates against the official schema (loaded by the test with
lxml); a 0502 is validated before it is read, and anything the schema or the run cannot accept is refused with
the file name and the reason."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from akten.aussonderung import xdomea
from akten.aussonderung.records import AkteRecord, DokumentRecord, FileRecord, VersionRecord, VorgangRecord
from akten.aussonderung.xdomea import TransferFile, XdomeaError, build_0501, build_0503, parse_0502, schema_path
from tests.akten.test_aussonderung_helpers import assert_valid, bewertung_0502

X = "{urn:xoev-de:xdomea:schema:3.0.0}"
CREATED = datetime(2031, 2, 1, 9, 30, tzinfo=UTC)


def _akte(art="V", *, years=10, permanent=False, vertraulichkeit="intern", with_versions=False):
    f = (
        FileRecord("rendition", "sha256/aa/bb/x", "a" * 64, 10, "application/pdf"),
        FileRecord("original", "sha256/cc/dd/y", "c" * 64, 5, "image/tiff", "scan.tif"),
    )
    dok = DokumentRecord(
        id=1,
        uuid=str(uuid.uuid4()),
        title="Bauantrag",
        date=date(1990, 1, 2),
        document_type="Antrag",
        versions=(VersionRecord(1, f),) if with_versions else (),
    )
    vdok = DokumentRecord(id=2, uuid=str(uuid.uuid4()), title="Bescheid", date=None, document_type="")
    return AkteRecord(
        id=1,
        uuid=str(uuid.uuid4()),
        aktenzeichen="63.10.02-1990/0001",
        title="Neubau <Rathausplatz> & Co",
        kennzeichen="63.10.02",
        unit_title="Wohngebäude",
        department="63 Bauordnungsamt",
        vertraulichkeit=vertraulichkeit,
        opened_on=date(1989, 1, 1),
        zda_date=date(1990, 6, 30),
        aufbewahrungsende=None if permanent else date(1990 + years, 12, 31),
        retention_years=None if permanent else years,
        permanent=permanent,
        aussonderungsart=art,
        dokumente=(dok,),
        vorgaenge=(VorgangRecord(id=1, uuid=str(uuid.uuid4()), title="Genehmigung", dokumente=(vdok,)),),
    )


def test_0501_is_valid_and_carries_the_proposal():
    """0501: one Schriftgutobjekt per Akte with Vorgänge and Dokumente; A/V become the Bewertungsvorschlag."""
    a, v = _akte("A"), _akte("V", vertraulichkeit="vs-nfd")
    root = assert_valid(build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[a, v]))
    assert root.tag == f"{X}Aussonderung.Anbieteverzeichnis.0501"
    assert root.findtext(f"{X}Kopf/{X}Nachrichtentyp/code") == "0501"
    akten = root.findall(f"{X}Schriftgutobjekt/{X}Akte")
    assert [e.findtext(f"{X}ArchivspezifischeMetadaten/{X}Bewertungsvorschlag/code") for e in akten] == ["A", "V"]
    assert akten[0].findtext(f"{X}AllgemeineMetadaten/{X}Betreff") == "Neubau <Rathausplatz> & Co"
    assert akten[1].findtext(f"{X}AllgemeineMetadaten/{X}Vertraulichkeitsstufe/code") == "002"  # NfD
    assert akten[0].findtext(f"{X}ArchivspezifischeMetadaten/{X}Aufbewahrungsdauer/{X}AnzahlJahre") == "10"
    assert akten[0].find(f"{X}Akteninhalt/{X}Vorgang/{X}Dokument") is not None
    assert akten[0].findtext(f"{X}Akteninhalt/{X}Dokument/{X}DatumDesSchreibens") == "1990-01-02"


def test_0501_without_proposal_for_b_and_unbefristet_for_dauernd():
    """B (bewerten) has no Bewertungsvorschlag (the code list has only A and V); dauernd is `Unbefristet`."""
    root = assert_valid(build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[_akte("B", permanent=True)]))
    meta = root.find(f"{X}Schriftgutobjekt/{X}Akte/{X}ArchivspezifischeMetadaten")
    assert meta.find(f"{X}Bewertungsvorschlag") is None
    assert meta.findtext(f"{X}Aussonderungsart/{X}Aussonderungsart/code") == "B"
    assert meta.findtext(f"{X}Aufbewahrungsdauer/{X}Unbefristet") == "1"
    assert meta.find(f"{X}Aufbewahrungsende") is None


def test_0503_lists_each_primary_file_with_its_format():
    """0503: Kopf with Importbestaetigung; each version lists its rendition and original as Formats."""
    akte = _akte("A", with_versions=True)
    dok = akte.dokumente[0]
    files = {
        (dok.uuid, 1, "rendition"): TransferFile(f"{dok.uuid}_v1_rendition.pdf", "044", "2b"),
        (dok.uuid, 1, "original"): TransferFile(f"{dok.uuid}_v1_original.tif", "024", "", "", "scan.tif"),
    }
    root = assert_valid(build_0503(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[akte], files=files))
    assert root.findtext(f"{X}Kopf/{X}Importbestaetigung") == "1"
    formats = root.findall(f".//{X}Dokument/{X}Version/{X}Format")
    assert [(f.findtext(f"{X}Name/code"), f.findtext(f"{X}Primaerdokument/{X}Dateiname")) for f in formats] == [
        ("044", f"{dok.uuid}_v1_rendition.pdf"),
        ("024", f"{dok.uuid}_v1_original.tif"),
    ]
    assert formats[1].findtext(f"{X}Primaerdokument/{X}DateinameOriginal") == "scan.tif"


def test_writers_refuse_empty_messages():
    """The schema requires at least one Schriftgutobjekt: an empty 0501/0503 is an error, not a file."""
    with pytest.raises(XdomeaError, match="mindestens eine Akte"):
        build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[])
    with pytest.raises(XdomeaError, match="mindestens eine Akte"):
        build_0503(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[], files={})


def test_writer_validates_what_it_writes(monkeypatch):
    """A message the schema rejects is never written: the writer validates and raises naming the file."""
    monkeypatch.setattr(xdomea, "VERTRAULICHKEIT", {"intern": "999"})
    with pytest.raises(XdomeaError, match=r"Anbieteverzeichnis\.0501\.xml: keine gültige xdomea-3\.0\.0-Nachricht"):
        build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[_akte()])


def test_official_sample_0502_is_read():
    """The Landesarchiv Thüringen sample Bewertungsverzeichnis parses to its one decision."""
    sample = schema_path().parents[2] / "pattern/xdomea_3.0.0/xx_Aussonderung.Bewertungsverzeichnis.0502.xml"
    result = parse_0502(sample.read_bytes(), source=sample.name)
    assert result.prozess_id == "242f44e8-bebf-4503-a086-db252c6a4277"
    assert result.decisions == {"cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9": "A"}


def test_0502_uuids_are_matched_case_insensitively():
    u = uuid.uuid4()
    result = parse_0502(bewertung_0502(str(uuid.uuid4()).upper(), {str(u).upper(): "V"}), source="x.xml")
    assert result.decisions == {str(u): "V"}


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<not xml", "kein wohlgeformtes XML"),
        (bewertung_0502("not-a-uuid", {uuid.uuid4(): "A"}), "keine gültige xdomea-3.0.0-Nachricht"),
        (bewertung_0502(str(uuid.uuid4()), {}), "keine gültige xdomea-3.0.0-Nachricht"),  # no BewertetesObjekt
        (bewertung_0502(str(uuid.uuid4()), {uuid.uuid4(): "X"}), "keine gültige xdomea-3.0.0-Nachricht"),
        (bewertung_0502(str(uuid.uuid4()), {uuid.uuid4(): "B"}), "muss A oder V entscheiden"),
    ],
)
def test_bad_0502_is_refused_naming_file_and_reason(data, reason):
    """Schema first: malformed or invalid input never reaches the run; B (bewerten) is not a decision."""
    with pytest.raises(XdomeaError) as exc:
        parse_0502(data, source="/in/bewertung.xml")
    assert str(exc.value).startswith("/in/bewertung.xml: ") and reason in str(exc.value)


def test_conflicting_decisions_for_one_uuid_are_refused():
    u = str(uuid.uuid4())
    data = bewertung_0502(str(uuid.uuid4()), {u: "A", u.upper(): "V"})
    with pytest.raises(XdomeaError, match=f"{u} ist zweimal verschieden bewertet"):
        parse_0502(data, source="b.xml")


def test_configurable_aussonderungsart_is_refused():
    u = str(uuid.uuid4())
    data = bewertung_0502(str(uuid.uuid4()), {u: "A"}).replace(
        b"<xdomea:Aussonderungsart><code>A</code></xdomea:Aussonderungsart>",
        b"<xdomea:AussonderungsartKonfigurierbar>Teilarchivierung</xdomea:AussonderungsartKonfigurierbar>",
    )
    with pytest.raises(XdomeaError, match=f"Objekt {u}: nur die codierte Aussonderungsart"):
        parse_0502(data, source="b.xml")


def test_a_0501_given_as_0502_is_refused():
    data = build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[_akte()])
    with pytest.raises(XdomeaError, match="erwartet 0502 \\(Bewertungsverzeichnis\\), gefunden 0501"):
        parse_0502(data, source="0501.xml")


def test_external_entities_are_not_resolved(tmp_path):
    """XXE: an entity pointing at a local file is not expanded into the message."""
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim")
    data = (
        bewertung_0502(str(uuid.uuid4()), {uuid.uuid4(): "A"})
        .replace(
            b'<?xml version="1.0" encoding="UTF-8"?>',
            f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'.encode(),
        )
        .replace(b"<xdomea:Empfangsbestaetigung>1", b"<xdomea:Empfangsbestaetigung>&s;1")
    )
    with pytest.raises(XdomeaError) as exc:
        parse_0502(data, source="xxe.xml")
    assert "DOCTYPE-Deklaration ist in einer xdomea-Nachricht nicht erlaubt" in str(exc.value) and "geheim" not in str(
        exc.value
    )


def test_schema_path_from_setting_and_missing_schema(settings, tmp_path):
    """DMS_XDOMEA_XSD overrides the default; a missing schema is an error naming the path."""
    settings.DMS_XDOMEA_XSD = str(tmp_path / "nowhere.xsd")
    assert schema_path() == Path(tmp_path / "nowhere.xsd")
    with pytest.raises(XdomeaError, match=r"nowhere.xsd"):
        build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[_akte()])


def test_etree_roundtrip_keeps_unicode():
    data = build_0501(prozess_id=str(uuid.uuid4()), created=CREATED, akten=[_akte()])
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(data).find(f".//{X}Inhaltsangabe").text == "Wohngebäude"
