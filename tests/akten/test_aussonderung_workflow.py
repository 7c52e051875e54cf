"""Disposal run rules: the state machine and four eyes, 0502 matching by UUID, holds win at every point,
shared objects survive, object-lock retention is reported, the hold guard backs it all up."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from akten.aussonderung import DisposalError, destroy
from akten.aussonderung.execute import run_execute
from akten.aussonderung.messages import message_import
from akten.aussonderung.services import run_approve, run_evaluate, run_offer
from akten.aussonderung.xdomea import build_0506
from akten.models import AkteState, DisposalItem, DisposalRun, Document, Tombstone
from akten.services import akte_close, hold_place, hold_release
from akten.signals import HeldError
from dms.audit import audit_verify
from dms.models import AuditEvent, StoredObject
from dms.storage import get_storage
from search.services import outbox_drain, search_documents
from tests import factories
from tests.akten.test_aussonderung_helpers import bewertung_0502, make_document
from tests.dms.s3server import moto_s3  # noqa: F401

AS_OF = date(2031, 1, 1)


def _closed(az, zda=date(2010, 5, 1), title="Akte"):
    return akte_close(akte=factories.akte(az, title, opened_on=date(zda.year, 1, 1)), on=zda)


@pytest.fixture
def two(org, aktenplan):
    """Two due Akten of unit 63 (V) with one document each, indexed."""
    a = _closed("63-2010/0001", title="Abriss Mühle")
    b = _closed("63-2010/0002", title="Abriss Scheune")
    make_document(a, title="Antrag Mühle", text="Mühlrad Granit")
    make_document(b, title="Antrag Scheune", text="Scheunentor Gneis")
    outbox_drain()
    return a, b


def _offer(org, tmp_path):
    return run_offer(as_of=AS_OF, out_dir=tmp_path / "out", by=org.archiv)


def _evaluate(org, tmp_path, run, decisions):
    path = tmp_path / "0502.xml"
    path.write_bytes(bewertung_0502(str(run.uuid), {a.uuid: art for a, art in decisions.items()}))
    return run_evaluate(path=path, by=org.archiv)


def _approved(org, tmp_path, decisions):
    run = _offer(org, tmp_path)
    _evaluate(org, tmp_path, run, decisions)
    return run_approve(run=run, by=org.archiv2)


def _state(akte):
    return type(akte).objects.get(pk=akte.pk).state


def test_only_archivists_run_the_schedule(two, org, tmp_path):
    with pytest.raises(DisposalError, match="'anna' hat nicht die Rolle Archiv"):
        run_offer(as_of=AS_OF, out_dir=tmp_path, by=org.anna)
    assert not DisposalRun.objects.exists()


def test_nothing_due_is_an_error_and_offered_akten_are_not_offered_twice(two, org, tmp_path):
    with pytest.raises(DisposalError, match="zum 2011-01-01 ist keine Akte zur Aussonderung fällig"):
        run_offer(as_of=date(2011, 1, 1), out_dir=tmp_path, by=org.archiv)
    run = _offer(org, tmp_path)
    assert run.items.count() == 2 and {_state(a) for a in two} == {AkteState.ANGEBOTEN}
    with pytest.raises(DisposalError, match="ist keine Akte zur Aussonderung fällig"):
        _offer(org, tmp_path)


def test_offer_a_selection_of_the_due_akten(two, org, tmp_path):
    """Only the chosen due Akten go into the run; ids that are not due, held or already in a run are refused whole,
    each named by its Aktenzeichen, and nothing is offered."""
    a, b = two
    later = _closed("63-2025/0003", zda=date(2025, 5, 1))  # ends 2035: not due in 2031
    held = _closed("63-2010/0004")
    hold_place(akte=held, reason="Klage", by=org.archiv)
    for ids, message in (
        ([a.pk, later.pk], r"63-2025/0003 ist zum 01\.01\.2031 nicht fällig \(Aufbewahrung bis 31\.12\.2035\)"),
        ([held.pk], "63-2010/0004 trägt eine Löschsperre"),
        ([a.pk, 999999], "eine Akte Nr. 999999 gibt es nicht"),
        ([], "keine Akte ausgewählt"),
    ):
        with pytest.raises(DisposalError, match=message):
            run_offer(as_of=AS_OF, out_dir=tmp_path, by=org.archiv, akte_ids=ids)
    assert not DisposalRun.objects.exists() and _state(a) == AkteState.ZDA
    run = run_offer(as_of=AS_OF, out_dir=tmp_path, by=org.archiv, akte_ids=[a.pk])
    assert [i.akte_id for i in run.items.all()] == [a.pk] and (_state(a), _state(b)) == (AkteState.ANGEBOTEN, "zdA")
    assert AuditEvent.objects.get(action="aussonderung.propose").after["selection"] is True
    with pytest.raises(DisposalError, match=f"63-2010/0001 ist bereits in Aussonderung {run.pk} \\(angeboten\\)"):
        run_offer(as_of=AS_OF, out_dir=tmp_path, by=org.archiv, akte_ids=[a.pk, b.pk])
    assert run_offer(as_of=AS_OF, out_dir=tmp_path, by=org.archiv).items.get().akte_id == b.pk  # all due: the rest


def test_offer_command_takes_a_selection_by_aktenzeichen(two, org, tmp_path, run_command):
    a, b = two
    base = ["aussonderung", "offer", "--as-of", "01.01.2031", "--out", str(tmp_path), "--user", "archiv"]
    code, _, err = run_command(*base, "--akte", "63-2010/0001", "--akte", "63-9999/1")
    assert code == 1 and "keine Akte mit dem Aktenzeichen 63-9999/1" in err and not DisposalRun.objects.exists()
    code, out, err = run_command(*base, "--akte", "63-2010/0001", "--json")
    assert code == 0, err
    assert json.loads(out)["akten"] == 1 and (_state(a), _state(b)) == (AkteState.ANGEBOTEN, AkteState.ZDA)
    code, _, err = run_command(*base, "--akte", "63-2010/0001")
    assert code == 1 and "63-2010/0001 ist bereits in Aussonderung" in err


def test_steps_only_in_order(two, org, tmp_path):
    """proposed → offered → evaluated → approved → executing → done: no step can be skipped or repeated."""
    run = _offer(org, tmp_path)
    with pytest.raises(DisposalError, match=r"Freigeben geht nur, wenn sie bewertet \(0502\) ist"):
        run_approve(run=run, by=org.archiv2)
    with pytest.raises(DisposalError, match="Durchführen geht nur, wenn sie freigegeben oder in Durchführung ist"):
        run_execute(run=run, out_dir=tmp_path, by=org.archiv2)
    _evaluate(org, tmp_path, run, {two[0]: "V"})
    _evaluate(org, tmp_path, run, {two[0]: "V", two[1]: "V"})  # re-import before approval replaces
    assert set(run.items.values_list("decision", flat=True)) == {"V"}
    run_approve(run=run, by=org.archiv2)
    with pytest.raises(
        DisposalError, match=r"Bewertung einlesen geht nur, wenn sie angeboten \(0501\) oder bewertet \(0502\) ist"
    ):
        _evaluate(org, tmp_path, run, {two[0]: "A"})
    with pytest.raises(DisposalError, match=r"Freigeben geht nur, wenn sie bewertet \(0502\) ist"):
        run_approve(run=run, by=org.archiv2)
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert run.state == "done"
    actions = list(AuditEvent.objects.filter(object_type="akten.DisposalRun").values_list("action", flat=True))
    assert actions[:5] == [
        "aussonderung.propose",
        "aussonderung.offer",
        "aussonderung.evaluate",
        "aussonderung.evaluate",
        "aussonderung.approve",
    ]
    assert actions[-1] == "aussonderung.done"


def test_four_eyes_the_proposer_never_approves(two, org, tmp_path):
    run = _offer(org, tmp_path)
    _evaluate(org, tmp_path, run, {two[0]: "V"})
    with pytest.raises(DisposalError, match="archiv hat sie vorgeschlagen; eine zweite Person muss sie freigeben"):
        run_approve(run=run, by=org.archiv)
    with pytest.raises(DisposalError, match="'admin' hat nicht die Rolle Archiv"):
        run_approve(run=run, by=org.admin)
    assert DisposalRun.objects.get(pk=run.pk).state == "evaluated"


def test_unknown_uuid_is_an_error_naming_it(two, org, tmp_path):
    """Matching is by UUID; a UUID not offered in this run (here: a Dokument's) is refused, nothing changes."""
    run = _offer(org, tmp_path)
    doc = Document.objects.get(akte=two[0])
    path = tmp_path / "0502.xml"
    path.write_bytes(bewertung_0502(str(run.uuid), {two[0].uuid: "V", doc.uuid: "A"}))
    with pytest.raises(DisposalError, match=f"UUID {doc.uuid} ist keine in Aussonderung {run.pk} angebotene Akte"):
        run_evaluate(path=path, by=org.archiv)
    assert DisposalRun.objects.get(pk=run.pk).state == "offered" and _state(two[0]) == AkteState.ANGEBOTEN


def test_unknown_prozess_id_and_invalid_file_are_errors_naming_the_file(two, org, tmp_path, run_command):
    _offer(org, tmp_path)
    path = tmp_path / "fremd.xml"
    path.write_bytes(bewertung_0502("00000000-0000-4000-8000-000000000000", {two[0].uuid: "V"}))
    code, _, err = run_command("aussonderung", "evaluate", str(path), "--user", "archiv")
    assert code != 0 and "fremd.xml" in err and "gehört zu keiner Aussonderung" in err
    path.write_bytes(
        b"<xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea='urn:xoev-de:xdomea:schema:3.0.0'/>"
    )
    code, _, err = run_command("aussonderung", "evaluate", str(path), "--user", "archiv")
    assert code != 0 and "fremd.xml: keine gültige xdomea-3.0.0-Nachricht" in err
    code, _, err = run_command("aussonderung", "evaluate", str(tmp_path / "missing.xml"), "--user", "archiv")
    assert code != 0 and "missing.xml: Datei nicht gefunden" in err


def test_0502_inside_an_xdomea_zip_is_read(two, org, tmp_path):
    import zipfile

    run = _offer(org, tmp_path)
    path = tmp_path / f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            f"{run.uuid}_Aussonderung.Bewertungsverzeichnis.0502.xml",
            bewertung_0502(str(run.uuid), {two[0].uuid: "V", two[1].uuid: "A"}),
        )
    _, report = run_evaluate(path=path, by=org.archiv)
    assert report["V"] == ["63-2010/0001"] and report["A"] == ["63-2010/0002"]


