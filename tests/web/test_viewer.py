"""The caseworker's document viewer: page images rendered from the stored rendition and cached, the OCR text
beside them, one audited read per document view (not per image), search hits opened at their page with the
words boxed on the image (also the matched part of a compound), page numbers of the rendition when blank pages
were left out, downloads with real names, and a 404 for everything of another department's document."""

import hashlib
import threading
from datetime import date
from urllib.parse import quote

import pytest
from django.db import transaction

from akten.models import Document, DocumentVersion, Page
from dms.models import AuditEvent
from dms.outbox import outbox_enqueue
from dms.services import stored_object_put
from search.services import outbox_drain
from tests import factories
from tests.web.pdfs import text_pdf
from web.caseworker import render

pytestmark = pytest.mark.django_db

PAGE_1 = [(72, 760, "Bauantrag Müller"), (72, 700, "Baugenehmigungsverfahren läuft")]
PAGE_2 = [(72, 760, "Statik"), (300, 400, "Standsicherheit nachgewiesen")]


@pytest.fixture(autouse=True)
def _render_cache(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(autouse=True)
def _without_edit_buttons(settings, tmp_path):
    """The viewer on its own: the edit buttons' includes (web/caseworker/edits.py, tested there) left empty."""
    folder = tmp_path / "templates" / "caseworker"
    folder.mkdir(parents=True)
    for name in ("_akte_actions.html", "_document_actions.html"):
        (folder / name).write_text("")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]


def make_pdf_document(akte, *, pages_pdf, page_rows, title="Bauantrag Müller/Öztürk", original=b"%PDF-1.4 original"):
    """A document whose rendition is `pages_pdf`; `page_rows` are (text, blank) per stored (source) page."""
    rendition = stored_object_put(data=pages_pdf, media_type="application/pdf")
    source = stored_object_put(data=original, media_type="application/pdf")
    with transaction.atomic():
        doc = Document.objects.create(
            akte=akte,
            department=akte.lead_department,
            title=title,
            document_type="Bauantrag",
            date=date(2020, 5, 4),
        )
        version = DocumentVersion.objects.create(document=doc, number=1, original=source, rendition=rendition)
        Page.objects.bulk_create(
            Page(version=version, number=i, text=text, blank=blank, confidence=None if blank else 91.5)
            for i, (text, blank) in enumerate(page_rows, 1)
        )
        outbox_enqueue(document_ids=[doc.pk])
    return doc


@pytest.fixture
def akten(org, aktenplan):
    bau = factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße 4")
    ordnung = factories.akte("32-2020/0001", "Sondernutzung Marktplatz")
    return bau, ordnung


@pytest.fixture
def doc(akten):
    """Three source pages, the middle one blank and left out of the two-page rendition."""
    return make_pdf_document(
        akten[0],
        pages_pdf=text_pdf([PAGE_1, PAGE_2]),
        page_rows=[
            ("Bauantrag Müller\nBaugenehmigungsverfahren läuft", False),
            ("", True),
            ("Statik\nStandsicherheit nachgewiesen", False),
        ],
    )


def reads(doc) -> int:
    return AuditEvent.objects.filter(action="document.read", object_id=str(doc.pk)).count()


def url(doc, rest=""):
    return f"/akten/{doc.akte_id}/dokumente/{doc.pk}/{rest}"


def test_document_page_shows_pages_text_and_facts_and_audits_one_read(client, org, doc):
    client.force_login(org.anna)
    page = client.get(url(doc))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Seite 1 von 2", "Baugenehmigungsverfahren läuft", "Bauantrag", "04.05.2020", "63.10.02-2020/0001"):
        assert text in html, text
    assert "Seite 2 der Vorlage als leer ausgelassen" in html
    assert html.count(f'src="{url(doc, "seiten/")}') == 3  # two thumbnails and the large page
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert reads(doc) == 1
    for number, width in ((1, render.THUMB), (2, render.THUMB), (1, 1000)):
        image = client.get(url(doc, f"seiten/{number}/"), {"w": width})
        assert image.status_code == 200 and image["Content-Type"] == "image/png"  # black text: grey PNG
        body = b"".join(image.streaming_content)
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert reads(doc) == 1  # images are not reads of their own
    second = client.get(url(doc), {"seite": 2}).content.decode()
    assert "Seite 2 von 2" in second and "Standsicherheit nachgewiesen" in second and 'rel="prev"' in second
    assert "Seite 3 der Vorlage" in second  # the text beside rendition page 2 is stored page 3
    assert reads(doc) == 2


