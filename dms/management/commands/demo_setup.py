"""`demo_setup`: a demo municipality (departments, users, Aktenplan, Akten) for `make run`. Idempotent: a second
run changes nothing. Some Akten were closed years ago, so they are due for Aussonderung today; one is held."""
import io
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from akten.models import Akte, AkteState, Hold, Vorgang
from akten.services import akte_close, akte_create, akte_set_fristbeginn, aktenplan_unit_upsert, hold_place
from dms.audit import audit_record
from dms.management.base import JsonCommand
from dms.models import Department, Document, DocumentVersion, Page
from dms.services import department_upsert, stored_object_put, user_upsert
from search.outbox import outbox_enqueue

LOGIN_URL = "http://127.0.0.1:8000/login/"
DEPARTMENTS = [("10", "Hauptamt"), ("20", "Kämmerei"), ("32", "Ordnungsamt"), ("33", "Bürgeramt"),
               ("50", "Sozialamt"), ("63", "Bauordnungsamt")]
# (username, departments, roles, what the login is for)
USERS = [(f"sb{code}", [code], ["caseworker"], f"Sachbearbeitung {name}") for code, name in DEPARTMENTS] + [
    ("scan", [], ["scan"], "Scanstelle (Massenerfassung)"),
    ("archiv", [], ["archivist"], "Archiv (Aussonderung)"),
    ("archiv2", [], ["archivist"], "Archiv, zweite Person (Vier-Augen-Freigabe)"),
    ("admin", [], ["admin"], "Administration (/admin/)"),
]
# Kennzeichen, title, years (None = inherit), dauernd, Fristbeginn, Aussonderungsart, department
AKTENPLAN = [
    ("10", "Allgemeine Verwaltung", 10, False, "", "B", "10"),
    ("10.20", "Personalakten", 10, False, "ereignis", "B", None),
    ("20", "Finanzverwaltung", 10, False, "", "V", "20"),
    ("20.30", "Haushaltssatzungen und Jahresabschlüsse", None, True, "", "A", None),
    ("32", "Öffentliche Sicherheit und Ordnung", 6, False, "", "V", "32"),
    ("32.10", "Gewerbeangelegenheiten", 5, False, "", "V", None),
    ("33", "Bürgerdienste", 5, False, "", "V", "33"),
    ("33.20", "Fundsachen", 3, False, "", "V", None),
    ("50", "Soziale Leistungen", 10, False, "letztes_dokument", "B", "50"),
    ("63", "Bauordnung", 10, False, "", "V", "63"),
    ("63.10", "Baugenehmigungen", 30, False, "", "A", None),
    ("63.10.02", "Wohngebäude", None, False, "", "", None),
    ("63.20", "Bauvoranfragen", 10, False, "", "V", None),
    ("63.30", "Abbruchgenehmigungen", 10, False, "ereignis", "B", None),
]
# Aktenzeichen, Betreff, opened, closed (z.d.A.) or None, Fristbeginn event or None, hold reason or None, documents
AKTEN = [
    ("10.20-1995/0007", "Personalakte Erika Mustermann", date(1995, 4, 1), date(2009, 6, 30), date(2009, 6, 30),
     None, ["Arbeitsvertrag", "Zeugnis"]),
    ("20.30-2019/0001", "Haushaltssatzung 2019", date(2018, 9, 1), date(2020, 3, 31), None, None,
     ["Haushaltssatzung 2019"]),
    ("20-2009/0014", "Vollstreckung Gewerbesteuer Kiosk Am Markt", date(2009, 2, 10), date(2011, 11, 30), None,
     None, ["Vollstreckungsankündigung"]),
    ("32.10-2008/0003", "Gewerbeanmeldung Imbiss Bahnhofstraße 4", date(2008, 5, 2), date(2010, 1, 15), None,
     None, ["Gewerbeanmeldung", "Gewerbeabmeldung"]),
    ("32.10-2021/0012", "Gaststättenerlaubnis Café Lindenhof", date(2021, 3, 1), None, None, None,
     ["Antrag auf Gaststättenerlaubnis"]),
    ("33.20-2012/0040", "Fundsache Fahrrad, Marktplatz", date(2012, 7, 9), date(2013, 1, 10), None, None, []),
    ("33-2023/0002", "Meldebescheinigungen Sammelakte 2023", date(2023, 1, 2), None, None, None, []),
    ("50-2004/0101", "Hilfe zum Lebensunterhalt, Familie K.", date(2004, 1, 12), date(2006, 12, 31), None, None,
     ["Bewilligungsbescheid"]),
    ("63.10.02-1998/0042", "Neubau Einfamilienhaus Gartenweg 12", date(1998, 3, 3), date(2000, 8, 1), None,
     None, ["Bauantrag", "Baugenehmigung"]),
    ("63.20-2005/0017", "Bauvoranfrage Mehrfamilienhaus Schulstraße 7", date(2005, 6, 6), date(2006, 2, 1), None,
     "Rechtsstreit VG Musterstadt 2 K 123/24", ["Bauvoranfrage", "Bescheid"]),
    ("63.20-2008/0031", "Bauvoranfrage Carport Lindenallee 3", date(2008, 4, 14), date(2009, 5, 4), None, None,
     ["Bauvoranfrage"]),
    ("63.30-2010/0005", "Abbruch Scheune Hof Brinkmann", date(2010, 9, 1), date(2011, 4, 20), date(2011, 3, 15),
     None, ["Abbruchanzeige"]),
]