def test_unevaluated_akte_is_kept_reported_and_due_again(two, org, tmp_path):
    run = _approved(org, tmp_path, {two[0]: "V"})
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert _state(two[0]) == AkteState.VERNICHTET and _state(two[1]) == AkteState.ZDA
    assert Document.objects.filter(akte=two[1]).count() == 1
    entry = {a["aktenzeichen"]: a for a in run.protocol["akten"]}["63-2010/0002"]
    assert entry["outcome"] == "nicht bewertet" and entry["objects"] == []
    assert not (tmp_path / "out" / f"{run.uuid}_Aussonderung.Aussonderung.0503.zip").exists()  # no A: no 0503


def test_hold_after_offer_wins_and_release_resurrects_nothing(two, org, tmp_path):
    """A hold placed between offer and execution: the Akte is skipped and reported, untouched; releasing the
    hold later neither restores what was destroyed nor lets the finished run destroy the Akte."""
    a, b = two
    run = _approved(org, tmp_path, {a: "V", b: "V"})
    hold = hold_place(akte=b, reason="Akteneinsicht Gericht", by=org.archiv)
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    entry = {x["aktenzeichen"]: x for x in run.protocol["akten"]}
    assert entry["63-2010/0002"]["outcome"] == "Löschsperre"
    assert "Akteneinsicht Gericht" in entry["63-2010/0002"]["how"]
    assert _state(b) == AkteState.ZDA and Document.objects.filter(akte=b).count() == 1
    assert {h["document_id"] for h in search_documents(user=org.anna, query="Gneis").hits}
    hold_release(akte=b, hold_id=hold.pk, by=org.archiv, reason="erledigt")
    run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)  # a finished run does nothing more
    assert Document.objects.filter(akte=b).count() == 1 and _state(b) == AkteState.ZDA
    assert not Document.objects.filter(akte=a).exists() and _state(a) == AkteState.VERNICHTET
    assert not Tombstone.objects.filter(akte=b).exists()
    assert AuditEvent.objects.filter(action="akte.vernichtet").count() == 1


