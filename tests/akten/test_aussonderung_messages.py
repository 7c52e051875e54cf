"""Issue 11: the archive's receipts and import confirmation. A Akten wait read-only for the 0506 and nothing of
them is deleted before; a partial 0506, the resend of the failed object and the final confirmation; unknown
ProzessID, foreign objects and repeated messages are refused whole; cancel; the exchange folder; every message
written or built validates against the schema."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from akten import access
from akten.aussonderung import DisposalError
from akten.aussonderung.exchange import exchange_poll
from akten.aussonderung.execute import run_complete, run_execute, run_resend
from akten.aussonderung.messages import message_import
from akten.aussonderung.selectors import due_list
from akten.aussonderung.services import run_approve, run_cancel
from akten.aussonderung.xdomea import (
    ImportResult,
    XdomeaError,
    build_0504,
    build_0505,
    build_0506,
    build_0507,
    parse_message,
)
from akten.models import AkteState, DisposalItem, DisposalMessage, DisposalRun, Document, Tombstone
from akten.services import AkteError, akte_change_department, akte_update, hold_place
from dms.storage import get_storage
from tests.akten.test_aussonderung_helpers import assert_valid, bewertung_0502
from tests.akten.test_aussonderung_workflow import AS_OF, _approved, _evaluate, _offer, _state, two  # noqa: F401

pytestmark = pytest.mark.django_db
NOW = timezone.now


def _import(tmp_path, data: bytes, by, name: str | None = None):
    path = tmp_path / (name or f"m{uuid.uuid4().hex[:8]}.xml")
    path.write_bytes(data)
    return message_import(path=path, by=by)


def _0506(prozess_id, results: dict) -> bytes:
    return build_0506(
        prozess_id=str(prozess_id),
        created=NOW(),
        results={str(a.uuid): r for a, r in results.items()},
    )


def _items(run) -> dict:
    return {i.aktenzeichen: i.state for i in DisposalItem.objects.filter(run=run)}


def _executed(org, tmp_path, decisions):
    return run_execute(run=_approved(org, tmp_path, decisions), out_dir=tmp_path / "out", by=org.archiv)


# -- schema ----------------------------------------------------------------------------------------------------


def test_every_message_written_or_built_is_schema_valid():
    """0505 (written here), and 0504/0506/0507 as the archive sends them, validate with the test's own schema."""
    p = str(uuid.uuid4())
    for kind, data in [
        ("0505", build_0505(prozess_id=p, created=NOW())),
        ("0504", build_0504(prozess_id=p, created=NOW())),
        ("0507", build_0507(prozess_id=p, created=NOW())),
        (
            "0506",
            build_0506(
                prozess_id=p,
                created=NOW(),
                results={
                    str(uuid.uuid4()): ImportResult(ok=True, archive_id="StA 1/2"),
                    str(uuid.uuid4()): ImportResult(ok=False, errors=("Format unbekannt", "Prüfsumme falsch")),
                },
            ),
        ),
    ]:
        root = assert_valid(data)
        assert root.tag.endswith(f".{kind}") and root.findtext("{*}Kopf/{*}ProzessID") == p
        assert root.find("{*}Kopf/{*}Empfangsbestaetigung") is None  # NkBasisType has none


def test_parse_reads_each_archive_message_and_refuses_ours():
    p, u = str(uuid.uuid4()), str(uuid.uuid4())
    m = parse_message(
        build_0506(prozess_id=p, created=NOW(), results={u: ImportResult(ok=False, errors=("kaputt",))}),
        source="x.xml",
    )
    assert (m.kind, m.prozess_id, m.results[u].ok, m.results[u].errors) == ("0506", p, False, ("kaputt",))
    assert parse_message(build_0504(prozess_id=p, created=NOW()), source="x.xml").kind == "0504"
    assert parse_message(build_0507(prozess_id=p, created=NOW()), source="x.xml").kind == "0507"
    with pytest.raises(XdomeaError, match=r"eigene.xml: erwartet 0502 .* gefunden 0505"):
        parse_message(build_0505(prozess_id=p, created=NOW()), source="eigene.xml")


# -- the state machine -------------------------------------------------------------------------------------------


