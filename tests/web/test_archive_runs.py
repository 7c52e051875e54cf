"""Disposal runs in the archive workspace: offer and 0501, the archive's 0502 (differences to the proposal, a bad
file refused), four-eyes approval, execution in the background (one at a time) with protocol (HTML, PDF) and
tombstone, the 0506 with a failed object and its resend, an interrupted removal resumed, cancel, the exchange
folder, an admin's view. Builders and fixtures are those of test_archive.py."""

import pytest
from django.urls import reverse

from akten.models import Akte, AkteState
from akten.services import hold_place
from tests.akten.test_aussonderung_helpers import bewertung_0502
from tests.web.test_archive import (  # noqa: F401  (fixtures and builders)
    _closed,
    _offer,
    _own_data_dir,
    _pdf_text,
    _upload,
    _wait_done,
    due,
)

pytestmark = pytest.mark.django_db


def test_offer_upload_and_four_eyes(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    assert run.state == "offered" and run.items.count() == 3
    zero_five = client.get(reverse("archive:run_file", args=[run.pk, "0501"]))
    assert zero_five.status_code == 200 and b"Anbieteverzeichnis.0501" in b"".join(zero_five.streaming_content)
    # the archive contradicts the proposal: keeps a V Akte (A) and discards the A Akte (V)
    response = _upload(client, run, {due["v1"].uuid: "A", due["v2"].uuid: "V", due["a1"].uuid: "V"})
    assert response.status_code == 302
    note = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "2 anders als vorgeschlagen" in note and "die 0505 ist geschrieben" in note
    run.refresh_from_db()
    assert run.state == "evaluated"
    page = client.get(reverse("archive:run", args=[run.pk]))
    html = page.content.decode()
    assert "2 weichen vom Vorschlag ab" in html and html.count(">weicht ab<") == 2
    # the proposer: button disabled with the reason, and the POST refused
    assert "Vier-Augen-Prinzip" in html and 'disabled aria-describedby="freigabe-hinweis"' in html
    refused = client.post(reverse("archive:run_approve", args=[run.pk]))
    assert refused.status_code == 403 and "Freigabe verweigert" in refused.content.decode()
    run.refresh_from_db()
    assert run.state == "evaluated"
    client.force_login(org.archiv2)
    assert (
        'disabled aria-describedby="freigabe-hinweis"'
        not in client.get(reverse("archive:run", args=[run.pk])).content.decode()
    )
    client.post(reverse("archive:run_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == "approved" and run.approved_by == org.archiv2


def test_offer_a_selection_from_the_due_list(client, org, due):
    """The due list ticks Akten into the offer form (plain form, no script); "Auswahl anbieten" offers only those,
    "Alle fälligen anbieten" the rest; a ticked Akte that is not due is refused by its Aktenzeichen."""
    from akten.models import DisposalRun

    client.force_login(org.archiv)
    page = client.get(reverse("archive:due"), {"stichtag": "01.01.2026"}).content.decode()
    assert f'name="akten" value="{due["v1"].pk}" form="anbieten"' in page
    assert ">Auswahl anbieten</button>" in page and ">Alle fälligen anbieten</button>" in page
    back = reverse("archive:due") + "?stichtag=01.01.2026&oe=63"
    post = {"stichtag": "01.01.2026", "next": back}
    none = client.post(reverse("archive:offer"), {**post, "umfang": "auswahl"}, follow=True)
    assert "bitte mindestens eine Akte in der Liste ankreuzen" in none.content.decode()
    assert none.redirect_chain[-1][0] == back  # back to the list as it was
    held = client.post(
        reverse("archive:offer"), {**post, "umfang": "auswahl", "akten": [due["v1"].pk, due["held"].pk]}, follow=True
    )
    assert "63-1999/0004 trägt eine Löschsperre" in held.content.decode() and not DisposalRun.objects.exists()
    response = client.post(reverse("archive:offer"), {**post, "umfang": "auswahl", "akten": [due["v1"].pk]})
    run = DisposalRun.objects.get()
    assert response.status_code == 302 and [i.akte_id for i in run.items.all()] == [due["v1"].pk]
    again = client.post(reverse("archive:offer"), {**post, "umfang": "auswahl", "akten": [due["v1"].pk]}, follow=True)
    assert f"63-2000/0001 ist bereits in Aussonderung {run.pk}" in again.content.decode()
    client.post(reverse("archive:offer"), {**post, "umfang": "alle"})
    rest = DisposalRun.objects.latest("pk")
    assert rest != run and {i.akte_id for i in rest.items.all()} == {due["v2"].pk, due["a1"].pk}


def test_a_bad_0502_is_refused_in_german_naming_the_file(client, org, due):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.archiv)
    run = _offer(client)
    bad = SimpleUploadedFile("kaputt.0502.xml", b"<nicht-xdomea/>", "application/xml")
    page = client.post(reverse("archive:run_upload", args=[run.pk]), {"datei": bad}, follow=True)
    assert "Die Datei kaputt.0502.xml wurde nicht übernommen" in page.content.decode()
    wrong = SimpleUploadedFile("bewertung.pdf", b"%PDF", "application/pdf")
    page = client.post(reverse("archive:run_upload", args=[run.pk]), {"datei": wrong}, follow=True)
    assert "weder XML noch ZIP" in page.content.decode()
    run.refresh_from_db()
    assert run.state == "offered"


def test_cancel_an_offered_run_returns_the_akten_to_due(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    assert Akte.objects.get(pk=due["v1"].pk).state == AkteState.ANGEBOTEN
    confirm = client.get(reverse("archive:run_cancel", args=[run.pk])).content.decode()
    assert "3 Akten" in confirm
    client.post(reverse("archive:run_cancel", args=[run.pk]), {"grund": "Archiv bittet um neue Anbietung"})
    run.refresh_from_db()
    assert run.state == "cancelled"
    listed = client.get(reverse("archive:runs"), {"status": "abgebrochen"})
    assert [r.pk for r in listed.context["page"].object_list] == [run.pk]
    assert listed.context["chips"][0]["label"] == "Status: abgebrochen"
    assert not client.get(reverse("archive:runs"), {"status": "offen"}).context["page"].object_list
    assert Akte.objects.get(pk=due["v1"].pk).state == AkteState.ZDA
    assert client.get(reverse("archive:due")).context["counts"]["total"] == 3


@pytest.mark.django_db(transaction=True)
def test_execute_in_background_protocol_and_tombstone(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    _upload(client, run, {due["v1"].uuid: "V", due["v2"].uuid: "V", due["a1"].uuid: "A"})
    hold_place(akte=due["v2"], reason="Nachträgliche Sperre", by=org.archiv)  # placed after the offer
    client.force_login(org.archiv2)
    client.post(reverse("archive:run_approve", args=[run.pk]))
    ask = client.get(reverse("archive:run_execute", args=[run.pk])).content.decode()
    assert "1 Akte</strong> werden vernichtet" in ask and "1 Akte mit Löschsperre" in ask
    response = client.post(reverse("archive:run_execute", args=[run.pk]))
    assert response.status_code == 302  # returns at once; the work runs in the background
    progress = client.get(reverse("archive:run_progress", args=[run.pk]))
    assert progress.status_code == 200 and "Akten" in progress.content.decode()
    run = _wait_done(run)
    from django.db import connection

    from web.archive import jobs

    if connection.vendor == "postgresql":  # a real process; on in-memory SQLite the worker runs inline
        assert jobs.status_read(run)["mode"] == "process"
    assert client.get(reverse("archive:run_progress", args=[run.pk]))["HX-Refresh"] == "true"
    assert Akte.objects.get(pk=due["v2"].pk).state != AkteState.VERNICHTET  # the hold won
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "Vernichtungsprotokoll (PDF)" in page
    html = client.get(reverse("archive:run_file", args=[run.pk, "protokoll.html"]))
    assert "Vernichtungs- und Abgabeprotokoll" in b"".join(html.streaming_content).decode()
    pdf = client.get(reverse("archive:run_file", args=[run.pk, "protokoll.pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert due["v1"].aktenzeichen.encode() in _pdf_text(pdf.content)
    # the tombstone: the archive and whoever could see the Akte; others not
    stone = client.get(reverse("archive:tombstone", args=[due["v1"].pk])).content.decode()
    assert "vernichtet" in stone and f"Nr. {run.pk}" in stone and "SHA-256" in stone
    client.force_login(org.anna)  # caseworker of 63, the lead department
    assert client.get(reverse("archive:tombstone", args=[due["v1"].pk])).status_code == 200
    for outsider in (org.bernd, org.scan):  # another department; the scan role
        client.force_login(outsider)
        assert client.get(reverse("archive:tombstone", args=[due["v1"].pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_partial_0506_with_a_failed_object_and_its_resend(client, org, aktenplan):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from akten.aussonderung.xdomea import ImportResult, build_0506
    from web.archive import jobs

    a1 = _closed("63.10-1980/0001", "Rathausanbau", 1980)
    a2 = _closed("63.10-1981/0002", "Schulneubau", 1981)
    client.force_login(org.archiv)
    run = _offer(client)
    _upload(client, run, {a1.uuid: "A", a2.uuid: "A"})
    client.force_login(org.archiv2)
    client.post(reverse("archive:run_approve", args=[run.pk]))
    client.post(reverse("archive:run_execute", args=[run.pk]))
    run = _wait_done(run)
    assert run.state == "awaiting_import"
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "2 Akten warten schreibgeschützt auf die Importbestätigung" in page
    assert Akte.objects.get(pk=a1.pk).state == AkteState.ABGABE_AUSSTEHEND

    def upload_0506(prozess_id, results, name):
        data = build_0506(prozess_id=str(prozess_id), created=timezone.now(), results=results)
        f = SimpleUploadedFile(name, data, "application/xml")
        return client.post(reverse("archive:run_upload", args=[run.pk]), {"datei": f}, follow=True)

    failed = ImportResult(ok=False, errors=("Primärdatei nicht lesbar",))
    result = upload_0506(run.uuid, {str(a1.uuid): True, str(a2.uuid): failed}, "import.0506.xml")
    assert "Import fehlgeschlagen: 63.10-1981/0002 (Primärdatei nicht lesbar)" in result.content.decode()
    assert "sie werden im Hintergrund gelöscht" in result.content.decode()
    # the confirmed Akte is removed by the workspace's background worker (run_complete), not in the request
    assert (jobs.status_read(run) or {}).get("work") == "complete"
    run = _wait_done(run, states=())
    assert Akte.objects.get(pk=a1.pk).state == AkteState.ABGEGEBEN
    assert Akte.objects.get(pk=a2.pk).state == AkteState.ABGABE_AUSSTEHEND  # kept until confirmed
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "1 fehlgeschlagene Akte erneut senden" in page and "Primärdatei nicht lesbar" in page
    again = upload_0506(run.uuid, {str(a1.uuid): True, str(a2.uuid): failed}, "import.0506.xml")
    assert "wurde nicht übernommen" in again.content.decode()  # a repeat is refused whole
    client.post(reverse("archive:run_resend", args=[run.pk]))
    resend = run.transfers.get(number=2)
    assert resend.akte_uuids == [str(a2.uuid)]
    assert client.get(reverse("archive:run_file", args=[run.pk, "0503-2"])).status_code == 200
    upload_0506(resend.prozess_id, {str(a2.uuid): True}, "import2.0506.xml")
    run = _wait_done(run, states=("awaiting_import",))
    assert run.state == "done"
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "Erneute Abgabe Nr. 2 (0503)" in page and "Importbestätigung des Archivs (0506)" in page
    pdf = client.get(reverse("archive:run_file", args=[run.pk, "protokoll.pdf"]))
    assert b"Schulneubau" in _pdf_text(pdf.content)


def test_exchange_folder_is_read_from_the_dashboard(client, org, due, settings, tmp_path):
    settings.DMS_XDOMEA_EXCHANGE_DIR = str(tmp_path / "austausch")
    client.force_login(org.archiv)
    run = _offer(client)
    inbox = tmp_path / "austausch" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "bewertung.0502.xml").write_bytes(bewertung_0502(str(run.uuid), {due["v1"].uuid: "V"}))
    (inbox / "notiz.txt").write_text("kein xdomea")
    assert "2 Dateien des Archivs im Eingang" in client.get(reverse("archive:start")).content.decode()
    page = client.post(reverse("archive:exchange"), follow=True).content.decode()
    assert "bewertung.0502.xml: Nachricht 0502 eingelesen" in page
    assert "notiz.txt: abgelehnt und nach error/ gelegt" in page
    run.refresh_from_db()
    assert run.state == "evaluated"


def test_one_execution_per_run_at_a_time(client, org, due):
    """While a worker holds the run's lock, a second start is refused and a second worker does nothing."""
    import fcntl
    import os

    from web.archive import jobs, worker

    client.force_login(org.archiv)
    run = _offer(client)
    _upload(client, run, {due["v1"].uuid: "V", due["v2"].uuid: "V", due["a1"].uuid: "V"})
    client.force_login(org.archiv2)
    client.post(reverse("archive:run_approve", args=[run.pk]))
    fd = os.open(jobs.lock_path(run), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a running worker does
    try:
        jobs.status_write(run, state="läuft", mode="process", pid=os.getpid(), started="")
        assert jobs.running(run)
        page = client.post(reverse("archive:run_execute", args=[run.pk]), follow=True).content.decode()
        assert "wird bereits durchgeführt" in page
        worker.execute(run.pk, org.archiv2.pk, str(jobs.out_dir()))  # a second worker: returns at once
        run.refresh_from_db()
        assert run.state == "approved"
        assert "Läuft im Hintergrund" in client.get(reverse("archive:run_progress", args=[run.pk])).content.decode()
    finally:
        os.close(fd)
    assert not jobs.running(run)  # the lock is gone: the page offers to go on


def test_protocol_pdf_holds_every_akte_and_hash_over_several_pages():
    """The PDF is drawn from the machine-readable protocol: every Akte and object hash is in its text."""
    import uuid as uuidlib

    from akten.models import DisposalRun
    from web.archive.pdf import protocol_pdf

    akten = [
        {
            "aktenzeichen": f"63-2000/{n:04d}",
            "uuid": str(uuidlib.uuid4()),
            "title": f"Akte Nummer {n} über „Umlaute“ – äöüß",
            "department": "63",
            "zda": "2000-06-01",
            "aufbewahrungsende": "2010-12-31",
            "proposal": "V",
            "decision": "V",
            "outcome": "vernichtet",
            "how": "gelöscht",
            "at": "2031-01-02T10:00:00",
            "documents": ["d"],
            "vorgaenge": [],
            "objects": [
                {
                    "role": "original",
                    "version": 1,
                    "document": "d",
                    "sha256": f"{n:064x}",
                    "size": 10,
                    "result": "deleted",
                }
            ],
        }
        for n in range(80)
    ]
    person = {"file": "x.xml", "sha256": "ab" * 32, "at": "2031-01-01"}
    protocol = {
        "title": "Aussonderung: Vernichtungs- und Abgabeprotokoll",
        "run": 7,
        "prozess_id": str(uuidlib.uuid4()),
        "as_of": "2031-01-01",
        "decision": {
            "proposed_by": "archiv",
            "proposed_at": "2031-01-01",
            "offer": person,
            "evaluation": {**person, "imported_by": "archiv"},
            "approved_by": "archiv2",
            "approved_at": "2031-01-01",
        },
        "state": "done",
        "execution": {"by": "archiv2", "started_at": "2031-01-02", "done_at": "2031-01-02"},
        "transfer": None,
        "transfers": [],
        "summary": {"akten": 80, "vernichtet": 80, "objects_deleted": 80, "objects_shared": 0, "objects_locked": 0},
        "akten": akten,
    }
    text = _pdf_text(protocol_pdf(DisposalRun(pk=7, protocol=protocol, protocol_sha256="cd" * 32))).decode()
    import pypdfium2

    assert len(pypdfium2.PdfDocument(protocol_pdf(DisposalRun(pk=7, protocol=protocol, protocol_sha256="x")))) > 2
    for n in (0, 41, 79):
        assert f"63-2000/{n:04d}" in text and f"{n:064x}" in text
    assert "„Umlaute“ – äöüß" in text and "cd" * 32 in text and "80 vernichtet" in text


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_removal_after_a_0506_is_resumed_from_the_page(client, org, aktenplan):
    from akten.models import DisposalItem

    a1 = _closed("63.10-1980/0001", "Rathausanbau", 1980)
    client.force_login(org.archiv)
    run = _offer(client)
    _upload(client, run, {a1.uuid: "A"})
    client.force_login(org.archiv2)
    client.post(reverse("archive:run_approve", args=[run.pk]))
    client.post(reverse("archive:run_execute", args=[run.pk]))
    run = _wait_done(run)
    # what a 0506 leaves when the removal of the confirmed Akte was interrupted
    DisposalItem.objects.filter(run=run).update(state="import_confirmed")
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "1 bestätigte Akte noch nicht gelöscht" in page and "Löschen fortsetzen (1 Akte)" in page
    client.post(reverse("archive:run_execute", args=[run.pk]))
    run = _wait_done(run, states=("approved", "executing", "awaiting_import"))
    assert run.state == "done" and Akte.objects.get(pk=a1.pk).state == AkteState.ABGEGEBEN


def test_an_admin_sees_the_run_but_its_steps_are_the_archives(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    _upload(client, run, {due["v1"].uuid: "V"})
    client.force_login(org.admin)
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "Freigeben darf nur das Archiv" in page and "Aussonderung abbrechen" not in page
    refused = client.post(reverse("archive:run_approve", args=[run.pk]))
    assert refused.status_code == 409 and "hat nicht die Rolle Archiv" in refused.content.decode()
    run.refresh_from_db()
    assert run.state == "evaluated"
