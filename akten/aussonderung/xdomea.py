"""xdomea 3.0.0 Aussonderung messages. This system is the abgebende Stelle: it writes 0501 Anbieteverzeichnis,
0503 Aussonderung and 0505 BewertungEmpfangBestaetigen, and reads the archive's 0502 Bewertungsverzeichnis, 0504
AnbietungEmpfangBestaetigen, 0506 AussonderungImportBestaetigen and 0507 AussonderungEmpfangBestaetigen. Every
message written or read is checked against the official schema (xdomea.xsd). The archive's messages can also be
built here (`build_0502`, `build_0504`, `build_0506`, `build_0507`) for tests and demos."""

import functools
import uuid as uuidlib
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
FILE_0505 = "{}_Aussonderung.BewertungEmpfangBestaetigen.0505.xml"
ROOTS = {
    "0501": "Aussonderung.Anbieteverzeichnis.0501",
    "0502": "Aussonderung.Bewertungsverzeichnis.0502",
    "0503": "Aussonderung.Aussonderung.0503",
    "0504": "Aussonderung.AnbietungEmpfangBestaetigen.0504",
    "0505": "Aussonderung.BewertungEmpfangBestaetigen.0505",
    "0506": "Aussonderung.AussonderungImportBestaetigen.0506",
    "0507": "Aussonderung.AussonderungEmpfangBestaetigen.0507",
}
FROM_ARCHIVE = ("0502", "0504", "0506", "0507")  # what this system reads
TITLES = {
    "0501": "Anbieteverzeichnis",
    "0502": "Bewertungsverzeichnis",
    "0503": "Aussonderung",
    "0504": "Empfangsbestätigung des Anbieteverzeichnisses",
    "0505": "Empfangsbestätigung des Bewertungsverzeichnisses",
    "0506": "Importbestätigung der Aussonderung",
    "0507": "Empfangsbestätigung der Aussonderung",
}

# xdomea code list Vertraulichkeitsstufe 1.0: 002 NfD, 003 Offen (nicht eingestuft), 005 Vertraulich.
VERTRAULICHKEIT = {"offen": "003", "intern": "003", "vertraulich": "005", "vs-nfd": "002"}


class XdomeaError(Exception):
    """A message is not valid xdomea 3.0.0 or does not fit the run; the (German) message names the file and why."""


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
        raise XdomeaError(f"xdomea-Schema nicht gefunden unter {path} (DMS_XDOMEA_XSD setzen)")
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
        raise XdomeaError(f"{source}: keine gültige xdomea-3.0.0-Nachricht: {clip(str(exc))}") from None
    if not valid:
        errors = "; ".join(f"Zeile {e.line}: {clip(e.message)}" for e in list(schema.error_log)[:3])
        raise XdomeaError(f"{source}: keine gültige xdomea-3.0.0-Nachricht: {errors}")


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


def _kopf(
    root,
    *,
    prozess_id: str,
    typ: str,
    created: datetime,
    nk_aussonderung: bool = False,
    basis: bool = False,
    absender: str | None = None,
    empfaenger: str | None = None,
):
    """NkBasisType (`basis`: receipts), with Empfangsbestaetigung, or NkAussonderungType (`nk_aussonderung`)."""
    kopf = _el(root, "Kopf")
    _el(kopf, "ProzessID", prozess_id)
    _code(kopf, "Nachrichtentyp", typ)
    _el(kopf, "Erstellungszeitpunkt", timezone.localtime(created).replace(microsecond=0).isoformat())
    _kontakt(kopf, "Absender", absender or settings.DMS_XDOMEA_ABSENDER)
    _kontakt(kopf, "Empfaenger", empfaenger or settings.DMS_XDOMEA_ARCHIV)
    system = _el(kopf, "SendendesSystem")
    _el(system, "Produktname", PRODUCT)
    _el(system, "Version", PRODUCT_VERSION)
    if nk_aussonderung:
        _el(kopf, "Importbestaetigung", "1")
        _el(kopf, "RueckmeldungArchivkennung", "1")
    if not basis:
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
        transfer = [
            files[k]
            for f in version.files
            if f.role != "scan_record" and (k := (dok.uuid, version.number, f.role)) in files
        ]
        if transfer:
            _version(el, str(version.number), transfer)
    # The scan record (TR-RESISCAN Transfervermerk) of each version travels as an Anlage of the Dokument.
    for version in dok.versions:
        record = files.get((dok.uuid, version.number, "scan_record"))
        if record is None:
            continue
        anlage = _el(el, "Anlage")
        _el(_el(anlage, "Identifikation"), "ID", scan_record_uuid(dok.uuid, version.number))
        _el(_el(anlage, "AllgemeineMetadaten"), "Betreff", f"Transfervermerk (TR-RESISCAN) zu Version {version.number}")
        _el(anlage, "Typ", "Transfervermerk")
        _version(anlage, "1", [record])
        _el(anlage, "Nummer", str(version.number))
    return el


