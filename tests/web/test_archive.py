"""The archive workspace (/aussonderung/): who may enter, the dashboard, the due list with filters and counts,
metadata without content, holds, runs through offer → 0502 → four-eyes approval → background execution →
protocol, cancel, tombstone and the audit trail."""

import time
from datetime import date

import pytest
from django.urls import reverse

from akten.models import Akte, AkteState, DisposalRun, Hold
from akten.services import akte_close, hold_place
from tests import factories
from tests.akten.test_aussonderung_helpers import bewertung_0502

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """The run's files, uploads and job status under this test's own data dir."""
    settings.DATA_DIR = tmp_path / "data"


def _closed(az, title, year, on=None, docs=1):
    akte = factories.akte(az, title, opened_on=date(year, 1, 10))
    for n in range(docs):
        factories.document(akte, f"Schriftstück {n + 1} zu {title}", text=f"Geheimer Inhalt {title}")
    return akte_close(akte=akte, on=on or date(year, 6, 1))


@pytest.fixture
def due(org, aktenplan):
    """Due today: two V Akten (63, 10 years, closed 2000/2001) and one A Akte (63.10, 30 years, closed 1980);
    not yet due: one closed 2020 (ends 2030); one due but held."""
    v1 = _closed("63-2000/0001", "Garage Birkenweg", 2000)
    v2 = _closed("63-2001/0002", "Zaun Lindenstraße", 2001)
    a1 = _closed("63.10-1980/0001", "Rathausanbau", 1980)
    later = _closed("63-2020/0003", "Carport Ahornweg", 2020)
    held = _closed("63-1999/0004", "Scheune Feldweg", 1999)
    hold_place(akte=held, reason="Rechtsstreit", by=org.archiv)
    return {"v1": v1, "v2": v2, "a1": a1, "later": later, "held": held}


def test_only_archivists_and_admins_enter(client, org):
    for user, code in ((org.archiv, 200), (org.admin, 200), (org.anna, 403), (org.scan, 403)):
        client.force_login(user)
        response = client.get(reverse("archive:start"))
        assert response.status_code == code, user
        if code == 403:
            assert "Kein Zugriff auf die Aussonderung" in response.content.decode()
            for name in ("archive:due", "archive:runs", "archive:holds", "archive:trail"):
                assert client.get(reverse(name)).status_code == 403


def test_dashboard_counts_due_upcoming_holds(client, org, due):
    client.force_login(org.archiv)
    html = client.get(reverse("archive:start")).content.decode()
    assert "3 Akten fällig" in html  # v1, v2, a1; not the held or the later one
    assert "63 Bauordnungsamt: 3" in html
    assert "Löschsperren in Kraft: 1" in html
    page = client.get(reverse("archive:start"))
    years = {r["year"]: r for r in page.context["upcoming"]}
    assert years[2030]["V"] == 1 and years[2030]["total"] == 1


def test_due_list_filters_counts_and_chips(client, org, due):
    client.force_login(org.archiv)
    page = client.get(reverse("archive:due"))
    assert [a.aktenzeichen for a in page.context["page"].object_list] == [
        "63-2000/0001",  # ends 31.12.2010
        "63.10-1980/0001",  # ends 31.12.2010 (30 years)
        "63-2001/0002",  # ends 31.12.2011
    ]
    html = page.content.decode()
    assert "Rathausanbau" in html and "1980" in html and "30 Jahre" in html
    assert "Alle <strong>3</strong> zum" in html  # the offer form names how many Akten it offers
    only_v = client.get(reverse("archive:due"), {"art": "V"})
    assert {a.aktenzeichen for a in only_v.context["page"].object_list} == {"63-2000/0001", "63-2001/0002"}
    assert only_v.context["counts"]["total"] == 2
    assert only_v.context["chips"][0]["label"] == "Aussonderungsart: V (vernichten)"
    unit = client.get(reverse("archive:due"), {"einheit": "63.10"})
    assert [a.aktenzeichen for a in unit.context["page"].object_list] == ["63.10-1980/0001"]
    year = client.get(reverse("archive:due"), {"jahr": "2011"})
    assert [a.aktenzeichen for a in year.context["page"].object_list] == ["63-2001/0002"]
    future = client.get(reverse("archive:due"), {"stichtag": "01.01.2031"})
    assert "63-2020/0003" in {a.aktenzeichen for a in future.context["page"].object_list}
    by_title = client.get(reverse("archive:due"), {"sort": "-betreff"})
    assert [a.title for a in by_title.context["page"].object_list] == [
        "Zaun Lindenstraße",
        "Rathausanbau",
        "Garage Birkenweg",
    ]
    assert 'aria-sort="descending"' in by_title.content.decode()
    bad = client.get(reverse("archive:due"), {"stichtag": "31.02.2020"})
    assert bad.status_code == 400 and "Fällig zum" in bad.content.decode()