def test_transferred_akten_wait_read_only_and_nothing_is_deleted_before_the_0506(two, org, tmp_path):
    a, b = two
    doc = Document.objects.get(akte=a)
    keys = [o.key for o in doc.current_version.stored_objects()]
    run = _executed(org, tmp_path, {a: "A", b: "V"})
    assert run.state == "awaiting_import"
    assert _items(run) == {"63-2010/0001": "awaiting_import", "63-2010/0002": "destroyed"}
    assert _state(a) == AkteState.ABGABE_AUSSTEHEND and _state(b) == AkteState.VERNICHTET
    # nothing of the A Akte is gone, and it cannot be changed
    assert Document.objects.filter(akte=a).count() == 1 and all(get_storage().exists(k) for k in keys)
    assert not Tombstone.objects.filter(akte=a).exists()
    assert not access.akte_changeable(org.anna, a)
    # executing or completing again changes nothing while the archive has not answered
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    run = run_complete(run=run, by=org.archiv)
    assert run.state == "awaiting_import" and Document.objects.filter(akte=a).count() == 1
    assert {x["outcome"] for x in run.protocol["akten"]} == {"abgegeben, Import ausstehend", "vernichtet"}
    html = (tmp_path / "out" / f"{run.uuid}_Vernichtungsprotokoll.html").read_text()
    assert "nicht abgeschlossen: 1 Akten warten auf die Importbestätigung des Archivs (0506)" in html
    with pytest.raises(DisposalError, match="kein Objekt mit fehlgeschlagenem Import"):
        run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv)
    # the confirmation removes it, with tombstone; the run is done
    run, report = _import(tmp_path, _0506(run.uuid, {a: True}), org.archiv)
    assert report["confirmed"] == ["63-2010/0001"] and run.state == "done"
    assert _state(a) == AkteState.ABGEGEBEN and not Document.objects.filter(akte=a).exists()
    assert not any(get_storage().exists(k) for k in keys) and Tombstone.objects.filter(akte=a).exists()


def test_partial_0506_then_resend_then_final_confirmation(two, org, tmp_path):
    a, b = two
    run = _executed(org, tmp_path, {a: "A", b: "A"})
    first = run.transfers.get()
    assert first.prozess_id == run.uuid and first.akte_uuids == [str(a.uuid), str(b.uuid)]
    run, report = _import(
        tmp_path, _0506(run.uuid, {a: ImportResult(ok=True, archive_id="StA 7"), b: False}), org.archiv
    )
    assert report["failed"] == [{"aktenzeichen": "63-2010/0002", "reason": "Import fehlgeschlagen"}]
    assert run.state == "awaiting_import"
    assert _items(run) == {"63-2010/0001": "transferred", "63-2010/0002": "import_failed"}
    assert DisposalItem.objects.get(akte=a).archive_id == "StA 7"
    assert _state(b) == AkteState.ABGABE_AUSSTEHEND and Document.objects.filter(akte=b).count() == 1
    # the failed object goes out again, in a new 0503 with its own ProzessID
    second = run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv2)
    assert second.number == 2 and second.prozess_id != run.uuid and second.akte_uuids == [str(b.uuid)]
    assert Path(second.file).name == f"{second.prozess_id}_Aussonderung.Aussonderung.0503.zip"
    assert _items(run)["63-2010/0002"] == "awaiting_import"
    # the first 0503's ProzessID no longer answers for b
    with pytest.raises(DisposalError, match="ist nicht in dieser 0503"):
        _import(tmp_path, _0506(run.uuid, {b: True}), org.archiv)
    run, report = _import(tmp_path, _0506(second.prozess_id, {b: True}), org.archiv)
    assert run.state == "done" and report["confirmed"] == ["63-2010/0002"]
    assert Tombstone.objects.filter(run=run).count() == 2
    assert [t["number"] for t in run.protocol["transfers"]] == [1, 2]
    assert DisposalMessage.objects.filter(run=run, kind="0503", direction="out").count() == 2


def test_hold_placed_after_the_offer_keeps_the_akte_out_of_execution(two, org, tmp_path):
    a, b = two
    run = _offer(org, tmp_path)
    hold_place(akte=a, reason="Klage VG 1 K 5/31", by=org.archiv)
    _evaluate(org, tmp_path, run, {a: "A", b: "V"})
    run = run_execute(run=run_approve(run=run, by=org.archiv2), out_dir=tmp_path / "out", by=org.archiv)
    assert run.state == "done" and not run.transfers.exists()  # the only A Akte is held: no 0503 at all
    assert _items(run) == {"63-2010/0001": "skipped_hold", "63-2010/0002": "destroyed"}
    assert _state(a) == AkteState.ZDA and Document.objects.filter(akte=a).count() == 1


