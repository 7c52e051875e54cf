"""The one document service (`akten/documents.py`): rows, audit event and outbox entry in one transaction; German
refusals naming the field and the reason; closed (z.d.A.), held and disposal Akten protected; the index follows a
move."""

from datetime import date

import pytest

from akten import documents as documents_module
from akten.documents import (
    DocumentAccessDenied,
    DocumentError,
    document_create,
    document_delete,
    document_move,
    document_update,
    document_version_add,
)
from akten.models import AkteState, DisposalItem, DisposalRun, DisposalRunState, Document, Page, Vorgang
from akten.services import akte_close, hold_place
from dms.models import AuditEvent, OutboxEntry
from dms.services import stored_object_put
from search.services import outbox_drain, search_documents
from tests import factories

pytestmark = pytest.mark.django_db


def actions(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).values_list("action", flat=True)
    )


def blob(text="Inhalt"):
    return stored_object_put(data=text.encode(), media_type="text/plain")


def pages(*texts):
    return [{"number": i, "text": t, "confidence": 91.5} for i, t in enumerate(texts, 1)]


@pytest.fixture
def bau(org, aktenplan):
    return factories.akte("63.10.02-2020/0001", title="Neubau Lindenstraße", opened_on=date(2020, 1, 2))


@pytest.fixture
def ordnung(org, aktenplan):
    return factories.akte("32-2020/0001", title="Sondernutzung Marktplatz", opened_on=date(2020, 1, 2))


def create(akte, by, **kwargs):
    params = {"title": "Bauantrag", "original": blob(), "pages": pages("Antrag auf Baugenehmigung"), **kwargs}
    return document_create(akte=akte, by=by, **params)


# document_create


def test_create_writes_rows_audit_and_outbox_together(org, bau):
    OutboxEntry.objects.all().delete()
    original, rendition = blob("original"), blob("rendition")
    doc = document_create(
        akte=bau,
        by=org.anna,
        title="  Bauantrag  ",
        date=date(2020, 3, 4),
        document_type="Antrag",
        original=original,
        rendition=rendition,
        pages=pages("Seite eins", "Seite zwei"),
        source="upload/antrag.pdf",
    )
    assert (doc.title, doc.department, doc.created_by, doc.akte) == ("Bauantrag", org.d63, org.anna, bau)
    version = doc.versions.get()
    assert (version.number, version.original, version.rendition) == (1, original, rendition)
    assert list(Page.objects.filter(version=version).values_list("number", "text", "confidence")) == [
        (1, "Seite eins", 91.5),
        (2, "Seite zwei", 91.5),
    ]
    event = AuditEvent.objects.get(action="document.create", object_id=str(doc.pk))
    assert event.after["aktenzeichen"] == bau.aktenzeichen and event.after["pages"] == 2
    assert event.after["original"] == original.sha256
    assert list(OutboxEntry.objects.values_list("document_id", "op")) == [(doc.pk, "upsert")]