def test_hold_after_the_transfer_keeps_the_local_copy(two, org, tmp_path):
    """An A Akte put on hold after its 0503 was written is not removed locally; the protocol says so."""
    a, b = two
    run = _approved(org, tmp_path, {a: "A", b: "V"})
    out = tmp_path / "out"
    run = run_execute(run=run, out_dir=out, by=org.archiv)  # the 0503 is written, A waits for the 0506 ...
    assert run.state == "awaiting_import" and _state(a) == AkteState.ABGABE_AUSSTEHEND
    hold_place(akte=a, reason="Auskunftsersuchen", by=org.archiv)  # ... and a hold comes in
    confirm = tmp_path / "0506.xml"
    confirm.write_bytes(build_0506(prozess_id=str(run.uuid), created=timezone.now(), results={str(a.uuid): True}))
    run, _ = message_import(path=confirm, by=org.archiv)
    assert run.state == "done"
    entry = {x["aktenzeichen"]: x for x in run.protocol["akten"]}["63-2010/0001"]
    assert entry["outcome"] == "Löschsperre" and entry["in_transfer"]
    assert "in der 0503 an das Archiv enthalten; die Akte bleibt hier erhalten" in entry["how"]
    assert Document.objects.filter(akte=a).count() == 1 and _state(a) == AkteState.ZDA