def test_hold_on_a_failed_object_keeps_it_at_resend(two, org, tmp_path):
    a, b = two
    run = _executed(org, tmp_path, {a: "A", b: "V"})
    run, _ = _import(tmp_path, _0506(run.uuid, {a: False}), org.archiv)
    hold_place(akte=a, reason="Auskunft", by=org.archiv)
    with pytest.raises(DisposalError, match="nichts erneut zu senden"):
        run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv)
    run.refresh_from_db()
    assert run.state == "done" and _items(run)["63-2010/0001"] == "skipped_hold" and _state(a) == AkteState.ZDA


# -- refusals --------------------------------------------------------------------------------------------------


def test_unknown_prozess_id_foreign_objects_and_repeats_are_refused_whole(two, org, tmp_path):
    a, b = two
    run = _offer(org, tmp_path)
    # a 0506 before any 0503 was sent for the run
    with pytest.raises(DisposalError, match="hat unter dieser ProzessID keine Aussonderung \\(0503\\) gesendet"):
        _import(tmp_path, _0506(run.uuid, {a: True}), org.archiv)
    _evaluate(org, tmp_path, run, {a: "A", b: "V"})
    run = run_execute(run=run_approve(run=run, by=org.archiv2), out_dir=tmp_path / "out", by=org.archiv)
    stranger = type("S", (), {"uuid": uuid.uuid4()})()
    cases = [
        (_0506(uuid.uuid4(), {a: True}), "gehört zu keiner Aussonderung"),
        (_0506(run.uuid, {a: True, stranger: True}), f"Objekt {stranger.uuid} ist nicht in Aussonderung {run.pk}"),
        (_0506(run.uuid, {a: True, b: True}), "63-2010/0002) ist nicht in dieser 0503"),  # b was destroyed (V)
        (build_0507(prozess_id=str(uuid.uuid4()), created=NOW()), "gehört zu keiner Aussonderung"),
        (build_0504(prozess_id=str(uuid.uuid4()), created=NOW()), "gehört zu keiner Aussonderung"),
    ]
    for i, (data, reason) in enumerate(cases):
        with pytest.raises(DisposalError) as caught:
            _import(tmp_path, data, org.archiv, name=f"fall{i}.xml")
        assert str(caught.value).startswith(str(tmp_path / f"fall{i}.xml")) and reason in str(caught.value)
    with pytest.raises(DisposalError, match=r"spaet.0502.xml: Aussonderung \d+ ist abgegeben, Importbestätigung aus"):
        _import(tmp_path, bewertung_0502(str(run.uuid), {a.uuid: "V"}), org.archiv, name="spaet.0502.xml")
    assert _items(run)["63-2010/0001"] == "awaiting_import"  # nothing of a refused message was applied
    assert not DisposalMessage.objects.filter(direction="in").exclude(kind="0502").exists()
    # the same message twice: the second is refused naming the first, nothing applied twice
    confirm = _0506(run.uuid, {a: False})
    _import(tmp_path, confirm, org.archiv, name="erste.xml")
    with pytest.raises(DisposalError, match=r"zweite.xml: diese Nachricht \(0506\) wurde bereits am .* als erste.xml"):
        _import(tmp_path, confirm, org.archiv, name="zweite.xml")
    # the same content with another timestamp: a's result is already known
    with pytest.raises(DisposalError, match="wartet nicht auf den Import, es ist Import im Archiv fehlgeschlagen"):
        _import(tmp_path, _0506(run.uuid, {a: True}), org.archiv)
    assert DisposalMessage.objects.filter(kind="0506").count() == 1


def test_receipts_are_recorded_once(two, org, tmp_path):
    a, b = two
    run = _offer(org, tmp_path)
    run_, report = _import(tmp_path, build_0504(prozess_id=str(run.uuid), created=NOW()), org.archiv)
    assert report["kind"] == "0504" and run_.state == "offered"
    later = NOW() + timedelta(minutes=5)  # another message (other bytes) saying the same
    with pytest.raises(DisposalError, match=r"Empfang des Anbieteverzeichnisses .* ist bereits bestätigt"):
        _import(tmp_path, build_0504(prozess_id=str(run.uuid), created=later), org.archiv)
    _evaluate(org, tmp_path, run, {a: "A", b: "A"})
    run = run_execute(run=run_approve(run=run, by=org.archiv2), out_dir=tmp_path / "out", by=org.archiv)
    _import(tmp_path, build_0507(prozess_id=str(run.uuid), created=NOW()), org.archiv)
    assert run.transfers.get().received_at is not None
    with pytest.raises(DisposalError, match=r"Empfang der 0503 Nr. 1 .* ist bereits am"):
        _import(tmp_path, build_0507(prozess_id=str(run.uuid), created=later), org.archiv)
    with pytest.raises(DisposalError, match="'anna' hat nicht die Rolle Archiv"):
        _import(tmp_path, build_0507(prozess_id=str(run.uuid), created=NOW()), org.anna)