def test_due_list_is_paginated_by_50(client, org, aktenplan):
    for n in range(51):
        akte = factories.akte(f"63-2000/{n + 1:04d}", f"Akte {n}", opened_on=date(2000, 1, 1))
        akte_close(akte=akte, on=date(2000, 6, 1))
    client.force_login(org.archiv)
    first = client.get(reverse("archive:due"), {"art": "V"})
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("archive:due"), {"art": "V", "page": 2})
    assert len(second.context["page"].object_list) == 1
    assert "art=V" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]


def test_archivist_sees_metadata_of_due_akten_but_not_their_content(client, org, due):
    client.force_login(org.archiv)
    akte = due["v1"]
    page = client.get(reverse("archive:akte", args=[akte.pk]))
    html = page.content.decode()
    assert "Garage Birkenweg" in html and "1 Dokument" in html
    assert "Geheimer Inhalt" not in html and "Schriftstück" not in html
    assert "nur, wenn Ihnen die Akte freigegeben ist" in html
    doc = akte.documents.get()
    assert client.get(reverse("akten:document_content", args=[akte.pk, doc.pk])).status_code == 404
    assert client.get(reverse("akten:akte_detail", args=[akte.pk])).status_code == 404
    # a grant opens the content, and the archive page then links to it
    from akten.services import akte_grant

    akte_grant(akte=akte, by=org.admin, user=org.archiv)
    assert client.get(reverse("akten:document_content", args=[akte.pk, doc.pk])).status_code == 200
    assert "Akte mit Inhalt öffnen" in client.get(reverse("archive:akte", args=[akte.pk])).content.decode()


def test_holds_placed_with_reference_released_and_listed(client, org, due):
    client.force_login(org.archiv)
    akte = due["v1"]
    response = client.post(
        reverse("archive:hold_place", args=[akte.pk]), {"grund": "Klage anhängig", "referenz": "VG 2 K 123/24"}
    )
    assert response.status_code == 302
    hold = Hold.objects.get(akte=akte)
    assert hold.reason == "Klage anhängig (Bezug: VG 2 K 123/24)" and hold.created_by == org.archiv
    listed = client.get(reverse("archive:holds"), {"q": "VG 2 K"})
    assert [h.pk for h in listed.context["page"].object_list] == [hold.pk]
    client.post(reverse("archive:hold_place", args=[akte.pk]), {"grund": " "})
    assert Hold.objects.filter(akte=akte).count() == 1  # a blank reason is refused
    ask = client.get(reverse("archive:hold_release", args=[akte.pk, hold.pk])).content.decode()
    assert "Danach ist die Akte fällig" in ask  # asked once, saying what the release means
    hold.refresh_from_db()
    assert hold.active
    client.post(reverse("archive:hold_release", args=[akte.pk, hold.pk]))
    hold.refresh_from_db()
    assert hold.released_by == org.archiv
    released = client.get(reverse("archive:holds"), {"status": "aufgehoben"})
    assert hold.pk in [h.pk for h in released.context["page"].object_list]
    history = client.get(reverse("archive:akte", args=[akte.pk])).content.decode()
    assert "Löschsperre gesetzt" in history and "Löschsperre aufgehoben" in history
    by_az = client.post(reverse("archive:hold_place_az"), {"aktenzeichen": "63-9999/9999", "grund": "x"}, follow=True)
    assert "gibt es nicht" in by_az.content.decode()


def test_scan_and_caseworker_cannot_place_holds_here(client, org, due):
    for user in (org.scan, org.anna):
        client.force_login(user)
        response = client.post(reverse("archive:hold_place", args=[due["v1"].pk]), {"grund": "x"})
        assert response.status_code == 403
    assert not Hold.objects.filter(akte=due["v1"]).exists()