def test_page_images_are_cached_by_content_hash(client, org, doc):
    client.force_login(org.anna)
    client.get(url(doc))
    first = client.get(url(doc, "seiten/1/"), {"w": 700})
    assert first["X-Render-Cache"] == "miss"
    again = client.get(url(doc, "seiten/1/"), {"w": 700})
    assert again["X-Render-Cache"] == "hit"
    assert b"".join(first.streaming_content) == b"".join(again.streaming_content)
    sha = doc.current_version.rendition.sha256
    assert (render.cache_root() / "img" / sha[:2] / f"{sha}-1-700.png").exists()
    assert client.get(url(doc, "seiten/3/"), {"w": 700}).status_code == 404  # no such page
    assert client.get(url(doc, "seiten/1/"), {"w": 333}).status_code == 404  # width not offered


def test_a_damaged_cached_copy_is_not_rendered_from(client, org, doc):
    client.force_login(org.anna)
    client.get(url(doc))
    sha = doc.current_version.rendition.sha256
    cached = render.cache_root() / "pdf" / sha[:2] / f"{sha}.pdf"
    cached.write_bytes(text_pdf([[(72, 700, "Gefälscht")]]))
    assert client.get(url(doc, "seiten/1/"), {"w": 700}).status_code == 200
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == sha  # fetched again through the checked path


def test_concurrent_renders_of_one_page_all_succeed(org, doc):
    version = doc.current_version
    render.open_for_view(document=doc, user=org.anna, version=version)
    results, errors = [], []

    def one():
        try:
            results.append(render.page_image(document=doc, user=org.anna, version=version, page=2, width=1400))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 6
    folder = results[0].path.parent
    assert sorted(p.name for p in folder.iterdir()) == [results[0].path.name]  # no temporary files left
    assert len({r.path.read_bytes() for r in results}) == 1


def test_other_departments_document_is_not_found_page_images_and_text_included(client, org, akten, doc):
    client.force_login(org.bernd)
    for path in ("", "inhalt/", "inhalt/?datei=original", "seiten/1/?w=160", "?seite=1&q=Bauantrag"):
        assert client.get(url(doc, path)).status_code == 404, path
    ordnung = akten[1]
    theirs = make_pdf_document(ordnung, pages_pdf=text_pdf([PAGE_1]), page_rows=[("Bauantrag", False)])
    client.force_login(org.anna)
    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(theirs, "seiten/1/?w=160")).status_code == 404
    assert client.get(f"/akten/{ordnung.pk}/dokumente/{doc.pk}/").status_code == 404  # wrong Akte in the URL
    assert reads(doc) == 0 and reads(theirs) == 0


def test_search_hit_opens_at_the_rendition_page_with_the_word_boxed(client, org, doc):
    outbox_drain()
    client.force_login(org.anna)
    html = client.get("/suche/", {"q": "Standsicherheit"}).content.decode()
    # stored page 3 is page 2 of the rendition: the blank page 2 was left out
    assert "Seite 2" in html and "Seite 3" not in html
    assert f'href="{url(doc)}?seite=2&amp;q=Standsicherheit"' in html
    page = client.get(url(doc), {"seite": 2, "q": "Standsicherheit"}).content.decode()
    assert page.count('class="hit"') == 1 and "1 Fundstelle auf Seite 2" in page
    [box] = render.term_boxes(render._cached_pdf(doc.current_version.rendition), 2, ["Standsicherheit"])
    # "Standsicherheit" starts at x=300 of 595 and y=400 of 842 from the bottom
    assert 50 < box.left < 52 and 50 < box.top < 53 and box.width > 10  # (842 - 400) / 842 is the baseline


def test_the_matched_part_of_a_compound_is_boxed_not_the_whole_word(doc, org):
    render.open_for_view(document=doc, user=org.anna, version=doc.current_version)
    pdf = render._cached_pdf(doc.current_version.rendition)
    [whole] = render.term_boxes(pdf, 1, ["Baugenehmigungsverfahren"])
    [part] = render.term_boxes(pdf, 1, ["genehmigung"])
    assert whole.left < part.left and part.left + part.width < whole.left + whole.width
    assert part.width < whole.width / 2


def test_boxes_follow_a_rotated_page(org, akten):
    rotated = make_pdf_document(
        akten[0], pages_pdf=text_pdf([[(300, 400, "Querformat")]], rotate=90), page_rows=[("Querformat", False)]
    )
    render.open_for_view(document=rotated, user=org.anna, version=rotated.current_version)
    [box] = render.term_boxes(render._cached_pdf(rotated.current_version.rendition), 1, ["Querformat"])
    # turned clockwise: the text line runs downwards, so the box is taller than wide, inside the page
    assert box.height > box.width and 0 <= box.left <= 100 and 0 <= box.top <= 100