def test_0505_only_when_the_0502_asks_for_it(two, org, tmp_path):
    run = _offer(org, tmp_path)
    path = tmp_path / "ohne.0502.xml"
    path.write_bytes(
        bewertung_0502(str(run.uuid), {two[0].uuid: "V"}).replace(
            b"<xdomea:Empfangsbestaetigung>1<", b"<xdomea:Empfangsbestaetigung>0<"
        )
    )
    _run, report = message_import(path=path, by=org.archiv)
    assert report["receipt"] is None and not DisposalMessage.objects.filter(kind="0505").exists()
    _run, report = _evaluate(org, tmp_path, run, {two[0]: "V", two[1]: "A"})
    assert Path(report["receipt"]).is_file() and DisposalMessage.objects.filter(kind="0505").count() == 1


# -- read-only, cancel -----------------------------------------------------------------------------------------


def test_an_akte_in_a_run_is_read_only_and_cancel_gives_it_back(two, org, tmp_path):
    a = two[0]
    assert access.akte_changeable(org.anna, a)
    run = _offer(org, tmp_path)
    assert not access.akte_changeable(org.anna, a)
    with pytest.raises(AkteError, match="Akte 63-2010/0001 ist angeboten und damit in der Aussonderung schreib"):
        akte_update(akte=a, by=org.anna, title="Neuer Betreff")
    with pytest.raises(AkteError, match="schreibgeschützt"):
        akte_change_department(akte=a, department=org.d32, by=org.admin)
    with pytest.raises(DisposalError, match="zum Abbrechen ist ein Grund nötig"):
        run_cancel(run=run, by=org.archiv, reason=" ")
    with pytest.raises(DisposalError, match="'anna' hat nicht die Rolle Archiv"):
        run_cancel(run=run, by=org.anna, reason="falsch")
    run = run_cancel(run=run, by=org.archiv, reason="Aktenplan wird überarbeitet")
    assert run.state == "cancelled" and set(_items(run).values()) == {"cancelled"}
    assert {_state(x) for x in two} == {AkteState.ZDA} and len(due_list(as_of=AS_OF)) == 2  # due again
    assert access.akte_changeable(org.anna, a)
    akte_update(akte=a, by=org.anna, title="Neuer Betreff")
    with pytest.raises(DisposalError, match="Abbrechen geht nur, wenn sie angeboten"):
        run_cancel(run=run, by=org.archiv, reason="nochmal")


def test_a_run_that_is_executing_cannot_be_cancelled(two, org, tmp_path):
    run = _executed(org, tmp_path, {two[0]: "A", two[1]: "V"})
    with pytest.raises(DisposalError, match="ist abgegeben, Importbestätigung ausstehend; Abbrechen geht nur"):
        run_cancel(run=run, by=org.archiv, reason="zu spät")
    assert DisposalRun.objects.get(pk=run.pk).state == "awaiting_import"


# -- exchange folder -------------------------------------------------------------------------------------------


