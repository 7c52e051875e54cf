"""xdomea 3.0.0 Aussonderung messages: 0501 Anbieteverzeichnis and 0503 Aussonderung (written), 0502
Bewertungsverzeichnis (read). Every message is checked against the official schema (xdomea.xsd)."""

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .records import AkteRecord, DokumentRecord, VorgangRecord

NS = "urn:xoev-de:xdomea:schema:3.0.0"
X = f"{{{NS}}}"
PRODUCT, PRODUCT_VERSION = "eAkte", "0.1.0"
FILE_0501 = "{}_Aussonderung.Anbieteverzeichnis.0501.xml"
FILE_0503_XML = "{}_Aussonderung.Aussonderung.0503.xml"
FILE_0503_ZIP = "{}_Aussonderung.Aussonderung.0503.zip"

# xdomea code list Vertraulichkeitsstufe 1.0: 002 NfD, 003 Offen (nicht eingestuft), 005 Vertraulich.
VERTRAULICHKEIT = {"offen": "003", "intern": "003", "vertraulich": "005", "vs-nfd": "002"}


class XdomeaError(Exception):
    """A message is not valid xdomea 3.0.0 or does not fit the run; the message names the file and why."""


@dataclass(frozen=True)
class TransferFile:
    """A primary file in the 0503 ZIP and its xdomea Format (code list Dateiformat 1.0)."""

    filename: str
    code: str
    version: str
    other_name: str = ""
    original_name: str = ""


def schema_path() -> Path:
    """The official schema: setting DMS_XDOMEA_XSD, else the copy shipped in `akten/xdomea/schemes/`."""
    configured = settings.DMS_XDOMEA_XSD
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "xdomea/schemes/xdomea_3.0.0/xdomea.xsd"


@functools.cache
def _schema(path: str) -> etree.XMLSchema:
    if not Path(path).is_file():
        raise XdomeaError(f"xdomea schema not found at {path} (set DMS_XDOMEA_XSD)")
    return etree.XMLSchema(etree.parse(path))


