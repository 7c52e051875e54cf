"""The archive workspace (/aussonderung/): who may enter, the dashboard, the due list with filters, counts, sort and
pages, metadata without content, holds and hold requests, the audit trail. The runs are in test_archive_runs.py,
which uses the fixtures and builders defined here."""

import time
from datetime import date

import pytest
from django.urls import reverse

from akten.models import DisposalRun, Hold
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
    assert "alle <strong>3</strong> zum" in html  # the offer form names how many Akten it offers
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
    assert (hold.reason, hold.reference, hold.created_by) == ("Klage anhängig", "VG 2 K 123/24", org.archiv)
    listed = client.get(reverse("archive:holds"), {"q": "VG 2 K"})  # found by its reference
    assert [h.pk for h in listed.context["page"].object_list] == [hold.pk]
    row = listed.content.decode()
    assert "<td>Klage anhängig</td><td>VG 2 K 123/24</td>" in row  # reason and reference in their own columns
    client.post(reverse("archive:hold_place", args=[akte.pk]), {"grund": " "})
    assert Hold.objects.filter(akte=akte).count() == 1  # a blank reason is refused
    ask = client.get(reverse("archive:hold_release", args=[akte.pk, hold.pk])).content.decode()
    assert "Danach ist die Akte fällig" in ask  # asked once, saying what the release means
    assert 'name="grund" required' in ask and "Grund der Aufhebung" in ask  # the reason is asked for
    hold.refresh_from_db()
    assert hold.active
    no_reason = client.post(reverse("archive:hold_release", args=[akte.pk, hold.pk]), {"grund": "  "})
    assert no_reason.status_code == 400
    assert "Grund der Aufhebung: bitte angeben, warum die Löschsperre aufgehoben wird" in no_reason.content.decode()
    hold.refresh_from_db()
    assert hold.active  # no reason, no release
    client.post(reverse("archive:hold_release", args=[akte.pk, hold.pk]), {"grund": "Klage zurückgenommen"})
    hold.refresh_from_db()
    assert hold.released_by == org.archiv and hold.release_reason == "Klage zurückgenommen"
    released = client.get(reverse("archive:holds"), {"status": "aufgehoben"})
    assert hold.pk in [h.pk for h in released.context["page"].object_list]
    assert "Klage zurückgenommen" in released.content.decode()
    history = client.get(reverse("archive:akte", args=[akte.pk])).content.decode()
    assert "Löschsperre gesetzt" in history and "Löschsperre aufgehoben" in history
    assert "VG 2 K 123/24" in history and "Grund: Klage zurückgenommen" in history
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


def test_hold_requests_of_caseworkers_are_listed_and_decided(client, org, due):
    casework = pytest.importorskip("akten.casework")
    wanted = casework.hold_request_create(akte=due["v1"], by=org.anna, reason="Widerspruch", reference="W 12/26")
    other = casework.hold_request_create(akte=due["v2"], by=org.anna, reason="bitte prüfen")
    client.force_login(org.archiv)
    page = client.get(reverse("archive:holds")).content.decode()
    assert "Anträge der Sachbearbeitung (2 offen)" in page and "W 12/26" in page
    client.post(reverse("archive:hold_request_decide", args=[wanted.pk]), {"entscheidung": "setzen"})
    placed = Hold.objects.get(akte=due["v1"], released_at=None)
    assert (placed.reason, placed.reference) == ("Widerspruch", "W 12/26")
    refused = client.post(reverse("archive:hold_request_decide", args=[other.pk]), {"entscheidung": "ablehnen"})
    assert refused.status_code == 302
    other.refresh_from_db()
    assert other.state == "offen"  # declining needs a reason
    client.post(
        reverse("archive:hold_request_decide", args=[other.pk]), {"entscheidung": "ablehnen", "grund": "kein Anlass"}
    )
    other.refresh_from_db()
    assert other.state == "abgelehnt" and not Hold.objects.filter(akte=due["v2"]).exists()