def test_exchange_folder_outbox_inbox_done_and_error(two, org, tmp_path, settings):
    with pytest.raises(DisposalError, match="DMS_XDOMEA_EXCHANGE_DIR ist nicht gesetzt"):
        exchange_poll(by=org.archiv)
    base = tmp_path / "austausch"
    settings.DMS_XDOMEA_EXCHANGE_DIR = str(base)
    run = _offer(org, tmp_path)
    assert (base / "outbox" / Path(run.offer_file).name).read_bytes() == Path(run.offer_file).read_bytes()
    inbox = base / "inbox"
    inbox.mkdir()
    good = bewertung_0502(str(run.uuid), {two[0].uuid: "V", two[1].uuid: "A"})
    (inbox / "a.0502.xml").write_bytes(good)
    (inbox / "notiz.txt").write_text("hallo")
    (inbox / "fremd.xml").write_bytes(b"<x/>")
    (inbox / ".halb.xml.partial").write_bytes(b"<")
    rows = {r["file"]: r for r in exchange_poll(by=org.archiv)}
    assert set(rows) == {"a.0502.xml", "notiz.txt", "fremd.xml"}
    assert rows["a.0502.xml"]["status"] == "done" and (base / "done" / "a.0502.xml").is_file()
    assert DisposalRun.objects.get(pk=run.pk).state == "evaluated"
    assert (base / "outbox" / f"{run.uuid}_Aussonderung.BewertungEmpfangBestaetigen.0505.xml").is_file()
    assert DisposalMessage.objects.get(kind="0502").file == str((base / "done" / "a.0502.xml").resolve())
    for name, reason in [("notiz.txt", "keine xdomea-Nachricht"), ("fremd.xml", "keine gültige xdomea-3.0.0")]:
        assert rows[name]["status"] == "error" and reason in rows[name]["reason"]
        assert (base / "error" / name).is_file()
        assert reason in (base / "error" / f"{name}.fehler.txt").read_text()
    assert sorted(p.name for p in inbox.iterdir()) == [".halb.xml.partial"]  # still being written: left alone
    # the same 0502 dropped again goes to error/ with the reason, beside the first one's name
    (inbox / "a.0502.xml").write_bytes(good)
    [row] = exchange_poll(by=org.archiv)
    assert row["status"] == "error" and "bereits" in row["reason"]
    assert (base / "done" / "a.0502.xml").is_file() and Path(row["moved_to"]).parent == base / "error"


def test_commands_cancel_import_resend_complete(two, org, tmp_path, run_command):
    a, b = two
    run = _offer(org, tmp_path)
    code, out, err = run_command("aussonderung", "cancel", str(run.pk), "--reason", "Test", "--user", "archiv")
    assert code == 0 and "abgebrochen: Test" in out, err
    run = _executed(org, tmp_path, {a: "A", b: "A"})
    path = tmp_path / "0506.xml"
    path.write_bytes(_0506(run.uuid, {a: True, b: ImportResult(ok=False, errors=("Virus gefunden",))}))
    code, out, err = run_command("aussonderung", "import", str(path), "--user", "archiv")
    assert code == 0, err
    assert "1 Import bestätigt, 1 fehlgeschlagen" in out and "63-2010/0002: Virus gefunden" in out
    code, out, err = run_command(
        "aussonderung", "resend", str(run.pk), "--out", str(tmp_path / "o"), "--user", "archiv"
    )
    assert code == 0 and "0503 Nr. 2 mit 1 Akten erneut gesendet" in out, err
    code, out, err = run_command("aussonderung", "complete", str(run.pk), "--user", "archiv")
    assert code == 0 and "awaiting_import" in out, err
    code, _, err = run_command("aussonderung", "resend", str(run.pk), "--out", str(tmp_path / "o"), "--user", "archiv")
    assert code != 0 and "nichts erneut zu senden" in err
    assert DisposalRun.objects.filter(state="cancelled").count() == 1


# -- interruptions ---------------------------------------------------------------------------------------------


def test_removal_interrupted_after_the_0506_is_reported_and_resumes(two, org, tmp_path, monkeypatch):
    """The 0506 is taken over in its own transaction; if removing the confirmed Akten then fails, the import still
    succeeds with the reason in the report, the Akte is untouched and `run_complete` finishes later."""
    from akten.aussonderung import destroy

    a, b = two
    run = _executed(org, tmp_path, {a: "A", b: "V"})

    def boom(*args, **kwargs):
        raise RuntimeError("Speicher nicht erreichbar")

    monkeypatch.setattr(destroy, "outbox_enqueue", boom)
    run, report = _import(tmp_path, _0506(run.uuid, {a: True}), org.archiv)
    assert "Speicher nicht erreichbar" in report["complete_error"] and run.state == "awaiting_import"
    assert _items(run)["63-2010/0001"] == "import_confirmed" and Document.objects.filter(akte=a).count() == 1
    monkeypatch.undo()
    run = run_complete(run=run, by=org.archiv)
    assert run.state == "done" and not Document.objects.filter(akte=a).exists()