def clip(text: str, limit: int = 200) -> str:
    """An error message part cut to `limit` characters: a message quotes input, and input can be huge."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validate(root: etree._Element, *, source: str) -> None:
    """Raise XdomeaError naming the source and the first schema violations unless `root` is valid."""
    schema = _schema(str(schema_path()))
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise XdomeaError(f"{source}: not a valid xdomea 3.0.0 message: {clip(str(exc))}") from None
    if not valid:
        errors = "; ".join(f"line {e.line}: {clip(e.message)}" for e in list(schema.error_log)[:3])
        raise XdomeaError(f"{source}: not a valid xdomea 3.0.0 message: {errors}")


def _el(parent, name: str, text=None, **attrs):
    el = etree.SubElement(parent, X + name, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text if isinstance(text, str) else str(text)
    return el


def _code(parent, name: str, code: str, **attrs):
    el = _el(parent, name, **attrs)
    etree.SubElement(el, "code").text = code
    return el


def _kontakt(parent, name: str, institution: str):
    kontakt = _el(parent, name)
    _el(_el(kontakt, "Institution"), "Name", institution)
    return kontakt


def _kopf(root, *, prozess_id: str, typ: str, created: datetime, nk_aussonderung: bool = False):
    kopf = _el(root, "Kopf")
    _el(kopf, "ProzessID", prozess_id)
    _code(kopf, "Nachrichtentyp", typ)
    _el(kopf, "Erstellungszeitpunkt", timezone.localtime(created).replace(microsecond=0).isoformat())
    _kontakt(kopf, "Absender", settings.DMS_XDOMEA_ABSENDER)
    _kontakt(kopf, "Empfaenger", settings.DMS_XDOMEA_ARCHIV)
    system = _el(kopf, "SendendesSystem")
    _el(system, "Produktname", PRODUCT)
    _el(system, "Version", PRODUCT_VERSION)
    if nk_aussonderung:
        _el(kopf, "Importbestaetigung", "1")
        _el(kopf, "RueckmeldungArchivkennung", "0")
    _el(kopf, "Empfangsbestaetigung", "1")
    return kopf


def _dokument(parent, dok: DokumentRecord, files: dict | None):
    el = _el(parent, "Dokument")
    _el(_el(el, "Identifikation"), "ID", dok.uuid)
    _el(_el(el, "AllgemeineMetadaten"), "Betreff", dok.title)
    if dok.date:
        _el(el, "DatumDesSchreibens", dok.date.isoformat())
    if dok.document_type:
        _el(el, "Typ", dok.document_type)
    if files is None:
        return el
    for version in dok.versions:
        transfer = [files[k] for f in version.files if (k := (dok.uuid, version.number, f.role)) in files]
        if not transfer:
            continue
        v = _el(el, "Version")
        _el(v, "Nummer", str(version.number))
        for tf in transfer:
            fmt = _el(v, "Format")
            _code(fmt, "Name", tf.code, listURI="urn:xoev-de:xdomea:codeliste:dateiformat", listVersionID="1.0")
            if tf.other_name:
                _el(fmt, "SonstigerName", tf.other_name)
            _el(fmt, "Version", tf.version)
            primary = _el(fmt, "Primaerdokument")
            _el(primary, "Dateiname", tf.filename)
            if tf.original_name:
                _el(primary, "DateinameOriginal", tf.original_name)
    return el


def _vorgang(parent, vorgang: VorgangRecord, files):
    el = _el(parent, "Vorgang")
    _el(_el(el, "Identifikation"), "ID", vorgang.uuid)
    _el(_el(el, "AllgemeineMetadaten"), "Betreff", vorgang.title)
    for dok in vorgang.dokumente:
        _dokument(el, dok, files)
    return el


def _akte(parent, akte: AkteRecord, *, art: str, files: dict | None):
    el = _el(parent, "Akte")
    _el(_el(el, "Identifikation"), "ID", akte.uuid)
    meta = _el(el, "AllgemeineMetadaten")
    _el(meta, "Betreff", akte.title)
    _el(meta, "Kennzeichen", akte.aktenzeichen)
    _el(meta, "Federfuehrung", akte.department)
    _code(meta, "Vertraulichkeitsstufe", VERTRAULICHKEIT.get(akte.vertraulichkeit, "003"))
    unit = _el(meta, "Aktenplaneinheit")
    _el(unit, "Kennzeichen", akte.kennzeichen)
    _el(unit, "Inhaltsangabe", akte.unit_title)
    archiv = _el(el, "ArchivspezifischeMetadaten")
    dauer = _el(archiv, "Aufbewahrungsdauer")
    if akte.permanent or akte.retention_years is None:
        _el(dauer, "Unbefristet", "1")
    else:
        _el(dauer, "AnzahlJahre", str(akte.retention_years))
    _code(_el(archiv, "Aussonderungsart"), "Aussonderungsart", art)
    if art in ("A", "V") and files is None:
        _code(archiv, "Bewertungsvorschlag", art)  # code list Bewertungsvorschlag has only A and V
    if akte.aufbewahrungsende:
        _el(archiv, "Aufbewahrungsende", akte.aufbewahrungsende.isoformat())
    if akte.opened_on or akte.zda_date:
        laufzeit = _el(el, "Laufzeit")
        if akte.opened_on:
            _el(laufzeit, "Beginn", akte.opened_on.isoformat())
        if akte.zda_date:
            _el(laufzeit, "Ende", akte.zda_date.isoformat())
    if akte.dokumente or akte.vorgaenge:
        inhalt = _el(el, "Akteninhalt")
        for dok in akte.dokumente:
            _dokument(inhalt, dok, files)
        for vorgang in akte.vorgaenge:
            _vorgang(inhalt, vorgang, files)
    _el(el, "ZdA", "1" if akte.zda_date else "0")
    if akte.zda_date:
        _el(el, "ZdADatum", akte.zda_date.isoformat())
    return el


def _serialize(root, *, source: str) -> bytes:
    validate(root, source=source)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_0501(*, prozess_id: str, created: datetime, akten: list[AkteRecord]) -> bytes:
    """Anbieteverzeichnis: metadata only (no primary files); the Aussonderungsart is the Bewertungsvorschlag."""
    if not akten:
        raise XdomeaError("an Anbieteverzeichnis (0501) needs at least one Akte")
    root = etree.Element(X + "Aussonderung.Anbieteverzeichnis.0501", nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0501", created=created)
    for akte in akten:
        _akte(_el(root, "Schriftgutobjekt"), akte, art=akte.aussonderungsart, files=None)
    return _serialize(root, source=FILE_0501.format(prozess_id))


def build_0503(
    *, prozess_id: str, created: datetime, akten: list[AkteRecord], files: dict[tuple, TransferFile]
) -> bytes:
    """Aussonderung: the archivwürdig Akten with their primary files; `files` maps (Dokument UUID, version
    number, role) -> TransferFile."""
    if not akten:
        raise XdomeaError("an Aussonderung (0503) needs at least one Akte")
    root = etree.Element(X + "Aussonderung.Aussonderung.0503", nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0503", created=created, nk_aussonderung=True)
    for akte in akten:
        _akte(_el(root, "Schriftgutobjekt"), akte, art="A", files=files)
    return _serialize(root, source=FILE_0503_XML.format(prozess_id))


@dataclass(frozen=True)
class Bewertung:
    """A parsed 0502: the ProzessID it answers and the archive's decision (A or V) per object UUID."""

    prozess_id: str
    decisions: dict[str, str]


