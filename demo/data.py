"""The demo municipality's data: departments, logins, Aktenplan, Akten with their documents, and the scans that
`demo_ingest` renders and ingests. Plain data, read by demo/setup.py and demo/scans.py."""

from datetime import date

LOGIN_URL = "http://127.0.0.1:8000/login/"
DEPARTMENTS = [
    ("10", "Hauptamt"),
    ("20", "Kämmerei"),
    ("32", "Ordnungsamt"),
    ("33", "Bürgeramt"),
    ("50", "Sozialamt"),
    ("63", "Bauordnungsamt"),
]
# (username, departments, roles, what the login is for)
# sb63 is also the Amtsleitung (department lead) of 63: grants and revokes access to the Akten of 63.
LEADS = {"63"}
USERS = [
    (
        f"sb{code}",
        [code],
        ["caseworker", "lead"] if code in LEADS else ["caseworker"],
        f"Sachbearbeitung und Amtsleitung {name} (vergibt Zugriff)" if code in LEADS else f"Sachbearbeitung {name}",
    )
    for code, name in DEPARTMENTS
]
USERS += [
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
    (
        "10.20-1995/0007",
        "Personalakte Erika Mustermann",
        date(1995, 4, 1),
        date(2009, 6, 30),
        date(2009, 6, 30),
        None,
        ["Arbeitsvertrag", "Zeugnis"],
    ),
    (
        "20.30-2019/0001",
        "Haushaltssatzung 2019",
        date(2018, 9, 1),
        date(2020, 3, 31),
        None,
        None,
        ["Haushaltssatzung 2019"],
    ),
    (
        "20-2009/0014",
        "Vollstreckung Gewerbesteuer Kiosk Am Markt",
        date(2009, 2, 10),
        date(2011, 11, 30),
        None,
        None,
        ["Vollstreckungsankündigung"],
    ),
    (
        "32.10-2008/0003",
        "Gewerbeanmeldung Imbiss Bahnhofstraße 4",
        date(2008, 5, 2),
        date(2010, 1, 15),
        None,
        None,
        ["Gewerbeanmeldung", "Gewerbeabmeldung"],
    ),
    (
        "32.10-2021/0012",
        "Gaststättenerlaubnis Café Lindenhof",
        date(2021, 3, 1),
        None,
        None,
        None,
        ["Antrag auf Gaststättenerlaubnis"],
    ),
    ("33.20-2012/0040", "Fundsache Fahrrad, Marktplatz", date(2012, 7, 9), date(2013, 1, 10), None, None, []),
    ("33-2023/0002", "Meldebescheinigungen Sammelakte 2023", date(2023, 1, 2), None, None, None, []),
    (
        "50-2004/0101",
        "Hilfe zum Lebensunterhalt, Familie K.",
        date(2004, 1, 12),
        date(2006, 12, 31),
        None,
        None,
        ["Bewilligungsbescheid"],
    ),
    (
        "63.10.02-1998/0042",
        "Neubau Einfamilienhaus Gartenweg 12",
        date(1998, 3, 3),
        date(2000, 8, 1),
        None,
        None,
        ["Bauantrag", "Baugenehmigung"],
    ),
    (
        "63.20-2005/0017",
        "Bauvoranfrage Mehrfamilienhaus Schulstraße 7",
        date(2005, 6, 6),
        date(2006, 2, 1),
        None,
        "Rechtsstreit VG Musterstadt 2 K 123/24",
        ["Bauvoranfrage", "Bescheid"],
    ),
    (
        "63.20-2008/0031",
        "Bauvoranfrage Carport Lindenallee 3",
        date(2008, 4, 14),
        date(2009, 5, 4),
        None,
        None,
        ["Bauvoranfrage"],
    ),
    (
        "63.30-2010/0005",
        "Abbruch Scheune Hof Brinkmann",
        date(2010, 9, 1),
        date(2011, 4, 20),
        date(2011, 3, 15),
        None,
        ["Abbruchanzeige"],
    ),
]