def test_0506_without_complete_leaves_the_removal_to_the_caller(two, org, tmp_path):
    """`complete=False` (the archive workspace's upload, which removes in its background worker): the 0506 is
    taken over, the confirmed Akte waits whole as import_confirmed, and `run_complete` removes it."""
    a, b = two
    run = _executed(org, tmp_path, {a: "A", b: "V"})
    path = tmp_path / "import.0506.xml"
    path.write_bytes(_0506(run.uuid, {a: True}))
    run, report = message_import(path=path, by=org.archiv, complete=False)
    assert report["confirmed"] == ["63-2010/0001"] and report["complete_pending"] == 1
    assert run.state == "awaiting_import" and _items(run)["63-2010/0001"] == "import_confirmed"
    assert _state(a) == AkteState.ABGABE_AUSSTEHEND and Document.objects.filter(akte=a).count() == 1
    run = run_complete(run=run, by=org.archiv)
    assert run.state == "done" and _items(run)["63-2010/0001"] == "transferred"
    assert not Document.objects.filter(akte=a).exists()


def test_an_interrupted_resend_is_rewritten_not_duplicated(two, org, tmp_path, monkeypatch):
    from akten.aussonderung import execute

    a, b = two
    run = _executed(org, tmp_path, {a: "A", b: "V"})
    run, _ = _import(tmp_path, _0506(run.uuid, {a: False}), org.archiv)
    real = execute.transfer_write

    def killed(**kwargs):
        raise OSError("Platte voll")

    monkeypatch.setattr(execute, "transfer_write", killed)
    with pytest.raises(OSError, match="Platte voll"):
        run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert _items(run)["63-2010/0001"] == "import_failed" and run.transfers.get(number=2).sha256 == ""
    monkeypatch.setattr(execute, "transfer_write", real)
    transfer = run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert transfer.number == 2 and transfer.sha256 and run.transfers.count() == 2
    assert _items(run)["63-2010/0001"] == "awaiting_import"


def test_exchange_file_read_but_not_moved_before_a_crash_goes_to_done(two, org, tmp_path, settings):
    base = tmp_path / "austausch"
    settings.DMS_XDOMEA_EXCHANGE_DIR = str(base)
    run = _offer(org, tmp_path)
    inbox = base / "inbox"
    inbox.mkdir(parents=True)
    path = inbox / "b.0504.xml"
    path.write_bytes(build_0504(prozess_id=str(run.uuid), created=NOW()))
    message_import(path=path, by=org.archiv, name=path.name)  # the poll read it ... and was killed before the move
    [row] = exchange_poll(by=org.archiv)
    assert (row["status"], row["kind"]) == ("done", "0504") and (base / "done" / "b.0504.xml").is_file()
    assert DisposalMessage.objects.get(kind="0504").file == str((base / "done" / "b.0504.xml").resolve())
    assert not (base / "error").exists() or not any((base / "error").iterdir())


def test_transfers_and_messages_are_listed_read_only_in_the_admin(two, org, tmp_path, client):
    run = _executed(org, tmp_path, {two[0]: "A", two[1]: "V"})
    client.force_login(org.admin)
    for model, text in (("disposaltransfer", str(run.uuid)), ("disposalmessage", "0503")):
        page = client.get(f"/admin/akten/{model}/")
        assert page.status_code == 200 and text in page.content.decode()
        assert client.get(f"/admin/akten/{model}/add/").status_code == 403


def test_evaluate_command_shows_differences_and_the_0505(two, org, tmp_path, run_command):
    run = _offer(org, tmp_path)  # unit 63 proposes V for both
    path = tmp_path / "b.0502.xml"
    path.write_bytes(bewertung_0502(str(run.uuid), {two[0].uuid: "A", two[1].uuid: "V"}))
    code, out, err = run_command("aussonderung", "import", str(path), "--user", "archiv")
    assert code == 0, err
    assert "Bewertung des Archivs weicht vom Vorschlag ab: 63-2010/0001" in out and "0502" not in err
    assert "weicht vom Vorschlag ab: 63-2010/0002" not in out
    assert f"0505 (Empfangsbestätigung): {Path(run.offer_file).parent}" in out


def test_the_new_steps_only_in_their_states(two, org, tmp_path):
    run = _offer(org, tmp_path)
    with pytest.raises(DisposalError, match="Abschließen geht nur, wenn sie abgegeben, Importbestätigung aus"):
        run_complete(run=run, by=org.archiv)
    with pytest.raises(DisposalError, match="Erneut senden geht nur, wenn sie abgegeben, Importbestätigung aus"):
        run_resend(run=run, out_dir=tmp_path / "out", by=org.archiv)
    with pytest.raises(DisposalError, match="'anna' hat nicht die Rolle Archiv"):
        run_complete(run=run, by=org.anna)
    assert DisposalRun.objects.get(pk=run.pk).state == "offered" and not run.transfers.exists()
