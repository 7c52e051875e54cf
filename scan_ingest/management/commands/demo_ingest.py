"""`demo_ingest`: generate a small demo archive (German letters rendered to noisy scans, a manifest, a batch
scan with separator sheets) and ingest it like the scanning team would. Needs `demo_setup` first; idempotent
(the files come out byte for byte the same, so a second run finds only duplicates)."""
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from akten.models import AktenplanUnit
from dms.management.base import JsonCommand
from scan_ingest import synth
from scan_ingest.services import IngestRunError, ingest_run

DPI = 150
MANIFEST = "Datei;Aktenzeichen;Titel;Organisationseinheit;Datum;Dokumentart\n"
# file, Aktenzeichen, title, department (code or name), date, type, page texts
FILES = [
    ("bauamt/Statik_Gartenweg.pdf", "63.10.02-1998/0042", "Nachtrag Standsicherheitsnachweis", "", "12.05.1999",
     "Nachtrag", ["Nachtrag zum Standsicherheitsnachweis für das Einfamilienhaus Gartenweg 12. Die Decke über "
                  "dem Erdgeschoss wird als Stahlbetonplatte ausgeführt.",
                  None,
                  "Der Prüfingenieur bestätigt die Standsicherheit. Gebühr: 245,00 Euro gemäß Gebührenordnung."]),
    ("ordnungsamt/Gewerbe_Imbiss.tif", "32.10-2008/0003", "Gewerbeummeldung Imbiss", "32", "2009-03-02",
     "Anzeige", ["Gewerbeummeldung: Der Imbiss Bahnhofstraße 4 erweitert sein Angebot um Getränke zum Verzehr "
                 "an Ort und Stelle.",
                 "Die Prüfung der Zuverlässigkeit des Gewerbetreibenden ergab keine Bedenken."]),
    ("sozialamt/Weiterbewilligung.png", "50-2004/0101", "Antrag auf Weiterbewilligung", "", "15.01.2005",
     "Antrag", ["Antrag auf Weiterbewilligung der Hilfe zum Lebensunterhalt. Die Familie K. legt die "
                "Nachweise über Einkünfte und Miete bei."]),
    ("kaemmerei/Mahnung_Hundesteuer.jpg", "20-2010/0001", "Mahnung Hundesteuer 2010", "Kämmerei", "30.06.2010",
     "Mahnung", ["Mahnung: Die Hundesteuer für das Jahr 2010 in Höhe von 96,00 Euro ist bis heute nicht "
                 "eingegangen. Säumniszuschlag gemäß Abgabenordnung."]),
    ("buergeramt/Fundsache_Schluessel.png", "33.20-2014/0001", "Fundanzeige Schlüsselbund", "33", "03.11.2014",
     "Fundanzeige", ["Fundanzeige: Ein Schlüsselbund mit drei Schlüsseln wurde am Rathausplatz gefunden und im "
                     "Fundbüro abgegeben."]),
]
BATCH = "stapel/Stapelscan_2024-03.pdf"
BATCH_PARTS = [  # separator payload, page texts (None = blank back side)
    ("DMS:AKTE:63.20-2008/0031", ["Bescheid über die Bauvoranfrage Carport Lindenallee 3: Das Vorhaben ist "
                                  "planungsrechtlich zulässig.", None]),
    ("DMS:DOK:Stellungnahme Nachbar", ["Stellungnahme des Nachbarn: Gegen den Carport bestehen keine "
                                       "Einwände, sofern die Grenzbebauung drei Meter nicht überschreitet."]),
    ("DMS:AKTE:63.30-2012/0001", ["Abbruchanzeige für die Garage Mühlenweg 8. Der Abbruch erfolgt durch "
                                  "einen Fachbetrieb; Asbest ist nicht vorhanden."]),
    ("DMS:AKTE:10.20-1995/0007", ["Änderung der Bankverbindung für die Bezügezahlung ab dem nächsten Monat."]),
]


def _pages(texts: list[str | None], seed: int):
    return [synth.blank_page(dpi=DPI, seed=seed + i) if text is None
            else synth.text_page(text, dpi=DPI, seed=seed + i, skew=(0.8 if i % 2 else 0.0))
            for i, text in enumerate(texts)]


def generate(root: Path) -> Path:
    """Write the demo archive under `root`; returns the manifest."""
    rows = []
    for seed, (name, az, title, dept, on, kind, texts) in enumerate(FILES):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pages = _pages(texts, seed * 10)
        if name.endswith(".pdf"):
            synth.save_pdf(pages, path, DPI)
        elif name.endswith(".tif"):
            synth.save_tiff(pages, path, DPI, group4=True)
        elif name.endswith(".jpg"):
            pages[0].save(path, quality=85, dpi=(DPI, DPI))
        else:
            pages[0].save(path, dpi=(DPI, DPI))
        rows.append(";".join([name, az, title, dept, on, kind]))
    batch = []
    for seed, (payload, texts) in enumerate(BATCH_PARTS):
        batch.append(synth.separator_page(payload, dpi=DPI, seed=seed))
        batch.extend(_pages(texts, 100 + seed * 10))
    (root / BATCH).parent.mkdir(parents=True, exist_ok=True)
    synth.save_pdf(batch, root / BATCH, DPI)
    manifest = root / "manifest.csv"
    manifest.write_text(MANIFEST + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return manifest


class Command(JsonCommand):
    help = "Generate a small demo archive and ingest it (needs demo_setup; idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--out", help="folder for the generated scans (default: $DMS_DATA_DIR/demo_scans)")
        parser.add_argument("--workers", type=int, help="page worker processes (default: CPU cores)")

    def run(self, **options):
        if not AktenplanUnit.objects.filter(kennzeichen="63.10.02").exists():
            raise CommandError("the demo Aktenplan is missing: run `manage.py demo_setup` first")
        root = Path(options.get("out") or settings.DATA_DIR / "demo_scans")
        manifest = generate(root)
        user = get_user_model().objects.filter(username="scan").first()
        try:
            result = ingest_run(path=root, manifest=manifest, workers=options.get("workers"), user=user)
        except IngestRunError as exc:
            raise CommandError(str(exc)) from None
        from search.services import outbox_drain

        outbox_drain()
        return result

    def exit_code(self, result):
        return 2 if result["errors"] else 0

    def render(self, result):
        docs = result["report"]["documents"]
        self.stdout.write(f"Demo-Scans erfasst (Ingest #{result['batch']}): {docs['stored']} neu, "
                          f"{docs['duplicate']} schon vorhanden, {result['report']['errors']} Fehler.")
        for err in result["errors"]:
            self.stderr.write(f"Fehler: {err['source']}: {err['reason']}")