def test_hold_guard_backs_up_the_disposal_check(two, org, tmp_path, monkeypatch):
    """Even if the disposal's own hold check failed, the pre_delete guard refuses and the Akte stays whole."""
    a, b = two
    run = _approved(org, tmp_path, {a: "V", b: "V"})
    hold_place(akte=a, reason="Klage", by=org.archiv)
    monkeypatch.setattr(destroy, "hold_notes", lambda akte_ids: {})
    item = DisposalItem.objects.get(run=run, akte=a)
    with pytest.raises(HeldError, match="63-2010/0001 is under Löschsperre"):
        destroy.remove_rows([item.pk], run, org.archiv)
    assert Document.objects.filter(akte=a).count() == 1 and not Tombstone.objects.exists()
    assert DisposalItem.objects.get(pk=item.pk).state == "evaluated" and _state(a) == AkteState.BEWERTET_V


def test_shared_objects_survive_until_their_last_document_goes(org, aktenplan, tmp_path):
    """Content-addressed objects can be shared: an object is deleted only when no remaining version uses it."""
    a, b, keep = (_closed(f"63-2010/000{i}") for i in (1, 2, 3))
    same = b"identical scan bytes"
    docs = [make_document(x, title=f"Kopie {i}", text="Kopie", original=same) for i, x in enumerate((a, b, keep))]
    key = docs[0].current_version.original.key
    hold_place(akte=keep, reason="noch gebraucht", by=org.archiv)
    run = _approved(org, tmp_path, {a: "V", b: "V"})
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert get_storage().exists(key) and StoredObject.objects.filter(key=key).exists()
    results = [o["result"] for x in run.protocol["akten"] for o in x["objects"] if o["role"] == "original"]
    assert results == ["shared", "shared"]


def test_last_user_of_a_shared_object_deletes_it(org, aktenplan, tmp_path):
    """Two disposed Akten sharing an object: it goes once neither uses it (both report it deleted)."""
    a, b = _closed("63-2010/0001"), _closed("63-2010/0002")
    docs = [make_document(x, title=f"Kopie {i}", text="Kopie", original=b"same") for i, x in enumerate((a, b))]
    key = docs[0].current_version.original.key
    run = run_execute(run=_approved(org, tmp_path, {a: "V", b: "V"}), out_dir=tmp_path / "out", by=org.archiv)
    assert not get_storage().exists(key) and not StoredObject.objects.filter(key=key).exists()
    results = [o["result"] for x in run.protocol["akten"] for o in x["objects"] if o["role"] == "original"]
    assert results == ["deleted", "deleted"]


def test_object_lock_retention_is_reported_not_deleted(org, aktenplan, tmp_path, settings, moto_s3):
    """On S3 with object lock: objects under retention cannot go before their date; the Akte's content rows
    go, the objects stay (with their rows, for `verify`) and the protocol names the date. Unlocked objects of
    the same Akte are deleted with every version."""
    from dms import storage as storage_mod
    from tests.dms.s3server import bucket_url

    settings.DMS_STORAGE_URL = bucket_url(moto_s3, "object_lock=1")
    storage_mod._cached.cache_clear()
    try:
        a = _closed("63-2010/0001")
        until = date.today() + timedelta(days=30)
        locked = make_document(a, title="gesperrt", text="Sperre", retain_until=until)
        free = make_document(a, title="frei", text="frei")
        locked_keys = [o.key for o in locked.current_version.stored_objects()]
        free_keys = [o.key for o in free.current_version.stored_objects()]
        run = run_execute(run=_approved(org, tmp_path, {a: "V"}), out_dir=tmp_path / "out", by=org.archiv)
        storage = get_storage()
        assert all(storage.exists(k) for k in locked_keys) and not any(storage.exists(k) for k in free_keys)
        leftovers = [
            o.object_name
            for k in free_keys  # no older version and no delete marker stays behind
            for o in storage.client.list_objects(storage.bucket, prefix=k, include_version=True)
        ]
        assert leftovers == []
        assert StoredObject.objects.filter(key__in=locked_keys).count() == 2
        assert run.protocol["summary"]["objects_locked"] == 2 and run.protocol["summary"]["objects_deleted"] == 2
        results = {o["result"] for o in run.protocol["akten"][0]["objects"] if o["document"] == str(locked.uuid)}
        assert results == {f"locked: until {storage.retained_until(locked_keys[0]).isoformat()}"}
        assert storage.retained_until(locked_keys[0]).date() >= until
        assert _state(a) == AkteState.VERNICHTET and not Document.objects.filter(akte=a).exists()
    finally:
        storage_mod._cached.cache_clear()


