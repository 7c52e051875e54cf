"""Bestandsakten keep their history (issue 10): an Akte created by ingest takes its Betreff and Laufzeit from the
manifest (German or English column names) or its earliest document date, a manifest z.d.A. date closes it with
that date and its Aufbewahrungsende follows from it; documents split from a batch scan take the separator
sheet's title or the heading their text suggests."""

from datetime import date

import pytest

from akten.models import Akte, AkteState, Document
from scan_ingest import synth
from scan_ingest.services import ingest_run
from scan_ingest.suggest import suggest_date, suggest_title

from .conftest import page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "header",
    [
        "Datei;Aktenzeichen;Titel;Datum;Organisationseinheit;Aktentitel;Laufzeit von;Laufzeit bis;z.d.A.",
        "file;Aktenzeichen;title;date;department;akte_title;opened;until;closed",
    ],
)
def test_manifest_gives_the_new_akte_its_betreff_laufzeit_and_zda_date(aktenplan, org, scans, header):
    page(1).save(scans / "a.png", dpi=(150, 150))
    page(2).save(scans / "b.png", dpi=(150, 150))
    (scans / "m.csv").write_text(
        header + "\n"
        "a.png;63.10.02-1985/0007;Bauantrag;12.03.1985;63;Neubau Lindenstraße 3;01.02.1985;30.06.1988;30.06.1988\n"
        "b.png;63.10.02-1985/0007;Baugenehmigung;1986-05-02;63;Neubau Lindenstraße 3;01.02.1985;;\n",
        encoding="utf-8",
    )
    result = ingest_run(path=scans, manifest=scans / "m.csv", workers=1, user=org.scan)
    assert result["errors"] == []
    akte = Akte.objects.get(aktenzeichen="63.10.02-1985/0007")
    assert akte.title == "Neubau Lindenstraße 3" and akte.opened_on == date(1985, 2, 1)
    assert akte.state == AkteState.ZDA and akte.zda_date == date(1988, 6, 30)
    assert akte.aufbewahrungsende == date(2018, 12, 31), "30 years (63.10) from the real z.d.A. date"


def test_without_manifest_columns_the_laufzeit_starts_with_the_earliest_document(aktenplan, org, scans):
    page(1).save(scans / "a.png", dpi=(150, 150))
    page(2).save(scans / "b.png", dpi=(150, 150))
    (scans / "m.csv").write_text(
        "Datei;Aktenzeichen;Datum;Organisationseinheit\n"
        "a.png;63.10.02-1990/0001;03.04.1991;63\nb.png;63.10.02-1990/0001;01.09.1990;63\n",
        encoding="utf-8",
    )
    ingest_run(path=scans, manifest=scans / "m.csv", workers=1, user=org.scan)
    akte = Akte.objects.get(aktenzeichen="63.10.02-1990/0001")
    assert akte.opened_on == date(1990, 9, 1) and akte.state == AkteState.OFFEN
    assert akte.title == "Bestandsakte 63.10.02-1990/0001"


def test_a_zda_date_before_the_latest_document_is_reported_and_the_akte_stays_open(aktenplan, org, scans):
    page(1).save(scans / "a.png", dpi=(150, 150))
    (scans / "m.csv").write_text(
        "Datei;Aktenzeichen;Datum;Organisationseinheit;z.d.A.\na.png;63.10.02-1990/0002;03.04.1991;63;01.01.1991\n",
        encoding="utf-8",
    )
    ingest_run(path=scans, manifest=scans / "m.csv", workers=1, user=org.scan)
    akte = Akte.objects.get(aktenzeichen="63.10.02-1990/0002")
    assert akte.state == AkteState.OFFEN
    from scan_ingest.models import IngestBatch

    assert "das z.d.A.-Datum 01.01.1991 liegt vor" in IngestBatch.objects.get().failure


def test_split_documents_take_the_separator_title_or_the_suggested_heading(aktenplan, org, scans):
    sep = synth.separator_page
    heading = synth.text_page("Widerspruchsbescheid\n\nDer Widerspruch wird zurückgewiesen.", dpi=150, seed=3)
    pages = [sep("DMS:AKTE:63.10.02-1998/0042", dpi=150), page(1), sep("DMS:DOK:Anlage Lageplan", dpi=150), page(2)]
    pages += [sep("DMS:DOK", dpi=150), heading]
    synth.save_pdf(pages, scans / "stapel.pdf", 150)
    result = ingest_run(path=scans, workers=1, user=org.scan)
    titles = [Document.objects.get(pk=d["id"]).title for d in result["documents"]]
    assert titles[1] == "Anlage Lageplan" and titles[2] == "Widerspruchsbescheid"
    assert not any("(Seiten" in t and "stapel" not in t for t in titles)


def test_suggestions_from_the_text():
    text = "Stadt Aachen\n52062 Aachen\nAachen, den 12.03.1998\nBetreff: Bauantrag Gartenweg 12\nSehr geehrte"
    assert suggest_date(text) == date(1998, 3, 12) and suggest_title(text) == "Bauantrag Gartenweg 12"
    assert suggest_date("Eingang am 3. Mai 2001, Bescheid vom 1.1.1999") == date(2001, 5, 3)
    assert suggest_title("Bescheid über die Baugenehmigung\nSehr geehrte Damen und Herren,") == (
        "Bescheid über die Baugenehmigung"
    )
    assert suggest_date("31.02.1999 und 2099-01-01") is None and suggest_title("") is None
