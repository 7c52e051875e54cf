"""The destruction protocol (Vernichtungs- und Abgabeprotokoll): what was destroyed or transferred, how, when
and by whose decision. Built from the database only, so a resumed run produces the same protocol; kept in the
run row (hash audited) and written as JSON (machine-readable) and HTML (human-readable)."""

import hashlib
import json
from pathlib import Path

from django.template.loader import render_to_string

from ..models import DisposalItemState as S
from ..models import DisposalRun, Tombstone

FILE_JSON = "{}_Vernichtungsprotokoll.json"
FILE_HTML = "{}_Vernichtungsprotokoll.html"

OUTCOME = {
    S.DESTROYED: "vernichtet",
    S.TRANSFERRED: "abgegeben",
    S.NOT_EVALUATED: "nicht bewertet",
    S.SKIPPED_HOLD: "Löschsperre",
    S.AWAITING_IMPORT: "abgegeben, Import ausstehend",
    S.IMPORT_FAILED: "Import fehlgeschlagen",
}
SUMMARY_KEYS = {
    S.DESTROYED: "vernichtet",
    S.TRANSFERRED: "abgegeben",
    S.NOT_EVALUATED: "nicht_bewertet",
    S.SKIPPED_HOLD: "loeschsperre",
    S.AWAITING_IMPORT: "import_ausstehend",
    S.IMPORT_FAILED: "import_fehlgeschlagen",
}


def _iso(value):
    return value.isoformat() if value else None


def _how(item, run) -> str:
    if item.state == S.DESTROYED:
        return (
            "Objekte im Objektspeicher gelöscht, Einträge im Suchindex entfernt, Inhaltsdatensätze "
            "(Dokumente, Versionen, Seiten, Vorgänge) gelöscht; Grabstein (Metadaten, SHA-256) behalten"
        )
    transfer_file = Path(item.transfer.file if item.transfer_id else run.transfer_file).name
    if item.state == S.TRANSFERRED:
        archive_id = f", Archivkennung {item.archive_id}" if item.archive_id else ""
        return (
            f"mit xdomea 0503 an das Archiv abgegeben ({transfer_file}), Import vom Archiv "
            f"bestätigt (0506{archive_id}), danach lokal gelöscht wie bei der Vernichtung; Grabstein behalten"
        )
    if item.state == S.AWAITING_IMPORT:
        return (
            f"mit xdomea 0503 an das Archiv abgegeben ({transfer_file}); wartet schreibgeschützt "
            "auf die Importbestätigung des Archivs (0506), erst dann wird lokal gelöscht"
        )
    if item.state == S.IMPORT_FAILED:
        return (
            f"Import im Archiv fehlgeschlagen ({item.import_error}); bleibt schreibgeschützt erhalten, bis es "
            "erneut gesendet und bestätigt ist"
        )
    if item.state == S.NOT_EVALUATED:
        return "vom Archiv nicht bewertet: weder abgegeben noch vernichtet, wieder z.d.A."
    if item.state == S.SKIPPED_HOLD:
        return f"wegen Löschsperre übersprungen, unverändert: {item.note}"
    return f"nicht abgeschlossen ({item.state})"


def _objects(tombstone: Tombstone | None, results: dict) -> list[dict]:
    if tombstone is None:
        return []
    return [
        {
            "document": d["uuid"],
            "version": v["number"],
            "role": o["role"],
            "sha256": o["sha256"],
            "size": o["size"],
            "result": results.get(o["sha256"], ""),
        }
        for d in tombstone.contents["dokumente"]
        for v in d["versions"]
        for o in v["objects"]
    ]