# The scans `demo_ingest` renders: a manifest of single files and a batch scan with separator sheets.
DPI = 150
MANIFEST = "Datei;Aktenzeichen;Titel;Organisationseinheit;Datum;Dokumentart\n"
# file, Aktenzeichen, title, department (code or name), date, type, page texts
FILES = [
    (
        "bauamt/Statik_Gartenweg.pdf",
        "63.10.02-1998/0042",
        "Nachtrag Standsicherheitsnachweis",
        "",
        "12.05.1999",
        "Nachtrag",
        [
            "Nachtrag zum Standsicherheitsnachweis für das Einfamilienhaus Gartenweg 12. Die Decke über "
            "dem Erdgeschoss wird als Stahlbetonplatte ausgeführt.",
            None,
            "Der Prüfingenieur bestätigt die Standsicherheit. Gebühr: 245,00 Euro gemäß Gebührenordnung.",
        ],
    ),
    (
        "ordnungsamt/Gewerbe_Imbiss.tif",
        "32.10-2008/0003",
        "Gewerbeummeldung Imbiss",
        "32",
        "2009-03-02",
        "Anzeige",
        [
            "Gewerbeummeldung: Der Imbiss Bahnhofstraße 4 erweitert sein Angebot um Getränke zum Verzehr "
            "an Ort und Stelle.",
            "Die Prüfung der Zuverlässigkeit des Gewerbetreibenden ergab keine Bedenken.",
        ],
    ),
    (
        "sozialamt/Weiterbewilligung.png",
        "50-2004/0101",
        "Antrag auf Weiterbewilligung",
        "",
        "15.01.2005",
        "Antrag",
        [
            "Antrag auf Weiterbewilligung der Hilfe zum Lebensunterhalt. Die Familie K. legt die "
            "Nachweise über Einkünfte und Miete bei."
        ],
    ),
    (
        "kaemmerei/Mahnung_Hundesteuer.jpg",
        "20-2010/0001",
        "Mahnung Hundesteuer 2010",
        "Kämmerei",
        "30.06.2010",
        "Mahnung",
        [
            "Mahnung: Die Hundesteuer für das Jahr 2010 in Höhe von 96,00 Euro ist bis heute nicht "
            "eingegangen. Säumniszuschlag gemäß Abgabenordnung."
        ],
    ),
    (
        "buergeramt/Fundsache_Schluessel.png",
        "33.20-2014/0001",
        "Fundanzeige Schlüsselbund",
        "33",
        "03.11.2014",
        "Fundanzeige",
        [
            "Fundanzeige: Ein Schlüsselbund mit drei Schlüsseln wurde am Rathausplatz gefunden und im "
            "Fundbüro abgegeben."
        ],
    ),
]
BATCH = "stapel/Stapelscan_2024-03.pdf"
BATCH_PARTS = [  # separator payload, page texts (None = blank back side)
    (
        "DMS:AKTE:63.20-2008/0031",
        ["Bescheid über die Bauvoranfrage Carport Lindenallee 3: Das Vorhaben ist planungsrechtlich zulässig.", None],
    ),
    (
        "DMS:DOK:Stellungnahme Nachbar",
        [
            "Stellungnahme des Nachbarn: Gegen den Carport bestehen keine "
            "Einwände, sofern die Grenzbebauung drei Meter nicht überschreitet."
        ],
    ),
    (
        "DMS:AKTE:63.30-2012/0001",
        [
            "Abbruchanzeige für die Garage Mühlenweg 8. Der Abbruch erfolgt durch "
            "einen Fachbetrieb; Asbest ist nicht vorhanden."
        ],
    ),
    ("DMS:AKTE:10.20-1995/0007", ["Änderung der Bankverbindung für die Bezügezahlung ab dem nächsten Monat."]),
]