def parse_0502(data: bytes, *, source: str) -> Bewertung:
    """Validate against the schema first, then read BewertetesObjekt ID -> Aussonderungsart (A or V)."""
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise XdomeaError(f"{source}: not well-formed XML: {clip(str(exc))}") from None
    if root.getroottree().docinfo.doctype:
        raise XdomeaError(f"{source}: a DOCTYPE is not allowed in an xdomea message")
    validate(root, source=source)
    if root.tag != X + "Aussonderung.Bewertungsverzeichnis.0502":
        raise XdomeaError(f"{source}: expected a Bewertungsverzeichnis (0502), found {etree.QName(root).localname}")
    prozess_id = root.findtext(f"{X}Kopf/{X}ProzessID").strip().lower()
    decisions: dict[str, str] = {}
    for obj in root.iterfind(f"{X}BewertetesObjekt"):
        uuid = obj.findtext(f"{X}ID").strip().lower()
        code = obj.findtext(f"{X}Aussonderungsart/{X}Aussonderungsart/code")
        if code is None:
            raise XdomeaError(
                f"{source}: object {clip(uuid, 60)}: only the coded Aussonderungsart (A or V) is supported"
            )
        code = code.strip()
        if code not in ("A", "V"):
            raise XdomeaError(
                f"{source}: object {clip(uuid, 60)}: the archive must decide A or V, not {clip(code, 40)!r}"
            )
        if decisions.get(uuid, code) != code:
            raise XdomeaError(f"{source}: object {clip(uuid, 60)} is evaluated twice with different decisions")
        decisions[uuid] = code
    return Bewertung(prozess_id=prozess_id, decisions=decisions)


def build_0502(*, prozess_id: str, created: datetime, decisions: dict[str, str]) -> bytes:
    """Bewertungsverzeichnis as an archive would send it (for tests and demos)."""
    root = etree.Element(X + "Aussonderung.Bewertungsverzeichnis.0502", nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0502", created=created)
    for uuid, art in decisions.items():
        obj = _el(root, "BewertetesObjekt")
        _el(obj, "ID", str(uuid))
        _code(_el(obj, "Aussonderungsart"), "Aussonderungsart", art)
    return _serialize(root, source=f"{prozess_id}_Aussonderung.Bewertungsverzeichnis.0502.xml")
