"""Issues 5 and 11, "Done when": Aktenplan with several rules -> Akten closed in different years -> due as of a
date -> offer (0501 valid, also in the exchange outbox) -> the archive's 0504 through the exchange inbox -> a hold
placed after the offer -> a 0502 with A (one against the proposal), V and one unevaluated, answered by a 0505 ->
approval by a second user -> execute (V destroyed; 0503 valid with scan records as Anlagen, A kept read-only) ->
0507 -> a partial 0506 (one confirmed and removed, one failed), the same 0506 again refused -> resend in a new
0503 -> the final 0506 -> storage, index, database and protocol checked, audit verifies. All through the
commands."""

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from akten import access
from akten.models import (
    AkteState,
    DisposalMessage,
    DisposalRun,
    Document,
    DocumentVersion,
    Page,
    Tombstone,
    Vorgang,
)
from akten.services import AkteError, akte_close, akte_update, aktenplan_unit_upsert, hold_place
from dms.audit import audit_verify
from dms.models import AuditEvent, StoredObject
from dms.storage import get_storage
from search.services import outbox_drain, search_documents
from tests import factories
from tests.akten.test_aussonderung_helpers import NS, assert_valid, bewertung_0502, make_document

X = f"{{{NS}}}"
AS_OF = "2031-01-01"


def _closed(az, title, zda, **kw):
    akte = factories.akte(az, title, opened_on=date(zda.year - 1, 1, 2), **kw)
    return akte_close(akte=akte, on=zda)


@pytest.fixture
def world(org, aktenplan):
    """Akten under 63 (10 y, V), 63.10.02 (30 y, A, inherited), 63.20 (5 y, B), 32 (dauernd, A)."""
    aktenplan_unit_upsert(kennzeichen="63.20", title="Bauberatung", retention_years=5, aussonderungsart="B")
    w = {
        "b_2010": _closed("63.20-2010/0001", "Beratung Gartenhaus", date(2010, 5, 1)),  # end 2015, B
        "v_2012": _closed("63-2012/0001", "Abbruch Scheune", date(2012, 12, 31)),  # end 2022, V
        "a_1990": _closed("63.10.02-1990/0001", "Neubau Rathausplatz 1", date(1990, 6, 30)),  # end 2020, A
        "later": _closed("63-2021/0005", "Carport", date(2021, 3, 1)),  # end 2031-12-31: not yet due
        "dauernd": _closed("32-1980/0001", "Sondernutzung Markt", date(1980, 1, 15)),  # dauernd: never due
        "unevaluated": _closed("63-2015/0002", "Werbeanlage", date(2015, 7, 1)),  # end 2025: due, not evaluated
        "held": _closed("63-2016/0001", "Nutzungsänderung", date(2016, 2, 1)),  # due but on hold
        "open": factories.akte("63-2000/0009", "Offene Akte"),  # never closed: never due
    }
    override = factories.akte("63.10.02-2000/0003", "Garage", opened_on=date(1999, 1, 1))
    override.aussonderungsart = "V"
    override.save()
    w["override_v"] = akte_close(akte=override, on=date(2000, 11, 30))  # end 2030-12-31, V by override
    hold_place(akte=w["held"], reason="Klage VG 2 K 12/30", by=org.archiv)

    v1 = Vorgang.objects.create(akte=w["v_2012"], title="Anhörung")
    va = Vorgang.objects.create(akte=w["a_1990"], title="Baugenehmigung")
    docs = {
        "v_2012": [
            make_document(
                w["v_2012"],
                title="Abbruchantrag",
                text="Scheunenabbruch Quarzsand",
                on=date(2012, 3, 1),
                original=b"SHARED-ORIGINAL",
            ),
            make_document(w["v_2012"], title="Anhörungsschreiben", text="Anhörung Quarzsand", vorgang=v1),
        ],
        "a_1990": [
            make_document(
                w["a_1990"], title="Bauantrag", text="Rathausplatz Basaltlava", on=date(1989, 4, 2), scan_record=True
            ),
            make_document(
                w["a_1990"], title="Baugenehmigung", text="Genehmigung Basaltlava", vorgang=va, scan_record=True
            ),
        ],
        "b_2010": [make_document(w["b_2010"], title="Beratungsvermerk", text="Gartenhaus Feldspat")],
        "override_v": [make_document(w["override_v"], title="Garagenantrag", text="Garage Glimmer")],
        "unevaluated": [make_document(w["unevaluated"], title="Werbeantrag", text="Werbeanlage Dolomit")],
        # the same original bytes as the first V document: the object is shared and must survive
        "later": [
            make_document(w["later"], title="Carportantrag", text="Carport Tonschiefer", original=b"SHARED-ORIGINAL")
        ],
    }
    outbox_drain()
    return w, docs


