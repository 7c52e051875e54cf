"""Search test fixtures: documents written through the document service (rows, audit event, outbox)."""

import itertools
from datetime import date

import pytest

_counter = itertools.count(1)


def make_document(
    akte, *, pages, title="Dokument", document_type="Bescheid", on=date(2020, 5, 4), by=None, source="", source_pages=""
):
    """A stored document with one version whose pages carry `pages` (a list of texts); enqueued for indexing."""
    from akten.documents import document_create
    from dms.services import stored_object_put

    blob = stored_object_put(data=f"document {next(_counter)}".encode(), media_type="application/pdf")
    doc = document_create(
        akte=akte,
        title=title,
        document_type=document_type,
        date=on,
        by=by,
        source=source,
        source_pages=source_pages,
        original=blob,
        pages=[{"number": i, "text": t} for i, t in enumerate(pages, 1)],
        into_closed=True,
    )
    return doc


@pytest.fixture
def akten(aktenplan, org):
    """Akte 63.10.02-2020/0001 (led by 63) and 32-2020/0001 (led by 32)."""
    from types import SimpleNamespace

    from tests import factories

    return SimpleNamespace(
        bau=factories.akte("63.10.02-2020/0001", title="Neubau Wohnhaus Lindenstraße 4"),
        ordnung=factories.akte("32-2020/0001", title="Sondernutzung Marktplatz"),
    )


@pytest.fixture
def client_for(client, settings):
    """A test client logged in as the given user, on the search URLs."""
    settings.ROOT_URLCONF = "tests.search.urls"

    def login(user):
        client.force_login(user)
        return client

    return login
