"""Issue 5, "Done when": Aktenplan with several rules -> Akten closed in different years -> due as of a date ->
offer (0501 valid) -> a 0502 with A, V and one unevaluated -> approval by a second user -> execute (0503 valid,
ZIP contents right) -> storage, index, database and protocol checked, audit verifies. All through the commands."""

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from akten.models import AkteState, DisposalRun, Tombstone, Vorgang
from akten.services import akte_close, aktenplan_unit_upsert, hold_place
from dms.audit import audit_verify
from dms.models import AuditEvent, Document, DocumentVersion, Page, StoredObject
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
            make_document(w["a_1990"], title="Bauantrag", text="Rathausplatz Basaltlava", on=date(1989, 4, 2)),
            make_document(w["a_1990"], title="Baugenehmigung", text="Genehmigung Basaltlava", vorgang=va),
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


def test_end_to_end_disposal(world, org, tmp_path, run_command):
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

    # -- the archive's 0502: A, V, and one Akte not evaluated
    decisions = {w["a_1990"].uuid: "A", w["b_2010"].uuid: "A", w["v_2012"].uuid: "V", w["override_v"].uuid: "V"}
    path_0502 = tmp_path / f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml"
    path_0502.write_bytes(bewertung_0502(str(run.uuid), decisions))
    code, stdout, stderr = run_command("aussonderung", "evaluate", str(path_0502), "--user", "archiv", "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["not_evaluated"] == ["63-2015/0002"]

    # -- four eyes: not the proposer, not a caseworker; a second archivist approves
    code, _, stderr = run_command("aussonderung", "approve", str(run.pk), "--user", "archiv")
    assert code != 0 and "Vier-Augen-Prinzip" in stderr
    code, _, stderr = run_command("aussonderung", "approve", str(run.pk), "--user", "anna")
    assert code != 0 and "Rolle Archiv" in stderr
    code, _, stderr = run_command("aussonderung", "approve", str(run.uuid), "--user", "archiv2")
    assert code == 0, stderr

    # before: everything is stored and searchable (so the checks below can fail)
    destroyed_docs = docs["v_2012"] + docs["a_1990"] + docs["b_2010"] + docs["override_v"]
    destroyed_keys = _keys(destroyed_docs)
    v_2012_keys = _keys(docs["v_2012"])
    shared_key = next(k for k, sha in destroyed_keys.items() if sha == hashlib.sha256(b"SHARED-ORIGINAL").hexdigest())
    kept_keys = _keys(docs["later"] + docs["unevaluated"])
    storage = get_storage()
    assert all(storage.exists(k) for k in destroyed_keys | kept_keys)
    assert _hits(org.anna, "Quarzsand") == {d.pk for d in docs["v_2012"]}
    a_bytes = {
        (str(d.uuid), role): storage.read(getattr(d.current_version, role).key)
        for d in docs["a_1990"] + docs["b_2010"]
        for role in ("rendition", "original")
    }

    # -- execute
    code, stdout, stderr = run_command(
        "aussonderung", "execute", str(run.pk), "--out", str(out), "--user", "archiv", "--json"
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["state"] == "done" and result["not_evaluated"] == ["63-2015/0002"]

    # 0503: valid, named by the ProzessID, XML + rendition and original of every A document, bytes intact
    zip_path = out / f"{run.uuid}_Aussonderung.Aussonderung.0503.zip"
    assert result["transfer"] == str(zip_path)
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        xml_name = f"{run.uuid}_Aussonderung.Aussonderung.0503.xml"
        assert xml_name in names
        root = assert_valid(zf.read(xml_name))
        assert {a.findtext(f"{X}Identifikation/{X}ID") for a in root.iter(f"{X}Akte")} == {
            str(w["a_1990"].uuid),
            str(w["b_2010"].uuid),
        }
        formats = {}
        for dok in root.iter(f"{X}Dokument"):
            for fmt in dok.iter(f"{X}Format"):
                formats[
                    (dok.findtext(f"{X}Identifikation/{X}ID"), fmt.findtext("code") or fmt.findtext(f"{X}Name/code"))
                ] = fmt.findtext(f"{X}Primaerdokument/{X}Dateiname")
        assert len(formats) == 2 * 3
        primary = names - {xml_name}
        assert primary == set(formats.values())
        for (doc_uuid, fmt_code), filename in formats.items():
            role = "rendition" if fmt_code == "044" else "original"
            assert fmt_code in ("044", "024")
            assert zf.read(filename) == a_bytes[(doc_uuid, role)]
        versions = {f.findtext(f"{X}Version") for f in root.iter(f"{X}Format") if f.findtext(f"{X}Name/code") == "044"}
        assert versions == {"2b"}

    # storage: every object of a disposed Akte is gone, except the one another kept document still uses
    assert [k for k in destroyed_keys if k != shared_key and storage.exists(k)] == []
    assert storage.exists(shared_key) and all(storage.exists(k) for k in kept_keys)
    assert not StoredObject.objects.filter(key__in=set(destroyed_keys) - {shared_key}).exists()
    # index: gone at once (no drain needed), kept documents still found
    assert _hits(org.anna, "Quarzsand") == set() and _hits(org.anna, "Basaltlava") == set()
    assert _hits(org.anna, "Dolomit") == {docs["unevaluated"][0].pk}
    assert _hits(org.anna, "Tonschiefer") == {docs["later"][0].pk}
    # database: content rows gone, Akten keep their record and state; unevaluated/held untouched
    ids = [d.pk for d in destroyed_docs]
    assert not Document.objects.filter(pk__in=ids).exists()
    assert not DocumentVersion.objects.filter(document_id__in=ids).exists()
    assert not Page.objects.filter(version__document_id__in=ids).exists()
    assert not Vorgang.objects.filter(akte__in=[w["v_2012"], w["a_1990"]]).exists()
    states = {k: type(a).objects.get(pk=a.pk).state for k, a in w.items()}
    assert states == {
        "b_2010": "abgegeben",
        "a_1990": "abgegeben",
        "v_2012": "vernichtet",
        "override_v": "vernichtet",
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
        v_2012_keys.values()
    )
    assert {d["uuid"] for d in tomb.contents["dokumente"]} == {str(d.uuid) for d in docs["v_2012"]}
    assert Tombstone.objects.count() == 4

    # protocol: JSON + HTML, what, how, when, by whose decision
    proto = json.loads((out / f"{run.uuid}_Vernichtungsprotokoll.json").read_text())
    html = (out / f"{run.uuid}_Vernichtungsprotokoll.html").read_text()
    assert proto["summary"] == {
        **proto["summary"],
        "akten": 5,
        "vernichtet": 2,
        "abgegeben": 2,
        "nicht_bewertet": 1,
        "loeschsperre": 0,
        "objects_locked": 0,
    }
    assert proto["decision"]["approved_by"] == "archiv2" and proto["decision"]["proposed_by"] == "archiv"
    assert proto["decision"]["evaluation"]["file"] == path_0502.name
    entry = {a["aktenzeichen"]: a for a in proto["akten"]}
    assert entry["63-2012/0001"]["outcome"] == "vernichtet" and entry["63-2012/0001"]["at"]
    assert {o["result"] for o in entry["63-2012/0001"]["objects"]} == {"deleted", "shared"}
    assert entry["63.10.02-1990/0001"]["outcome"] == "abgegeben" and "0503" in entry["63.10.02-1990/0001"]["how"]
    assert entry["63-2015/0002"]["outcome"] == "nicht bewertet"
    assert "63-2012/0001" in html and "archiv2" in html and run.protocol_sha256 in html
    run.refresh_from_db()
    assert run.protocol == proto

    # audit: every step recorded, the chain verifies after disposal
    actions = list(AuditEvent.objects.filter(action__startswith="aussonderung.").values_list("action", flat=True))
    for step in ("propose", "offer", "evaluate", "approve", "execute", "transfer", "done"):
        assert f"aussonderung.{step}" in actions
    assert AuditEvent.objects.filter(action="akte.vernichtet").count() == 2
    assert AuditEvent.objects.filter(action="akte.abgegeben").count() == 2
    checked, broken = audit_verify()
    assert broken is None and checked > 20
