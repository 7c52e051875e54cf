"""Small builders for test data; they go through the services so audit and outbox rows are real."""

from types import SimpleNamespace

from akten.services import akte_create, aktenplan_unit_upsert
from dms.services import department_upsert, user_upsert


def org():
    d63 = department_upsert(code="63", name="Bauordnungsamt")
    d32 = department_upsert(code="32", name="Ordnungsamt")
    return SimpleNamespace(
        d63=d63,
        d32=d32,
        anna=user_upsert(username="anna", password="pw", departments=["63"], roles=["caseworker"]),
        bernd=user_upsert(username="bernd", password="pw", departments=["32"], roles=["caseworker"]),
        scan=user_upsert(username="scan", password="pw", roles=["scan"]),
        archiv=user_upsert(username="archiv", password="pw", roles=["archivist"]),
        archiv2=user_upsert(username="archiv2", password="pw", roles=["archivist"]),
        admin=user_upsert(username="admin", password="pw", roles=["admin"]),
    )


def aktenplan(o):
    """63 Bauordnung (10 years, V) > 63.10 Baugenehmigungen (30 years, A) > 63.10.02; 32 Ordnung (dauernd, A)."""
    u63 = aktenplan_unit_upsert(
        kennzeichen="63", title="Bauordnung", retention_years=10, aussonderungsart="V", department=o.d63
    )
    u6310 = aktenplan_unit_upsert(
        kennzeichen="63.10", title="Baugenehmigungen", retention_years=30, aussonderungsart="A"
    )
    u631002 = aktenplan_unit_upsert(kennzeichen="63.10.02", title="Wohngebäude")
    u32 = aktenplan_unit_upsert(
        kennzeichen="32", title="Öffentliche Ordnung", retention_permanent=True, aussonderungsart="A", department=o.d32
    )
    return SimpleNamespace(u63=u63, u6310=u6310, u631002=u631002, u32=u32)


def akte(aktenzeichen: str, title: str = "Testakte", **kwargs):
    return akte_create(aktenzeichen=aktenzeichen, title=title, **kwargs)


def document(
    akte, title: str = "Dokument", *, text: str = "Inhalt", created_by=None, vorgang=None, date=None, pages: int = 1
):
    """A stored document with one version (a small text original) and its pages, through the document service
    (rows, audit event and outbox row in one transaction, after the object is stored, as ingest does). Closed
    (z.d.A.) Akten take it too, as legacy scans go into closed Bestandsakten."""
    from akten.documents import document_create
    from dms.services import stored_object_put

    original = stored_object_put(data=f"{akte.aktenzeichen}\n{title}\n{text}".encode(), media_type="text/plain")
    doc = document_create(
        akte=akte,
        vorgang=vorgang,
        title=title,
        date=date,
        by=created_by,
        source=f"{title}.txt",
        original=original,
        pages=[{"number": n, "text": text} for n in range(1, pages + 1)],
        into_closed=True,
    )
    return doc