def _offer(client, as_of="01.01.2026"):
    response = client.post(reverse("archive:offer"), {"stichtag": as_of})
    assert response.status_code == 302, response
    return DisposalRun.objects.latest("pk")


def _upload(client, run, decisions, name="bewertung.0502.xml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = bewertung_0502(str(run.uuid), decisions)
    return client.post(
        reverse("archive:run_upload", args=[run.pk]), {"datei": SimpleUploadedFile(name, data, "application/xml")}
    )


def test_offer_upload_and_four_eyes(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    assert run.state == "offered" and run.items.count() == 3
    zero_five = client.get(reverse("archive:run_file", args=[run.pk, "0501"]))
    assert zero_five.status_code == 200 and b"Anbieteverzeichnis.0501" in b"".join(zero_five.streaming_content)
    # the archive contradicts the proposal: keeps a V Akte (A) and discards the A Akte (V)
    response = _upload(client, run, {due["v1"].uuid: "A", due["v2"].uuid: "V", due["a1"].uuid: "V"})
    assert response.status_code == 302
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


def _wait_done(run, seconds=60, states=("approved", "executing")):
    """Until the background execution has ended (its status file says so) and the run left `executing`."""
    from web.archive import jobs

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        status = jobs.status_read(run) or {}
        if status.get("state") in ("fertig", "fehler") and run.state not in states:
            assert status["state"] == "fertig", status
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} still {run.state}: {jobs.status_read(run)}")


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


def _pdf_text(data: bytes) -> bytes:
    import io

    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    return "".join(page.get_textpage().get_text_range() for page in pdf).encode()


def test_trail_readable_and_verified(client, org, due):
    client.force_login(org.archiv)
    run = _offer(client)
    trail = client.get(reverse("archive:run_trail", args=[run.pk]), {"pruefen": "1"}).content.decode()
    assert "Aussonderung vorgeschlagen" in trail and "angeboten (0501 geschrieben)" in trail and "archiv" in trail
    assert "Prüfkette intakt" in trail
    overall = client.get(reverse("archive:trail")).content.decode()
    assert "Löschsperre gesetzt" in overall and "Prüfkette jetzt prüfen" in overall


@pytest.mark.django_db(transaction=True)
def test_partial_0506_with_a_failed_object_and_its_resend(client, org, aktenplan):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from akten.aussonderung.xdomea import ImportResult, build_0506

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
    run.refresh_from_db()
    assert run.state == "done"
    page = client.get(reverse("archive:run", args=[run.pk])).content.decode()
    assert "Erneute Abgabe Nr. 2 (0503)" in page and "Importbestätigung des Archivs (0506)" in page
    pdf = client.get(reverse("archive:run_file", args=[run.pk, "protokoll.pdf"]))
    assert b"Schulneubau" in _pdf_text(pdf.content)


def test_hold_requests_of_caseworkers_are_listed_and_decided(client, org, due):
    casework = pytest.importorskip("akten.casework")
    wanted = casework.hold_request_create(akte=due["v1"], by=org.anna, reason="Widerspruch", reference="W 12/26")
    other = casework.hold_request_create(akte=due["v2"], by=org.anna, reason="bitte prüfen")
    client.force_login(org.archiv)
    page = client.get(reverse("archive:holds")).content.decode()
    assert "Anträge der Sachbearbeitung (2 offen)" in page and "W 12/26" in page
    client.post(reverse("archive:hold_request_decide", args=[wanted.pk]), {"entscheidung": "setzen"})
    assert Hold.objects.get(akte=due["v1"], released_at=None).reason == "Widerspruch (Bezug: W 12/26)"
    refused = client.post(reverse("archive:hold_request_decide", args=[other.pk]), {"entscheidung": "ablehnen"})
    assert refused.status_code == 302
    other.refresh_from_db()
    assert other.state == "offen"  # declining needs a reason
    client.post(
        reverse("archive:hold_request_decide", args=[other.pk]), {"entscheidung": "ablehnen", "grund": "kein Anlass"}
    )
    other.refresh_from_db()
    assert other.state == "abgelehnt" and not Hold.objects.filter(akte=due["v2"]).exists()


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