def test_create_is_one_transaction(org, bau, monkeypatch):
    """A failure after the rows were written (here: the outbox) leaves no document, version, page or event."""

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(documents_module, "outbox_enqueue", broken)
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        create(bau, org.anna)
    assert not Document.objects.exists() and not Page.objects.exists() and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Titel: darf nicht leer sein"),
        ({"title": "x" * 501}, "Titel: höchstens 500 Zeichen, nicht 501"),
        ({"date": "4.3.2020"}, "Datum: '4.3.2020' ist kein Datum"),
        ({"document_type": "x" * 101}, "Dokumentart: höchstens 100 Zeichen"),
        ({"original": None}, "Original: fehlt"),
        ({"pages": [{"number": 2, "text": "x"}]}, "Seiten: Seite 1 trägt die Nummer 2"),
        ({"pages": [{"number": 1, "confidence": 140}]}, "Seiten: Seite 1 hat die Erkennungsgüte 140"),
        ({"pages": [{"number": 1, "farbe": "rot"}]}, r"Seiten: Seite 1 hat unbekannte Angaben \(farbe\)"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(org, bau, changes, message):
    with pytest.raises(DocumentError, match=message):
        create(bau, org.anna, **changes)
    assert not Document.objects.exists()


def test_create_refuses_a_vorgang_of_another_akte(org, bau, ordnung):
    other = Vorgang.objects.create(akte=ordnung, title="Widerspruch")
    with pytest.raises(DocumentError, match=r"Vorgang: „Widerspruch“ gehört nicht zur Akte 63\.10\.02-2020/0001"):
        create(bau, org.anna, vorgang=other)


def test_create_into_a_closed_akte_only_when_asked_and_recorded(org, bau):
    akte_close(akte=bau, on=date(2021, 1, 1), by=org.anna)
    with pytest.raises(DocumentError, match=r"ist zu den Akten verfügt \(z\.d\.A\. am 01\.01\.2021\)"):
        create(bau, org.anna)
    doc = create(bau, org.scan, into_closed=True, audit_action="document.ingest", audit_after={"batch": 7})
    event = AuditEvent.objects.get(action="document.ingest", object_id=str(doc.pk))
    assert event.after["into_closed_akte"] is True and event.after["batch"] == 7


@pytest.mark.parametrize("state", [AkteState.ANGEBOTEN, AkteState.BEWERTET_A, AkteState.VERNICHTET])
def test_create_refuses_an_akte_in_the_aussonderung(org, bau, state):
    type(bau).objects.filter(pk=bau.pk).update(state=state)
    with pytest.raises(DocumentError, match="in der Aussonderung schreibgeschützt; es können keine Dokumente"):
        create(bau, org.anna, into_closed=True)


def test_create_refuses_an_akte_in_a_running_disposal_run(org, bau):
    run = DisposalRun.objects.create(as_of=date(2060, 1, 1), proposed_by=org.archiv)
    DisposalItem.objects.create(run=run, akte=bau, aktenzeichen=bau.aktenzeichen, akte_uuid=bau.uuid, proposal="A")
    with pytest.raises(DocumentError, match="ist in einer laufenden Aussonderung"):
        create(bau, org.anna)
    run.state = DisposalRunState.CANCELLED
    run.save(update_fields=["state"])
    assert create(bau, org.anna).akte == bau  # a cancelled run holds the Akte no longer


def test_create_with_a_date_refreshes_the_retention_end(org, aktenplan):
    """63.10 keeps 30 years; the Akte is closed, so the end follows z.d.A.; a later document date moves nothing
    before z.d.A., but the refresh runs (the start may be the latest document under other rules)."""
    akte = factories.akte("63.10-2001/1", opened_on=date(2001, 1, 1))
    akte_close(akte=akte, on=date(2002, 3, 4), by=org.anna)
    akte.refresh_from_db()
    before = akte.aufbewahrungsende
    type(akte).objects.filter(pk=akte.pk).update(aufbewahrungsende=None)
    create(akte, org.anna, date=date(2002, 1, 1), into_closed=True)
    akte.refresh_from_db()
    assert akte.aufbewahrungsende == before is not None


# document_version_add


def test_version_add_numbers_on_audits_and_reindexes(org, bau):
    doc = create(bau, org.anna)
    OutboxEntry.objects.all().delete()
    version = document_version_add(
        document=doc, by=org.anna, original=blob("zwei"), pages=pages("neu"), reason="Nachreichung"
    )
    assert version.number == 2 and doc.current_version == version
    assert list(version.pages.values_list("text", flat=True)) == ["neu"]
    event = AuditEvent.objects.get(action="document.version_add", object_id=str(doc.pk))
    assert event.after["version"] == 2 and event.after["reason"] == "Nachreichung"
    assert list(OutboxEntry.objects.values_list("document_id", flat=True)) == [doc.pk]


def test_version_add_refuses_closed_and_disposal_akten(org, bau):
    doc = create(bau, org.anna)
    akte_close(akte=bau, on=date(2021, 1, 1), by=org.anna)
    with pytest.raises(DocumentError, match="keine neuen Fassungen"):
        document_version_add(document=doc, by=org.anna, original=blob("zwei"), pages=pages("neu"))
    assert document_version_add(document=doc, by=None, original=blob("zwei"), pages=[], into_closed=True).number == 2
    type(bau).objects.filter(pk=bau.pk).update(state=AkteState.BEWERTET_V)
    with pytest.raises(DocumentError, match="Aussonderung"):
        document_version_add(document=doc, by=None, original=blob("drei"), pages=[], into_closed=True)


# document_update


def test_update_changes_only_what_differs_audited_and_reindexed(org, bau):
    doc = create(bau, org.anna, document_type="Antrag")
    OutboxEntry.objects.all().delete()
    doc = document_update(
        document=doc, by=org.anna, reason="Tippfehler", title="Bauantrag Nr. 2", document_type="Antrag"
    )
    assert doc.title == "Bauantrag Nr. 2"
    event = AuditEvent.objects.get(action="document.update", object_id=str(doc.pk))
    assert event.before == {"title": "Bauantrag"}
    assert event.after == {"title": "Bauantrag Nr. 2", "reason": "Tippfehler"}
    assert OutboxEntry.objects.filter(document_id=doc.pk).count() == 1
    document_update(document=doc, by=org.anna, title="Bauantrag Nr. 2")
    assert actions(doc).count("document.update") == 1  # nothing changed: no event


def test_update_takes_a_date_as_iso_text(org, bau):
    doc = document_update(document=create(bau, org.anna), by=org.anna, date="2020-05-06")
    assert Document.objects.get(pk=doc.pk).date == date(2020, 5, 6)
    assert AuditEvent.objects.get(action="document.update").after == {"date": "2020-05-06"}


def test_update_refuses_other_fields_naming_them(org, bau):
    doc = create(bau, org.anna)
    with pytest.raises(DocumentError, match="akte, source: lässt sich hier nicht ändern"):
        document_update(document=doc, by=org.anna, source="x", akte=None)
    with pytest.raises(DocumentError, match="Titel: darf nicht leer sein"):
        document_update(document=doc, by=org.anna, title="")


def test_update_needs_the_change_right(org, bau):
    doc = create(bau, org.anna)
    with pytest.raises(DocumentAccessDenied, match="bernd darf die Dokumente dieser Akte nicht ändern"):
        document_update(document=doc, by=org.bernd, title="fremd")
    assert document_update(document=doc, by=org.admin, title="vom Admin").title == "vom Admin"


def test_the_scan_role_corrects_only_what_it_ingested_and_moves_nothing(org, bau, ordnung):
    """The Scanstelle's quality check: title, date and type of its own documents, in any Akte; not another's
    document, not a move, not while the Akte is in the Aussonderung."""
    own = create(bau, org.scan)
    other = create(bau, org.anna)
    assert document_update(document=own, by=org.scan, title="Bauantrag Gartenweg", reason="Prüfung").title == (
        "Bauantrag Gartenweg"
    )
    event = AuditEvent.objects.filter(action="document.update", object_id=str(own.pk)).get()
    assert event.actor == "scan" and event.after == {"title": "Bauantrag Gartenweg", "reason": "Prüfung"}
    with pytest.raises(DocumentAccessDenied, match="scan darf die Dokumente dieser Akte nicht ändern"):
        document_update(document=other, by=org.scan, title="fremd")
    with pytest.raises(DocumentAccessDenied):
        document_move(document=own, by=org.scan, akte=ordnung)
    type(bau).objects.filter(pk=bau.pk).update(state=AkteState.ANGEBOTEN)
    with pytest.raises(DocumentError):
        document_update(document=own, by=org.scan, title="zu spät")


def test_update_in_a_closed_akte_but_not_in_the_aussonderung(org, bau):
    doc = create(bau, org.anna)
    akte_close(akte=bau, on=date(2021, 1, 1), by=org.anna)
    assert document_update(document=doc, by=None, title="berichtigt").title == "berichtigt"
    type(bau).objects.filter(pk=bau.pk).update(state=AkteState.ANGEBOTEN)
    with pytest.raises(DocumentError, match="ihre Dokumente lassen sich nicht ändern"):
        document_update(document=doc, by=None, title="zu spät")


# document_move


def test_move_takes_the_target_department_audits_and_the_index_follows(org, bau, ordnung):
    doc = create(bau, org.anna, pages=pages("Sondernutzungserlaubnis Marktplatz"))
    outbox_drain()
    assert search_documents(user=org.anna, query="Sondernutzungserlaubnis").total == 1
    target = Vorgang.objects.create(akte=ordnung, title="Erlaubnis")
    doc = document_move(document=doc, by=org.admin, akte=ordnung, vorgang=target, reason="falsch zugeordnet")
    assert (doc.akte, doc.vorgang, doc.department) == (ordnung, target, org.d32)
    event = AuditEvent.objects.get(action="document.move", object_id=str(doc.pk))
    assert event.before == {"aktenzeichen": bau.aktenzeichen, "vorgang": None}
    assert event.after == {"aktenzeichen": ordnung.aktenzeichen, "vorgang": target.pk, "reason": "falsch zugeordnet"}
    outbox_drain()
    assert search_documents(user=org.anna, query="Sondernutzungserlaubnis").total == 0
    assert search_documents(user=org.bernd, query="Sondernutzungserlaubnis").total == 1


def test_move_within_the_akte_into_a_vorgang(org, bau):
    doc = create(bau, org.anna)
    vorgang = Vorgang.objects.create(akte=bau, title="Widerspruch")
    assert document_move(document=doc, by=org.anna, akte=bau, vorgang=vorgang).vorgang == vorgang
    with pytest.raises(DocumentError, match=r"liegt schon in 63\.10\.02-2020/0001, Widerspruch"):
        document_move(document=doc, by=org.anna, akte=bau, vorgang=vorgang)


def test_move_needs_the_change_right_on_both_akten(org, bau, ordnung):
    doc = create(bau, org.anna)
    with pytest.raises(DocumentAccessDenied, match="Akte 32-2020/0001: anna darf"):
        document_move(document=doc, by=org.anna, akte=ordnung)
    assert Document.objects.get(pk=doc.pk).akte == bau


def test_move_refuses_a_vorgang_of_another_akte(org, bau, ordnung):
    doc = create(bau, org.anna)
    with pytest.raises(DocumentError, match="gehört nicht zur Akte 32-2020/0001"):
        document_move(document=doc, by=org.admin, akte=ordnung, vorgang=Vorgang.objects.create(akte=bau, title="V"))


def test_move_neither_into_nor_out_of_a_closed_akte(org, bau, ordnung):
    doc = create(bau, org.anna)
    other = create(ordnung, org.bernd)
    akte_close(akte=ordnung, on=date(2021, 1, 1), by=org.bernd)
    with pytest.raises(DocumentError, match=r"32-2020/0001 ist zu den Akten verfügt.*in sie kann kein Dokument"):
        document_move(document=doc, by=org.admin, akte=ordnung)
    with pytest.raises(DocumentError, match=r"32-2020/0001 ist zu den Akten verfügt.*aus ihr kann kein Dokument"):
        document_move(document=other, by=org.admin, akte=bau)
    assert Document.objects.get(pk=doc.pk).akte == bau and Document.objects.get(pk=other.pk).akte == ordnung


def test_move_neither_into_nor_out_of_a_held_akte(org, bau, ordnung):
    doc = create(bau, org.anna)
    other = create(ordnung, org.bernd)
    hold_place(akte=ordnung, reason="Rechtsstreit", by=org.archiv)
    with pytest.raises(DocumentError, match=r"steht unter Löschsperre \(#\d+: Rechtsstreit\); in sie kann kein"):
        document_move(document=doc, by=org.admin, akte=ordnung)
    with pytest.raises(DocumentError, match=r"steht unter Löschsperre .*; aus ihr kann kein"):
        document_move(document=other, by=org.admin, akte=bau)


def test_move_refuses_akten_in_the_aussonderung(org, bau, ordnung):
    doc = create(bau, org.anna)
    type(ordnung).objects.filter(pk=ordnung.pk).update(state=AkteState.BEWERTET_A)
    with pytest.raises(DocumentError, match="32-2020/0001 ist bewertet: archivwürdig und damit in der Aussonderung"):
        document_move(document=doc, by=org.admin, akte=ordnung)


# document_delete


def test_delete_only_without_content(org, bau):
    doc = create(bau, org.anna)
    with pytest.raises(DocumentError, match="verlässt die Akte nur durch die Aussonderung"):
        document_delete(document=doc, by=org.admin)
    empty = Document.objects.create(akte=bau, department=org.d63, title="ohne Version")
    OutboxEntry.objects.all().delete()
    document_delete(document=empty, by=org.admin)
    assert not Document.objects.filter(title="ohne Version").exists()
    assert AuditEvent.objects.filter(action="document.delete").get().before["title"] == "ohne Version"
    assert list(OutboxEntry.objects.values_list("op", flat=True)) == ["delete"]