def _hits(user, term):
    return {h["document_id"] for h in search_documents(user=user, query=term, limit=100).hits}


def _keys(docs):
    return {o.key: o.sha256 for d in docs for v in d.versions.all() for o in v.stored_objects()}


def test_end_to_end_disposal(world, org, tmp_path, run_command, settings):
    """The whole Aussonderung through the commands and the exchange folder, with a partial 0506 and a resend."""
    settings.DMS_XDOMEA_EXCHANGE_DIR = str(tmp_path / "austausch")
    w, docs = world
    out = tmp_path / "out"
    # -- due as of 2031-01-01: 31 Dec of year+N has passed; no dauernd, no open, no held, not 2031-12-31
    code, stdout, _ = run_command("aussonderung", "due", "--as-of", AS_OF, "--json")
    assert code == 0
    due = json.loads(stdout)
    by_az = {row["aktenzeichen"]: row for row in due["akten"]}
    assert set(by_az) == {w[k].aktenzeichen for k in ("b_2010", "v_2012", "a_1990", "unevaluated", "override_v")}
    assert by_az["63.20-2010/0001"]["aussonderungsart"] == "B"
    assert by_az["63.10.02-1990/0001"]["aussonderungsart"] == "A"  # inherited from 63.10
    assert by_az["63.10.02-2000/0003"]["aussonderungsart"] == "V"  # the Akte's override wins
    assert by_az["63-2012/0001"] == {
        "aktenzeichen": "63-2012/0001",
        "title": "Abbruch Scheune",
        "department": "63",
        "zda": "2012-12-31",
        "aufbewahrungsende": "2022-12-31",
        "aussonderungsart": "V",
    }

    # -- offer: the 0501 validates and lists every due Akte with its Vorgänge and Dokumente, metadata only
    code, stdout, stderr = run_command(
        "aussonderung", "offer", "--as-of", AS_OF, "--out", str(out), "--user", "archiv", "--json"
    )
    assert code == 0, stderr
    offer = json.loads(stdout)
    run = DisposalRun.objects.get(pk=offer["run"])
    assert offer["akten"] == 5 and run.state == "offered"
    path_0501 = Path(offer["file"])
    assert path_0501.name == f"{run.uuid}_Aussonderung.Anbieteverzeichnis.0501.xml"
    root = assert_valid(path_0501.read_bytes())
    assert root.findtext(f"{X}Kopf/{X}ProzessID") == str(run.uuid)
    akten_xml = {a.findtext(f"{X}Identifikation/{X}ID"): a for a in root.iter(f"{X}Akte")}
    assert set(akten_xml) == {str(a.uuid) for a in type(w["v_2012"]).objects.filter(aktenzeichen__in=by_az)}
    a_1990 = akten_xml[str(w["a_1990"].uuid)]
    assert a_1990.findtext(f"{X}AllgemeineMetadaten/{X}Kennzeichen") == "63.10.02-1990/0001"
    assert a_1990.findtext(f"{X}ArchivspezifischeMetadaten/{X}Bewertungsvorschlag/code") == "A"
    assert a_1990.findtext(f"{X}ZdADatum") == "1990-06-30"
    assert {d.findtext(f"{X}Identifikation/{X}ID") for d in a_1990.iter(f"{X}Dokument")} == {
        str(d.uuid) for d in docs["a_1990"]
    }
    assert a_1990.find(f"{X}Akteninhalt/{X}Vorgang/{X}Dokument") is not None
    assert not list(root.iter(f"{X}Primaerdokument"))  # metadata only
    b_2010 = akten_xml[str(w["b_2010"].uuid)]
    assert b_2010.findtext(f"{X}ArchivspezifischeMetadaten/{X}Aussonderungsart/{X}Aussonderungsart/code") == "B"
    assert w["v_2012"].__class__.objects.get(pk=w["v_2012"].pk).state == AkteState.ANGEBOTEN

    # the archive confirms it received the 0501 (0504), dropped into the exchange folder's inbox
    exchange = Path(settings.DMS_XDOMEA_EXCHANGE_DIR)
    assert (exchange / "outbox" / path_0501.name).read_bytes() == path_0501.read_bytes()
    (exchange / "inbox").mkdir(parents=True, exist_ok=True)
    (exchange / "inbox" / f"{run.uuid}_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml").write_bytes(
        archive_0504(str(run.uuid))
    )
    code, stdout, stderr = run_command("aussonderung", "exchange", "--user", "archiv", "--json")
    assert code == 0, stderr
    assert [(f["kind"], f["status"]) for f in json.loads(stdout)["files"]] == [("0504", "done")]
    assert DisposalMessage.objects.filter(run=run, kind="0504", direction="in").exists()

    # a Löschsperre placed after the offer keeps that Akte out of the execution
    hold_place(akte=w["override_v"], reason="Auskunftsersuchen nach Angebot", by=org.archiv)

    # -- the archive's 0502: A (one against the proposal B), V, and one Akte not evaluated; it asks for a 0505
    decisions = {w["a_1990"].uuid: "A", w["b_2010"].uuid: "A", w["v_2012"].uuid: "V", w["override_v"].uuid: "V"}
    path_0502 = tmp_path / f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    path_0502.write_bytes(bewertung_0502(str(run.uuid), decisions))
    code, stdout, stderr = run_command("aussonderung", "evaluate", str(path_0502), "--user", "archiv", "--json")
    assert code == 0, stderr
    evaluated = json.loads(stdout)
    assert evaluated["not_evaluated"] == ["63-2015/0002"]
    assert evaluated["differs_from_proposal"] == ["63.20-2010/0001"]  # proposed B, the archive says A
    receipt = Path(evaluated["receipt"])
    assert receipt.name == f"{run.uuid}_Aussonderung.BewertungEmpfangBestaetigen.0505.xml"
    root = assert_valid(receipt.read_bytes())
    assert root.tag == f"{X}Aussonderung.BewertungEmpfangBestaetigen.0505"
    assert root.findtext(f"{X}Kopf/{X}ProzessID") == str(run.uuid)
    assert (exchange / "outbox" / receipt.name).is_file()

    # -- four eyes: not the proposer, not a caseworker; a second archivist approves
    code, _, stderr = run_command("aussonderung", "approve", str(run.pk), "--user", "archiv")
    assert code != 0 and "Vier-Augen-Prinzip" in stderr
    code, _, stderr = run_command("aussonderung", "approve", str(run.pk), "--user", "anna")
    assert code != 0 and "Rolle Archiv" in stderr
    code, _, stderr = run_command("aussonderung", "approve", str(run.uuid), "--user", "archiv2")
    assert code == 0, stderr

    # before: everything is stored and searchable (so the checks below can fail)
    a_docs = docs["a_1990"] + docs["b_2010"]
    v_docs = docs["v_2012"]
    a_keys, v_keys, a_1990_keys = _keys(a_docs), _keys(v_docs), _keys(docs["a_1990"])
    shared_key = next(k for k, sha in v_keys.items() if sha == hashlib.sha256(b"SHARED-ORIGINAL").hexdigest())
    kept_keys = _keys(docs["later"] + docs["unevaluated"] + docs["override_v"])
    storage = get_storage()
    assert all(storage.exists(k) for k in a_keys | v_keys | kept_keys)
    assert _hits(org.anna, "Quarzsand") == {d.pk for d in v_docs}
    a_bytes = {
        (str(d.uuid), role): storage.read(getattr(d.current_version, role).key)
        for d in a_docs
        for role in ("rendition", "original", "scan_record")
        if getattr(d.current_version, role) is not None
    }

    # -- execute: V destroyed now; A written to the 0503 and kept, read-only, until the archive confirms the import
    code, stdout, stderr = run_command(
        "aussonderung", "execute", str(run.pk), "--out", str(out), "--user", "archiv", "--json"
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["state"] == "awaiting_import" and result["not_evaluated"] == ["63-2015/0002"]
    assert result["awaiting_import"] == ["63.10.02-1990/0001", "63.20-2010/0001"]
    assert result["skipped_hold"] == ["63.10.02-2000/0003"]

    # 0503: valid, named by the ProzessID, XML + rendition and original of every A document, the scan record as
    # an Anlage, Laufzeit and retention metadata per Akte; bytes intact
    zip_path = out / f"{run.uuid}_Aussonderung.Aussonderung.0503.zip"
    assert result["transfer"] == str(zip_path) and (exchange / "outbox" / zip_path.name).is_file()
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        xml_name = f"{run.uuid}_Aussonderung.Aussonderung.0503.xml"
        root = assert_valid(zf.read(xml_name))
        akten_0503 = {a.findtext(f"{X}Identifikation/{X}ID"): a for a in root.iter(f"{X}Akte")}
        assert set(akten_0503) == {str(w["a_1990"].uuid), str(w["b_2010"].uuid)}
        a_1990 = akten_0503[str(w["a_1990"].uuid)]
        assert a_1990.findtext(f"{X}Laufzeit/{X}Beginn") == "1989-01-02"
        assert a_1990.findtext(f"{X}Laufzeit/{X}Ende") == "1990-06-30"
        meta = a_1990.find(f"{X}ArchivspezifischeMetadaten")
        assert meta.findtext(f"{X}Aufbewahrungsdauer/{X}AnzahlJahre") == "30"
        assert meta.findtext(f"{X}Aufbewahrungsende") == "2020-12-31"
        formats = {}
        for dok in root.iter(f"{X}Dokument"):
            for fmt in dok.findall(f"{X}Version/{X}Format"):
                formats[(dok.findtext(f"{X}Identifikation/{X}ID"), fmt.findtext(f"{X}Name/code"))] = fmt.findtext(
                    f"{X}Primaerdokument/{X}Dateiname"
                )
        assert len(formats) == 2 * 3
        anlagen = {
            dok.findtext(f"{X}Identifikation/{X}ID"): anlage
            for dok in root.iter(f"{X}Dokument")
            for anlage in dok.findall(f"{X}Anlage")
        }
        assert set(anlagen) == {str(d.uuid) for d in docs["a_1990"]}  # the documents that have a scan record
        for doc_uuid, anlage in anlagen.items():
            assert anlage.findtext(f"{X}Typ") == "Transfervermerk"
            name = anlage.findtext(f"{X}Version/{X}Format/{X}Primaerdokument/{X}Dateiname")
            assert zf.read(name) == a_bytes[(doc_uuid, "scan_record")]
        primary = names - {xml_name}
        assert primary == set(formats.values()) | {
            a.findtext(f"{X}Version/{X}Format/{X}Primaerdokument/{X}Dateiname") for a in anlagen.values()
        }
        for (doc_uuid, fmt_code), filename in formats.items():
            role = "rendition" if fmt_code == "044" else "original"
            assert fmt_code in ("044", "024")
            assert zf.read(filename) == a_bytes[(doc_uuid, role)]

    # nothing of the A Akten is deleted before the archive confirms: rows, objects, index; the Akten are read-only
    def a_intact():
        return (
            Document.objects.filter(pk__in=[d.pk for d in a_docs]).count() == len(a_docs)
            and all(storage.exists(k) for k in a_keys)
            and _hits(org.anna, "Basaltlava") == {d.pk for d in docs["a_1990"]}
        )

    assert a_intact()
    assert {_state(w[k]) for k in ("a_1990", "b_2010")} == {AkteState.ABGABE_AUSSTEHEND}
    assert not access.akte_changeable(org.anna, w["a_1990"])
    with pytest.raises(AkteError, match="schreibgeschützt"):
        akte_update(akte=w["a_1990"], by=org.anna, title="geändert")
    # V: gone at once, except the object another kept document still uses
    assert [k for k in v_keys if k != shared_key and storage.exists(k)] == []
    assert storage.exists(shared_key) and all(storage.exists(k) for k in kept_keys)
    assert _hits(org.anna, "Quarzsand") == set()
    assert _hits(org.anna, "Glimmer") == {docs["override_v"][0].pk}  # held after the offer: kept

    # the archive received the 0503 (0507)
    path_0507 = tmp_path / f"{run.uuid}_Aussonderung.AussonderungEmpfangBestaetigen.0507.xml"
    path_0507.write_bytes(archive_0507(str(run.uuid)))
    code, stdout, stderr = run_command("aussonderung", "import", str(path_0507), "--user", "archiv", "--json")
    assert code == 0, stderr
    assert run.transfers.get(number=1).received_at is not None

    # -- a partial 0506: a_1990 imported (with its Archivkennung), b_2010 failed
    path_0506 = tmp_path / f"{run.uuid}_Aussonderung.AussonderungImportBestaetigen.0506.xml"
    path_0506.write_bytes(
        archive_0506(str(run.uuid), {w["a_1990"].uuid: (True, "StA 1990/17"), w["b_2010"].uuid: (False, "PDF defekt")})
    )
    code, stdout, stderr = run_command("aussonderung", "import", str(path_0506), "--user", "archiv", "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["confirmed"] == ["63.10.02-1990/0001"] and report["state"] == "awaiting_import"
    assert report["failed"] == [{"aktenzeichen": "63.20-2010/0001", "reason": "PDF defekt"}]
    assert _state(w["a_1990"]) == AkteState.ABGEGEBEN and not Document.objects.filter(akte=w["a_1990"]).exists()
    assert not any(storage.exists(k) for k in a_1990_keys)
    assert _state(w["b_2010"]) == AkteState.ABGABE_AUSSTEHEND and Document.objects.filter(akte=w["b_2010"]).exists()
    # the same message again is refused with the reason, nothing applied twice
    code, _, stderr = run_command("aussonderung", "import", str(path_0506), "--user", "archiv")
    assert code != 0 and path_0506.name in stderr and "bereits" in stderr
    assert DisposalMessage.objects.filter(run=run, kind="0506").count() == 1

    # -- resend the failed object in a new 0503 (its own ProzessID); the archive confirms it; the run is done
    code, stdout, stderr = run_command(
        "aussonderung", "resend", str(run.pk), "--out", str(out), "--user", "archiv", "--json"
    )
    assert code == 0, stderr
    resent = json.loads(stdout)
    assert resent["number"] == 2 and resent["akten"] == 1 and resent["prozess_id"] != str(run.uuid)
    with zipfile.ZipFile(resent["file"]) as zf:
        root = assert_valid(zf.read(f"{resent['prozess_id']}_Aussonderung.Aussonderung.0503.xml"))
        assert [a.findtext(f"{X}Identifikation/{X}ID") for a in root.iter(f"{X}Akte")] == [str(w["b_2010"].uuid)]
    path_final = tmp_path / "final.0506.xml"
    path_final.write_bytes(archive_0506(resent["prozess_id"], {w["b_2010"].uuid: (True, "StA 2010/3")}))
    code, stdout, stderr = run_command("aussonderung", "import", str(path_final), "--user", "archiv2", "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["state"] == "done"
    run.refresh_from_db()
    assert run.state == "done"

    # storage, index, database after the run
    assert not any(storage.exists(k) for k in a_keys) and not StoredObject.objects.filter(key__in=a_keys).exists()
    assert _hits(org.anna, "Basaltlava") == set() and _hits(org.anna, "Feldspat") == set()
    assert _hits(org.anna, "Dolomit") == {docs["unevaluated"][0].pk}
    assert _hits(org.anna, "Tonschiefer") == {docs["later"][0].pk}
    ids = [d.pk for d in a_docs + v_docs]
    assert not Document.objects.filter(pk__in=ids).exists()
    assert not DocumentVersion.objects.filter(document_id__in=ids).exists()
    assert not Page.objects.filter(version__document_id__in=ids).exists()
    assert not Vorgang.objects.filter(akte__in=[w["v_2012"], w["a_1990"]]).exists()
    states = {k: _state(a) for k, a in w.items()}
    assert states == {
        "b_2010": "abgegeben",
        "a_1990": "abgegeben",
        "v_2012": "vernichtet",
        "override_v": "zdA",
        "unevaluated": "zdA",
        "later": "zdA",
        "dauernd": "zdA",
        "held": "zdA",
        "open": "offen",
    }
    assert Document.objects.filter(akte=w["unevaluated"]).count() == 1
    # tombstones: metadata, UUIDs, SHA-256 of every removed object, run and approvers
    tomb = Tombstone.objects.get(akte=w["v_2012"])
    assert (tomb.aktenzeichen, tomb.title, tomb.disposition, tomb.run_id) == (
        "63-2012/0001",
        "Abbruch Scheune",
        "vernichtet",
        run.pk,
    )
    assert (tomb.proposed_by, tomb.approved_by, str(tomb.akte_uuid)) == ("archiv", "archiv2", str(w["v_2012"].uuid))
    assert {o["sha256"] for d in tomb.contents["dokumente"] for v in d["versions"] for o in v["objects"]} == set(
        v_keys.values()
    )
    assert Tombstone.objects.get(akte=w["a_1990"]).disposition == "abgegeben"
    assert Tombstone.objects.count() == 3

    # protocol: JSON + HTML, what, how, when, by whose decision, which 0503 and the Archivkennung
    proto = json.loads((out / f"{run.uuid}_Vernichtungsprotokoll.json").read_text())
    html = (out / f"{run.uuid}_Vernichtungsprotokoll.html").read_text()
    assert proto["summary"] == {
        **proto["summary"],
        "akten": 5,
        "vernichtet": 1,
        "abgegeben": 2,
        "nicht_bewertet": 1,
        "loeschsperre": 1,
        "import_ausstehend": 0,
        "objects_locked": 0,
    }
    assert proto["decision"]["approved_by"] == "archiv2" and proto["decision"]["proposed_by"] == "archiv"
    assert proto["decision"]["evaluation"]["file"] == path_0502.name
    assert [t["number"] for t in proto["transfers"]] == [1, 2]
    entry = {a["aktenzeichen"]: a for a in proto["akten"]}
    assert entry["63-2012/0001"]["outcome"] == "vernichtet" and entry["63-2012/0001"]["at"]
    assert {o["result"] for o in entry["63-2012/0001"]["objects"]} == {"deleted", "shared"}
    a_entry = entry["63.10.02-1990/0001"]
    assert a_entry["outcome"] == "abgegeben" and "0506" in a_entry["how"] and a_entry["archive_id"] == "StA 1990/17"
    assert entry["63.20-2010/0001"]["transfer"] == Path(resent["file"]).name
    assert entry["63.10.02-2000/0003"]["outcome"] == "Löschsperre"
    assert entry["63-2015/0002"]["outcome"] == "nicht bewertet"
    assert "63-2012/0001" in html and "archiv2" in html and run.protocol_sha256 in html
    assert "Archivkennung StA 1990/17" in html and Path(resent["file"]).name in html and ">abgeschlossen<" in html
    assert run.protocol == proto

    # audit: every step recorded, the chain verifies after disposal
    actions = list(AuditEvent.objects.filter(action__startswith="aussonderung.").values_list("action", flat=True))
    for step in (
        "propose",
        "offer",
        "receipt_0504",
        "evaluate",
        "approve",
        "execute",
        "transfer",
        "awaiting_import",
        "receipt_0507",
        "import_confirmation",
        "resend",
        "done",
    ):
        assert f"aussonderung.{step}" in actions
    assert AuditEvent.objects.filter(action="akte.vernichtet").count() == 1
    assert AuditEvent.objects.filter(action="akte.abgegeben").count() == 2
    checked, broken = audit_verify()
    assert broken is None and checked > 20


def _state(akte):
    return type(akte).objects.get(pk=akte.pk).state


# -- the archive's side, written here by hand (not by the code under test) ---------------------------------------


def _kopf(prozess_id: str, typ: str) -> str:
    return f"""<xdomea:Kopf>
    <xdomea:ProzessID>{prozess_id}</xdomea:ProzessID>
    <xdomea:Nachrichtentyp><code>{typ}</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2031-03-02T09:00:00</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender><xdomea:Institution><xdomea:Name>Stadtarchiv</xdomea:Name></xdomea:Institution></xdomea:Absender>
    <xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Stadt</xdomea:Name></xdomea:Institution></xdomea:Empfaenger>
  </xdomea:Kopf>"""


def _message(root: str, prozess_id: str, typ: str, body: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xdomea:{root} xmlns:xdomea="{NS}">{_kopf(prozess_id, typ)}'
        f"{body}</xdomea:{root}>"
    ).encode()


def archive_0504(prozess_id: str) -> bytes:
    return _message("Aussonderung.AnbietungEmpfangBestaetigen.0504", prozess_id, "0504")


def archive_0507(prozess_id: str) -> bytes:
    return _message("Aussonderung.AussonderungEmpfangBestaetigen.0507", prozess_id, "0507")


def archive_0506(prozess_id: str, results: dict) -> bytes:
    """results: object UUID -> (success, Archivkennung on success / Fehlermeldung on failure)."""
    body = "".join(
        f"<xdomea:AusgesondertesSGO><xdomea:IDSGO>{u}</xdomea:IDSGO>"
        f"<xdomea:Erfolgreich>{1 if ok else 0}</xdomea:Erfolgreich>"
        + (
            f"<xdomea:Archivkennung>{text}</xdomea:Archivkennung>"
            if ok
            else f"<xdomea:Fehlermeldung>{text}</xdomea:Fehlermeldung>"
        )
        + "</xdomea:AusgesondertesSGO>"
        for u, (ok, text) in results.items()
    )
    return _message("Aussonderung.AussonderungImportBestaetigen.0506", prozess_id, "0506", body)