def protocol_build(run: DisposalRun) -> dict:
    """The machine-readable protocol of a finished run."""
    tombstones = {t.item_id: t for t in Tombstone.objects.filter(run=run)}
    akten = []
    items = run.items.select_related("akte__lead_department", "akte__unit", "transfer").order_by("aktenzeichen")
    for item in items:
        akte, tomb = item.akte, tombstones.get(item.pk)
        akten.append(
            {
                "aktenzeichen": item.aktenzeichen,
                "uuid": str(item.akte_uuid),
                "title": akte.title,
                "department": akte.lead_department.code,
                "kennzeichen": akte.unit.kennzeichen,
                "zda": _iso(akte.zda_date),
                "aufbewahrungsende": _iso(akte.aufbewahrungsende),
                "proposal": item.proposal,
                "decision": item.decision or None,
                "outcome": OUTCOME.get(item.state, item.state),
                "how": _how(item, run),
                "at": _iso(item.finished_at),
                "in_transfer": item.in_transfer,
                "transfer": Path(item.transfer.file).name if item.transfer_id and item.transfer.file else None,
                "archive_id": item.archive_id or None,
                "import_error": item.import_error or None,
                "tombstone": tomb.pk if tomb else None,
                "vorgaenge": [v["uuid"] for v in tomb.contents["vorgaenge"]] if tomb else [],
                "documents": [d["uuid"] for d in tomb.contents["dokumente"]] if tomb else [],
                "objects": _objects(tomb, item.object_results or {}),
            }
        )
    results = [o["result"].split(":")[0] for a in akten for o in a["objects"]]
    return {
        "title": "Aussonderung: Vernichtungs- und Abgabeprotokoll",
        "run": run.pk,
        "prozess_id": str(run.uuid),
        "as_of": _iso(run.as_of),
        "decision": {
            "proposed_by": run.proposed_by.username,
            "proposed_at": _iso(run.proposed_at),
            "offer": {"file": Path(run.offer_file).name, "sha256": run.offer_sha256, "at": _iso(run.offered_at)},
            "evaluation": {
                "file": Path(run.evaluation_file).name,
                "sha256": run.evaluation_sha256,
                "imported_by": run.evaluated_by.username,
                "at": _iso(run.evaluated_at),
            },
            "approved_by": run.approved_by.username,
            "approved_at": _iso(run.approved_at),
        },
        "state": run.state,
        "execution": {
            "by": run.executed_by.username,
            "started_at": _iso(run.executing_at),
            "done_at": _iso(run.done_at),
        },
        "transfer": (
            {"file": Path(run.transfer_file).name, "sha256": run.transfer_sha256} if run.transfer_sha256 else None
        ),
        "transfers": [
            {
                "number": t.number,
                "prozess_id": str(t.prozess_id),
                "file": Path(t.file).name,
                "sha256": t.sha256,
                "akten": len(t.akte_uuids),
                "received_0507": _iso(t.received_at),
            }
            for t in run.transfers.exclude(sha256="").order_by("number")
        ],
        "summary": {
            "akten": len(akten),
            **{key: sum(1 for a in akten if a["outcome"] == OUTCOME[state]) for state, key in SUMMARY_KEYS.items()},
            "objects_deleted": results.count("deleted"),
            "objects_shared": results.count("shared"),
            "objects_locked": results.count("locked"),
        },
        "akten": akten,
    }


def _canonical(protocol: dict) -> bytes:
    return json.dumps(protocol, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def protocol_digest(protocol: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact): recorded in the audit trail."""
    return hashlib.sha256(_canonical(protocol)).hexdigest()


def protocol_write(run: DisposalRun, out_dir: Path) -> tuple[Path, Path]:
    """Write the JSON and HTML protocol of a finished run (again, identically, on every call)."""
    from .services import write_atomic

    if not run.protocol:
        raise ValueError(f"disposal run {run.pk} has no protocol yet")
    out_dir = Path(out_dir)
    json_path = out_dir / FILE_JSON.format(run.uuid)
    html_path = out_dir / FILE_HTML.format(run.uuid)
    write_atomic(json_path, json.dumps(run.protocol, sort_keys=True, indent=1, ensure_ascii=False).encode())
    html = render_to_string("akten/aussonderung_protokoll.html", {"p": run.protocol, "sha256": run.protocol_sha256})
    write_atomic(html_path, html.encode())
    return json_path, html_path