def demo_pdf(title: str, aktenzeichen: str) -> tuple[bytes, str]:
    """A one-page image PDF with the document's title, and the text a scan's OCR would give."""
    text = f"Stadt Musterstadt\n{aktenzeichen}\n{title}\nDies ist ein Demo-Dokument."
    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    ImageDraw.Draw(image).multiline_text((120, 160), text, fill=0, font=ImageFont.load_default(size=40), spacing=24)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150)
    return out.getvalue(), text


class Command(JsonCommand):
    help = "Create the demo municipality (idempotent) and print the logins."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--password", default="demo", help="password of every demo login (default: demo)")

    def run(self, *, password: str, **options) -> dict:
        with transaction.atomic():
            for code, name in DEPARTMENTS:
                department_upsert(code=code, name=name)
            for username, departments, roles, _ in USERS:
                user_upsert(username=username, password=password, departments=departments, roles=roles)
            depts = {d.code: d for d in Department.objects.all()}
            for kz, title, years, permanent, start, art, dept in AKTENPLAN:
                aktenplan_unit_upsert(kennzeichen=kz, title=title, retention_years=years,
                                      retention_permanent=permanent, retention_start=start,
                                      aussonderungsart=art, department=depts.get(dept))
            created = [self._akte(*row) for row in AKTEN]
        self._index()
        return {
            "login_url": LOGIN_URL,
            "password": password,
            "logins": [{"username": u, "password": password, "role": what} for u, _, _, what in USERS],
            "akten_created": [az for az in created if az],
            "akten": Akte.objects.count(),
            "due_today": Akte.objects.filter(aufbewahrungsende__lt=timezone.localdate(), state=AkteState.ZDA)
            .exclude(Exists(Hold.objects.filter(akte=OuterRef("pk"), released_at=None))).count(),
        }

    def _akte(self, az, title, opened, closed, event, hold_reason, documents) -> str | None:
        if Akte.objects.filter(aktenzeichen=az).exists():
            return None
        admin = user_for("admin")
        akte = akte_create(aktenzeichen=az, title=title, opened_on=opened, by=admin)
        for i, doc_title in enumerate(documents):
            on = min(opened + timedelta(days=30 * (i + 1)), closed or date.max)
            self._document(akte, doc_title, on, "sb" + akte.lead_department.code)
        if event:
            akte_set_fristbeginn(akte=akte, event=event, by=admin)
        if closed:
            akte_close(akte=akte, on=closed, by=user_for("sb" + akte.lead_department.code))
        if hold_reason:
            hold_place(akte=akte, reason=hold_reason, by=user_for("archiv"))
        return az

    def _document(self, akte: Akte, title: str, on: date, username: str) -> None:
        data, text = demo_pdf(title, akte.aktenzeichen)
        original = stored_object_put(data=data, media_type="application/pdf")
        vorgang = None
        if akte.aktenzeichen.startswith("63.10.02"):
            vorgang = Vorgang.objects.get_or_create(akte=akte, title="Baugenehmigungsverfahren")[0]
        doc = Document.objects.create(akte=akte, vorgang=vorgang, department=akte.lead_department, title=title,
                                      document_type="Schreiben", date=on, source="demo_setup",
                                      created_by=user_for(username))
        version = DocumentVersion.objects.create(document=doc, number=1, original=original)
        Page.objects.create(version=version, number=1, text=text, confidence=None)
        audit_record(actor=username, action="document.create", obj=doc,
                     after={"akte": akte.aktenzeichen, "title": title, "sha256": original.sha256})
        outbox_enqueue(document_ids=[doc.pk])

    def _index(self) -> None:
        """Apply the outbox to the search index, when the search app provides the indexer."""
        try:
            from search.services import outbox_drain
        except ImportError:
            self.stderr.write("search.services.outbox_drain is not available: demo documents are not indexed yet")
            return
        outbox_drain()

    def render(self, result: dict) -> None:
        self.stdout.write(f"Demo-Daten bereit: {result['akten']} Akten, {result['due_today']} heute "
                          f"aussonderungsreif, ohne Löschsperre ({len(result['akten_created'])} neu angelegt).")
        self.stdout.write(f"\nAnmelden: {result['login_url']}   Passwort für alle: {result['password']}\n")
        for login in result["logins"]:
            self.stdout.write(f"  {login['username']:<8} {login['role']}")


def user_for(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