def scan_record_uuid(dokument_uuid: str, version: int) -> str:
    """The Anlage's ID: derived from the Dokument and version, so a rewritten 0503 carries the same one."""
    return str(uuidlib.uuid5(uuidlib.UUID(dokument_uuid), f"transfervermerk/{version}"))


def _version(parent, number: str, transfer: list["TransferFile"]):
    v = _el(parent, "Version")
    _el(v, "Nummer", number)
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
    return v


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
    proposal = akte.aussonderungsart if files is not None else art
    if proposal in ("A", "V"):
        _code(archiv, "Bewertungsvorschlag", proposal)  # code list Bewertungsvorschlag has only A and V
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
        raise XdomeaError("ein Anbieteverzeichnis (0501) braucht mindestens eine Akte")
    root = etree.Element(X + "Aussonderung.Anbieteverzeichnis.0501", nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0501", created=created)
    for akte in akten:
        _akte(_el(root, "Schriftgutobjekt"), akte, art=akte.aussonderungsart, files=None)
    return _serialize(root, source=FILE_0501.format(prozess_id))


def build_0503(
    *, prozess_id: str, created: datetime, akten: list[AkteRecord], files: dict[tuple, TransferFile]
) -> bytes:
    """Aussonderung: the archivwürdig Akten with their primary files (rendition and original per version) and the
    scan record of each version as an Anlage; Laufzeit, Aufbewahrungsdauer and Aufbewahrungsende per Akte. `files`
    maps (Dokument UUID, version number, role) -> TransferFile."""
    if not akten:
        raise XdomeaError("eine Aussonderung (0503) braucht mindestens eine Akte")
    root = etree.Element(X + "Aussonderung.Aussonderung.0503", nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0503", created=created, nk_aussonderung=True)
    for akte in akten:
        _akte(_el(root, "Schriftgutobjekt"), akte, art="A", files=files)
    return _serialize(root, source=FILE_0503_XML.format(prozess_id))


@dataclass(frozen=True)
class Bewertung:
    """A parsed 0502: the ProzessID it answers and the archive's decision (A or V) per object UUID; `receipt`:
    the archive asks for a 0505 (Empfangsbestaetigung)."""

    prozess_id: str
    decisions: dict[str, str]
    receipt: bool = False


@dataclass(frozen=True)
class ImportResult:
    """One AusgesondertesSGO of a 0506."""

    ok: bool
    errors: tuple[str, ...] = ()
    archive_id: str = ""


@dataclass(frozen=True)
class Message:
    """Any message read from the archive: kind (0502/0504/0506/0507), ProzessID and what it says."""

    kind: str
    prozess_id: str
    bewertung: Bewertung | None = None
    results: dict[str, ImportResult] | None = None  # 0506: object UUID -> result


def _parse_root(data: bytes, *, source: str) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise XdomeaError(f"{source}: kein wohlgeformtes XML: {clip(str(exc))}") from None
    if root.getroottree().docinfo.doctype:
        raise XdomeaError(f"{source}: eine DOCTYPE-Deklaration ist in einer xdomea-Nachricht nicht erlaubt")
    validate(root, source=source)
    return root


def message_kind(root: etree._Element) -> str:
    name = etree.QName(root)
    for kind, local in ROOTS.items():
        if name.namespace == NS and name.localname == local:
            return kind
    return ""


def parse_message(data: bytes, *, source: str, expect: tuple[str, ...] = FROM_ARCHIVE) -> Message:
    """Validate against the schema first, then read what the archive says. `expect`: the kinds accepted."""
    root = _parse_root(data, source=source)
    kind = message_kind(root)
    if kind not in expect:
        wanted = " oder ".join(f"{k} ({TITLES[k]})" for k in expect)
        found = f"{kind} ({TITLES[kind]})" if kind else etree.QName(root).localname
        raise XdomeaError(f"{source}: erwartet {wanted}, gefunden {clip(found, 80)}")
    prozess_id = root.findtext(f"{X}Kopf/{X}ProzessID").strip().lower()
    if kind == "0502":
        return Message(kind, prozess_id, bewertung=_bewertung(root, prozess_id, source=source))
    if kind == "0506":
        return Message(kind, prozess_id, results=_import_results(root, source=source))
    return Message(kind, prozess_id)


def _bewertung(root, prozess_id: str, *, source: str) -> Bewertung:
    decisions: dict[str, str] = {}
    for obj in root.iterfind(f"{X}BewertetesObjekt"):
        uuid = obj.findtext(f"{X}ID").strip().lower()
        code = obj.findtext(f"{X}Aussonderungsart/{X}Aussonderungsart/code")
        if code is None:
            raise XdomeaError(
                f"{source}: Objekt {clip(uuid, 60)}: nur die codierte Aussonderungsart (A oder V) wird unterstützt"
            )
        code = code.strip()
        if code not in ("A", "V"):
            raise XdomeaError(
                f"{source}: Objekt {clip(uuid, 60)}: das Archiv muss A oder V entscheiden, nicht {clip(code, 40)!r}"
            )
        if decisions.get(uuid, code) != code:
            raise XdomeaError(f"{source}: Objekt {clip(uuid, 60)} ist zweimal verschieden bewertet")
        decisions[uuid] = code
    receipt = (root.findtext(f"{X}Kopf/{X}Empfangsbestaetigung") or "").strip() in ("1", "true")
    return Bewertung(prozess_id=prozess_id, decisions=decisions, receipt=receipt)


def _import_results(root, *, source: str) -> dict[str, ImportResult]:
    results: dict[str, ImportResult] = {}
    for obj in root.iterfind(f"{X}AusgesondertesSGO"):
        uuid = obj.findtext(f"{X}IDSGO").strip().lower()
        ok = obj.findtext(f"{X}Erfolgreich").strip() in ("1", "true")
        errors = tuple(
            clip(e.text.strip(), 500) for e in obj.iterfind(f"{X}Fehlermeldung") if e.text and e.text.strip()
        )
        errors += tuple(f"Code {clip(c.findtext('code') or '', 20)}" for c in obj.iterfind(f"{X}FehlermeldungCode"))
        result = ImportResult(ok=ok, errors=errors, archive_id=(obj.findtext(f"{X}Archivkennung") or "").strip())
        if uuid in results and results[uuid].ok != ok:
            raise XdomeaError(f"{source}: Objekt {clip(uuid, 60)} ist zweimal mit verschiedenem Ergebnis gemeldet")
        results[uuid] = result
    return results


def parse_0502(data: bytes, *, source: str) -> Bewertung:
    """Validate against the schema first, then read BewertetesObjekt ID -> Aussonderungsart (A or V)."""
    return parse_message(data, source=source, expect=("0502",)).bewertung


def build_0502(*, prozess_id: str, created: datetime, decisions: dict[str, str]) -> bytes:
    """Bewertungsverzeichnis as an archive would send it (for tests and demos)."""
    root = etree.Element(X + ROOTS["0502"], nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0502", created=created, **_from_archive())
    for uuid, art in decisions.items():
        obj = _el(root, "BewertetesObjekt")
        _el(obj, "ID", str(uuid))
        _code(_el(obj, "Aussonderungsart"), "Aussonderungsart", art)
    return _serialize(root, source=f"{prozess_id}_{ROOTS['0502']}.xml")


def _from_archive() -> dict:
    return {"absender": settings.DMS_XDOMEA_ARCHIV, "empfaenger": settings.DMS_XDOMEA_ABSENDER}


def _receipt(kind: str, *, prozess_id: str, created: datetime, from_archive: bool) -> bytes:
    root = etree.Element(X + ROOTS[kind], nsmap={"xdomea": NS})
    extra = _from_archive() if from_archive else {}
    _kopf(root, prozess_id=prozess_id, typ=kind, created=created, basis=True, **extra)
    return _serialize(root, source=f"{prozess_id}_{ROOTS[kind]}.xml")


def build_0505(*, prozess_id: str, created: datetime) -> bytes:
    """BewertungEmpfangBestaetigen: this system confirms it received the archive's 0502."""
    return _receipt("0505", prozess_id=prozess_id, created=created, from_archive=False)


def build_0504(*, prozess_id: str, created: datetime) -> bytes:
    """AnbietungEmpfangBestaetigen as the archive sends it (tests and demos)."""
    return _receipt("0504", prozess_id=prozess_id, created=created, from_archive=True)


def build_0507(*, prozess_id: str, created: datetime) -> bytes:
    """AussonderungEmpfangBestaetigen as the archive sends it (tests and demos)."""
    return _receipt("0507", prozess_id=prozess_id, created=created, from_archive=True)


def build_0506(*, prozess_id: str, created: datetime, results: dict[str, ImportResult | bool]) -> bytes:
    """AussonderungImportBestaetigen as the archive sends it (tests and demos): per object success or failure."""
    root = etree.Element(X + ROOTS["0506"], nsmap={"xdomea": NS})
    _kopf(root, prozess_id=prozess_id, typ="0506", created=created, basis=True, **_from_archive())
    for uuid, result in results.items():
        if isinstance(result, bool):
            result = ImportResult(ok=result, errors=() if result else ("Import fehlgeschlagen",))
        obj = _el(root, "AusgesondertesSGO")
        _el(obj, "IDSGO", str(uuid))
        _el(obj, "Erfolgreich", "1" if result.ok else "0")
        for error in result.errors:
            _el(obj, "Fehlermeldung", error)
        if result.archive_id:
            _el(obj, "Archivkennung", result.archive_id)
    return _serialize(root, source=f"{prozess_id}_{ROOTS['0506']}.xml")
