"""Builds tests/data/old_layout_c4d1cb0.sqlite3.gz: a database of the layout before issue 14 (documents in `dms`, the
outbox in `search`), written by that code itself. Run in a checkout of commit c4d1cb0:

    git worktree add /tmp/oldlayout c4d1cb0 && cd /tmp/oldlayout && ln -s /work/main/.venv .venv
    DMS_DATA_DIR=/tmp/oldlayout-data .venv/bin/python manage.py migrate
    DMS_DATA_DIR=/tmp/oldlayout-data .venv/bin/python manage.py shell < PATH/TO/tests/data/build_old_layout.py
    sqlite3 /tmp/oldlayout-data/db.sqlite3 VACUUM
    gzip -9 -c /tmp/oldlayout-data/db.sqlite3 > tests/data/old_layout_c4d1cb0.sqlite3.gz

tests/test_migrations.py migrates a copy of it with the current migrations and checks rows, keys and ORM reads."""

from datetime import date

from django.contrib.auth.models import Permission

import dms.models
from akten.models import Vorgang
from akten.services import akte_close, akte_grant, hold_place
from dms.models import DocumentVersion, Page
from dms.services import stored_object_put
from scan_ingest.models import IngestBatch, IngestDocument, IngestItem
from tests import factories

assert "Document" in vars(dms.models), "run this in a checkout of the old layout (commit c4d1cb0)"

org = factories.org()
factories.aktenplan(org)
bau = factories.akte("63.10.02-2020/0001", title="Neubau Lindenstraße 4", opened_on=date(2020, 1, 2))
ordnung = factories.akte("32-2020/0001", title="Sondernutzung Marktplatz", opened_on=date(2020, 1, 2))
alt = factories.akte("63.10-2001/0001", title="Abgeschlossene Bauakte", opened_on=date(2001, 1, 2))
verfahren = Vorgang.objects.create(akte=bau, title="Baugenehmigungsverfahren")

antrag = factories.document(
    bau,
    "Bauantrag",
    text="Antrag auf Baugenehmigung",
    vorgang=verfahren,
    pages=2,
    date=date(2020, 2, 3),
    created_by=org.scan,
)
second = stored_object_put(data=b"Bauantrag, zweite Fassung", media_type="text/plain")
v2 = DocumentVersion.objects.create(document=antrag, number=2, original=second, rendition=second)
Page.objects.create(version=v2, number=1, text="zweite Fassung", confidence=88.5, blank=False)
factories.document(bau, "Statik", text="Tragwerksplanung")
factories.document(ordnung, "Sondernutzungserlaubnis", text="Erlaubnis Marktplatz")
factories.document(alt, "Schlussabnahme", text="Abnahme 2001", date=date(2001, 5, 6))
akte_close(akte=alt, on=date(2002, 1, 1), by=org.anna)
hold_place(akte=ordnung, reason="Rechtsstreit", by=org.archiv)
akte_grant(akte=bau, by=org.admin, department=org.d32)
org.d32.group.permissions.add(Permission.objects.get(codename="view_document", content_type__app_label="dms"))

batch = IngestBatch.objects.create(path="/scans/2020", fingerprint="f" * 64, state="done", operator=org.scan)
item = IngestItem.objects.create(batch=batch, key="bauantrag.tif", seq=1, source="bauantrag.tif", state="done")
IngestDocument.objects.create(item=item, document=antrag, status="stored", aktenzeichen=bau.aktenzeichen)
print("old layout built:", dms.models.Document.objects.count(), "documents")