def test_protocol_files_are_rewritten_identically_and_audit_verifies(two, org, tmp_path):
    run = run_execute(run=_approved(org, tmp_path, {two[0]: "V", two[1]: "V"}), out_dir=tmp_path / "o", by=org.archiv)
    json_path = tmp_path / "o" / f"{run.uuid}_Vernichtungsprotokoll.json"
    first = json_path.read_bytes()
    json_path.unlink()
    run_execute(run=run, out_dir=tmp_path / "o", by=org.archiv2)
    assert json_path.read_bytes() == first and json.loads(first)["summary"]["vernichtet"] == 2
    assert audit_verify()[1] is None


def test_a_failure_inside_the_rows_step_leaves_every_akte_whole(two, org, tmp_path, monkeypatch):
    """The rows step is all or nothing: an error inside it rolls everything back; the re-run completes."""
    a, b = two
    run = _approved(org, tmp_path, {a: "V", b: "V"})

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(destroy, "outbox_enqueue", boom)
    with pytest.raises(RuntimeError):
        run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert Document.objects.filter(akte__in=two).count() == 2 and not Tombstone.objects.exists()
    assert {_state(x) for x in two} == {AkteState.BEWERTET_V}
    monkeypatch.undo()
    run = run_execute(run=run, out_dir=tmp_path / "out", by=org.archiv)
    assert run.state == "done" and Tombstone.objects.count() == 2


def test_execute_command_reports(two, org, tmp_path, run_command):
    run = _approved(org, tmp_path, {two[0]: "V"})
    code, out, err = run_command(
        "aussonderung", "execute", str(run.pk), "--out", str(tmp_path / "o"), "--user", "archiv"
    )
    assert code == 0, err
    assert (
        "1 vernichtet, 0 abgegeben, 1 nicht bewertet" in out and "nicht bewertet (bleibt erhalten): 63-2010/0002" in out
    )
    assert Path(out.split("Protokoll: ")[1].split("\n")[0]).is_file()
    code, _, err = run_command("aussonderung", "execute", "999", "--out", str(tmp_path), "--user", "archiv")
    assert code != 0 and "keine Aussonderung '999'" in err
    with transaction.atomic():
        assert DisposalRun.objects.get(pk=run.pk).state == "done"


def test_transfer_from_s3_carries_the_pdfs_bit_exact(org, aktenplan, tmp_path, settings, moto_s3):
    """An S3 body streams once: the PDF looked at for its format must still be copied whole into the 0503
    (found by the production-like smoke test: every PDF on S3 was refused as not matching its hash)."""
    import hashlib
    import zipfile

    from dms import storage as storage_mod
    from tests.dms.s3server import bucket_url

    settings.DMS_STORAGE_URL = bucket_url(moto_s3)
    storage_mod._cached.cache_clear()
    try:
        a = _closed("63.10.02-1990/0001", zda=date(1990, 6, 30), title="Neubau")  # A, 30 years: due
        doc = make_document(a, title="Bauantrag", text="Basaltlava")
        expected = {o.sha256 for o in doc.current_version.stored_objects()}
        run = run_execute(run=_approved(org, tmp_path, {a: "A"}), out_dir=tmp_path / "out", by=org.archiv)
        assert run.state == "awaiting_import"
        with zipfile.ZipFile(run.transfer_file) as zf:
            carried = {hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if not n.endswith(".xml")}
        assert carried == expected
    finally:
        storage_mod._cached.cache_clear()
