"""The caseworker's Akte page: Vorgänge as a tree with document counts, the documents under their Vorgang, and
what remains of a destroyed Akte (the tombstone: what was there, when, which run, the hashes)."""

from datetime import date

import pytest

from akten.models import (
    AkteState,
    DisposalItem,
    DisposalItemState,
    DisposalRun,
    DisposalRunState,
    Tombstone,
    Vorgang,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_edit_buttons(settings, tmp_path):
    """The page on its own: the edit buttons' includes (web/caseworker/edits.py, tested there) left empty."""
    folder = tmp_path / "templates" / "caseworker"
    folder.mkdir(parents=True)
    for name in ("_akte_actions.html", "_document_actions.html"):
        (folder / name).write_text("")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]


def test_vorgaenge_as_a_tree_with_counts_and_documents_under_them(client, org, aktenplan):
    akte = factories.akte("63.10.02-2020/0007", "Neubau Lindenstraße 4")
    antrag = Vorgang.objects.create(akte=akte, title="Bauantrag")
    Vorgang.objects.create(akte=akte, title="Widerspruch")
    a = factories.document(akte, "Antragsformular", date=date(2020, 1, 2), pages=3)
    b = factories.document(akte, "Lageplan", date=date(2020, 1, 3))
    factories.document(akte, "Aktenvermerk")
    type(a).objects.filter(pk__in=[a.pk, b.pk]).update(vorgang=antrag)
    client.force_login(org.anna)
    html = client.get(f"/akten/{akte.pk}/").content.decode()
    tree = html[html.index('id="vorgaenge"') : html.index("</nav>", html.index('id="vorgaenge"'))]
    assert "3 Dokumente" in tree
    assert tree.index("Bauantrag") < tree.index("Widerspruch") < tree.index("Ohne Vorgang")
    assert '>Bauantrag</a> <span class="badge">2</span>' in tree
    assert '>Widerspruch</a> <span class="badge">0</span>' in tree
    assert '>Ohne Vorgang</a> <span class="badge">1</span>' in tree
    section = html[html.index(f'id="vorgang-{antrag.pk}"') : html.index('id="ohne-vorgang">')]
    assert "Antragsformular" in section and "Lageplan" in section and "Aktenvermerk" not in section
    assert "Keine Dokumente in diesem Vorgang." in html
    assert f'href="/akten/{akte.pk}/dokumente/{a.pk}/"' in html
    assert "<td>3</td>" in section  # the page count of the current version


def test_a_destroyed_akte_shows_its_tombstone(client, org, aktenplan):
    akte = factories.akte("63.10.02-1990/0001", "Abbruch Scheune")
    run = DisposalRun.objects.create(
        state=DisposalRunState.DONE, as_of=date(2026, 1, 1), proposed_by=org.archiv, protocol_sha256="ab" * 32
    )
    item = DisposalItem.objects.create(
        run=run,
        akte=akte,
        aktenzeichen=akte.aktenzeichen,
        akte_uuid=akte.uuid,
        proposal="V",
        decision="V",
        state=DisposalItemState.DESTROYED,
    )
    Tombstone.objects.create(
        item=item,
        run=run,
        akte=akte,
        aktenzeichen=akte.aktenzeichen,
        akte_uuid=akte.uuid,
        title=akte.title,
        kennzeichen="63.10.02",
        department="63 Bauordnungsamt",
        zda_date=date(1995, 6, 30),
        aufbewahrungsende=date(2025, 12, 31),
        disposition="vernichtet",
        decision="V",
        proposed_by="archiv",
        evaluated_by="archiv",
        approved_by="archiv2",
        executed_by="archiv",
        contents={
            "vorgaenge": [{"uuid": "v1", "title": "Abbruchgenehmigung"}],
            "dokumente": [
                {
                    "uuid": "d1",
                    "title": "Abbruchanzeige",
                    "date": "1990-04-01",
                    "type": "Antrag",
                    "vorgang": "v1",
                    "versions": [{"number": 1, "objects": [{"role": "original", "sha256": "cd" * 32, "size": 1234}]}],
                }
            ],
        },
    )
    type(akte).objects.filter(pk=akte.pk).update(state=AkteState.VERNICHTET)
    client.force_login(org.anna)
    html = client.get(f"/akten/{akte.pk}/").content.decode()
    stone = html[html.index('id="grabstein"') :]
    for text in (
        f"in der Aussonderung Nr. {run.pk}",
        "vernichtet",
        "archiv2",
        "1 Dokument",
        "Abbruchanzeige",
        "Abbruchgenehmigung",
        "cd" * 32,
        "ab" * 32,
        "31.12.2025",
    ):
        assert text in stone, text
    client.force_login(org.bernd)
    assert client.get(f"/akten/{akte.pk}/").status_code == 404