def test_downloads_carry_real_file_names(client, org, doc):
    client.force_login(org.anna)
    rendition = client.get(url(doc, "inhalt/"), {"download": 1})
    assert rendition.status_code == 200
    name = "63.10.02-2020-0001_Bauantrag_Müller-Öztürk"
    assert rendition["Content-Disposition"].startswith("attachment;")
    assert f"filename*=utf-8''{quote(name)}.pdf" in rendition["Content-Disposition"]
    original = client.get(url(doc, "inhalt/"), {"datei": "original", "download": 1})
    assert f"{quote(name + '_Original')}.pdf" in original["Content-Disposition"]
    assert b"".join(original.streaming_content) == b"%PDF-1.4 original"
    assert client.get(url(doc, "inhalt/"), {"datei": "geheim"}).status_code == 404
    assert reads(doc) == 2


@pytest.mark.slow
def test_an_ingested_scan_with_a_blank_page_is_found_and_marked_on_its_rendition_page(client, org, akten, tmp_path):
    """End to end through OCR: source pages 1, blank, 3; the word of source page 3 is on rendition page 2, boxed
    from the rendition's own text layer."""
    from scan_ingest import synth
    from scan_ingest.services import ingest_run

    first, last = "Grundstücksteilung im Außenbereich genehmigt.", "Standsicherheitsnachweis liegt vollständig vor."
    synth.save_pdf(
        [
            synth.text_page(first, dpi=150, seed=1),
            synth.blank_page(dpi=150),
            synth.text_page(last, dpi=150, seed=3),
        ],
        tmp_path / "scan.pdf",
        150,
    )
    result = ingest_run(path=tmp_path / "scan.pdf", akte=akten[0].aktenzeichen, workers=1, user=org.scan)
    scanned = Document.objects.get(pk=result["documents"][0]["id"])
    assert list(scanned.current_version.pages.values_list("blank", flat=True)) == [False, True, False]
    outbox_drain()
    client.force_login(org.anna)
    html = client.get("/suche/", {"q": "Standsicherheitsnachweis"}).content.decode()
    assert f'href="{url(scanned)}?seite=2&amp;q=Standsicherheitsnachweis"' in html
    page = client.get(url(scanned), {"seite": 2, "q": "nachweis"}).content.decode()
    assert "Seite 2 von 2" in page and 'class="hit"' in page  # the part of the compound, on the OCR text layer


def test_a_stored_file_pdfium_cannot_open_shows_its_text_and_downloads(client, org, akten):
    broken = make_pdf_document(
        akten[0], pages_pdf=b"%PDF-1.4 kaputt", page_rows=[("Erste Seite", False), ("Zweite Seite", False)]
    )
    client.force_login(org.anna)
    html = client.get(url(broken), {"seite": 2, "q": "Seite"}).content.decode()
    assert "lässt sich aber nicht als Seitenbild darstellen" in html and "Zweite Seite" in html
    assert "Seite 2 von 2" in html
    assert client.get(url(broken, "seiten/1/"), {"w": 160}).status_code == 404
    assert client.get(url(broken, "inhalt/")).status_code == 200


def _ink_runs(pdf, page: int, top: float, bottom: float) -> list[tuple[float, float]]:
    """Horizontal runs of dark pixels between top and bottom (percent of the page), in percent of the width."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    image = doc[page - 1].render(scale=2).to_pil().convert("L")
    band = image.crop((0, int(top / 100 * image.height), image.width, int(bottom / 100 * image.height)))
    dark = [x for x in range(band.width) if min(band.getpixel((x, y)) for y in range(band.height)) < 100]
    runs, start, prev = [], dark[0], dark[0]
    for x in dark[1:]:
        if x - prev > 8:
            runs.append((start, prev))
            start = x
        prev = x
    runs.append((start, prev))
    return [(a / band.width * 100, (b + 1) / band.width * 100) for a, b in runs]


@pytest.mark.slow
def test_boxes_on_a_tesseract_text_layer_cover_the_printed_word(org, akten, tmp_path):
    """Tesseract's invisible words are one letter short of the printed ones; the box covers the printed word, and
    a compound part the printed part."""
    from scan_ingest import synth
    from scan_ingest.services import ingest_run

    text = "Der Standsicherheitsnachweis für das Einfamilienhaus Gartenweg 12 wurde geprüft."
    synth.save_pdf([synth.text_page(text, dpi=150, seed=3)], tmp_path / "s.pdf", 150)
    result = ingest_run(path=tmp_path / "s.pdf", akte=akten[0].aktenzeichen, workers=1, user=org.scan)
    scanned = Document.objects.get(pk=result["documents"][0]["id"])
    pdf = render.open_for_view(document=scanned, user=org.anna, version=scanned.current_version)
    [word] = render.term_boxes(pdf, 1, ["Standsicherheitsnachweis"])
    [part] = render.term_boxes(pdf, 1, ["nachweis"])
    [ink] = [r for r in _ink_runs(pdf, 1, word.top, word.top + word.height) if r[0] < word.left + 1 < r[1]]
    assert abs(word.left - ink[0]) < 0.5 and abs(word.left + word.width - ink[1]) < 0.5
    assert abs(part.left + part.width - ink[1]) < 0.5 and part.left > word.left + word.width / 2
