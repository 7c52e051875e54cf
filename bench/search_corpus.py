"""The synthetic German archive of bench/search.py: administrative vocabulary with compounds (HEADS x TAILS), trap
words that share a head's letters without being compounds, a Zipf-like spectrum of ~15,000 content words, and
documents written from it."""

import random

HEADS = [
    "Bau",
    "Glasfaser",
    "Gebühren",
    "Straßen",
    "Abwasser",
    "Wasser",
    "Grundstücks",
    "Gewerbe",
    "Kinder",
    "Schul",
    "Verkehrs",
    "Umwelt",
    "Lärm",
    "Brand",
    "Denkmal",
    "Sozial",
    "Wohn",
    "Haushalts",
    "Friedhofs",
    "Spiel",
    "Sport",
    "Energie",
    "Wärme",
    "Abfall",
    "Hunde",
    "Park",
    "Rad",
    "Feuerwehr",
    "Jugend",
    "Kultur",
]
TAILS = [
    "genehmigung",
    "antrag",
    "bescheid",
    "ausbau",
    "netz",
    "plan",
    "ordnung",
    "satzung",
    "verfahren",
    "anlage",
    "schutz",
    "platz",
    "konzept",
    "vertrag",
    "prüfung",
    "zuschuss",
    "förderung",
    "leitung",
    "kontrolle",
    "abgabe",
    "bericht",
    "stelle",
    "gebühr",
    "wesen",
    "fläche",
    "fahrzeug",
    "haus",
    "weg",
]
# Words that share a head's letters without being compounds of it: compound expansion must not return them.
TRAPS = [
    "Glasur",
    "Bauer",
    "Bauch",
    "Parkett",
    "Wohnung",
    "Spieler",
    "Sportler",
    "Brandung",
    "Radius",
    "Schule",
    "Kindheit",
    "Wasserstand",
]
NOUNS = [
    "Antrag",
    "Bescheid",
    "Widerspruch",
    "Frist",
    "Stellungnahme",
    "Anhörung",
    "Verwaltung",
    "Gemeinde",
    "Stadt",
    "Bürger",
    "Eigentümer",
    "Grundstück",
    "Gebäude",
    "Genehmigung",
    "Rechnung",
    "Zahlung",
    "Auflage",
    "Nachweis",
    "Unterlage",
    "Sachbearbeiter",
    "Behörde",
    "Verordnung",
    "Gesetz",
    "Absatz",
    "Anlage",
    "Entscheidung",
    "Prüfung",
    "Termin",
    "Ortsbesichtigung",
    "Gutachten",
    "Nutzung",
    "Änderung",
    "Mitteilung",
    "Digitalisierung",
    "Beteiligung",
    "Zuständigkeit",
    "Vollmacht",
    "Erlaubnis",
    "Befreiung",
    "Ausnahme",
    "Straße",
    "Gebühr",
    "Kosten",
    "Vertrag",
    "Ausschreibung",
    "Vergabe",
    "Haushalt",
    "Mittel",
    "Planung",
    "Bebauungsplan",
    "Flurstück",
    "Gemarkung",
    "Landkreis",
    "Ausschuss",
    "Sitzung",
    "Beschluss",
    "Protokoll",
]
VERBS = [
    "wird",
    "wurde",
    "werden",
    "ist",
    "sind",
    "hat",
    "haben",
    "erteilt",
    "beantragt",
    "geprüft",
    "abgelehnt",
    "genehmigt",
    "zugestellt",
    "eingereicht",
    "nachgereicht",
    "festgesetzt",
    "erhoben",
    "angeordnet",
    "gebeten",
    "mitgeteilt",
    "vorgelegt",
    "beschlossen",
    "aufgehoben",
    "verlängert",
    "bestätigt",
    "berücksichtigt",
]
SMALL = [
    "der",
    "die",
    "das",
    "und",
    "für",
    "mit",
    "nach",
    "von",
    "im",
    "auf",
    "zur",
    "zum",
    "des",
    "dem",
    "den",
    "ein",
    "eine",
    "nicht",
    "auch",
    "gemäß",
    "bis",
    "über",
    "unter",
    "sowie",
    "bitte",
    "hiermit",
    "wegen",
]
ADJ = [
    "fristgerecht",
    "vollständig",
    "zuständige",
    "öffentliche",
    "bauliche",
    "städtische",
    "schriftlich",
    "erforderliche",
    "beigefügte",
    "vorläufige",
    "endgültige",
    "neue",
    "bestehende",
    "gewerbliche",
]
STREETS = ["Lindenstraße", "Hauptstraße", "Bahnhofstraße", "Schulweg", "Marktplatz", "Gartenstraße", "Am Anger"]
TYPES = ["Bescheid", "Antrag", "Vermerk", "Schreiben", "Rechnung", "Gutachten", "Protokoll", "Plan"]


def inflect(word: str, rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.7:
        return word
    if word.endswith(("ung", "heit", "keit")):
        return word + "en"
    if word.endswith("e"):
        return word + "n"
    return word + rnd.choice(["e", "en", "s", "es"])


SYLLABLES = [
    "ber",
    "gen",
    "hau",
    "sen",
    "mar",
    "ten",
    "lin",
    "del",
    "wal",
    "ter",
    "kro",
    "nen",
    "stein",
    "feld",
    "bach",
    "dorf",
    "mann",
    "rich",
    "hof",
    "berg",
    "ler",
    "tal",
    "au",
    "bur",
    "ner",
    "wig",
    "sel",
    "kamp",
]


def vocabulary(rnd: random.Random) -> tuple[list[str], list[str], list[float]]:
    """Function words (about 40 % of the tokens) and content words with a Zipf-like spectrum: the core
    administrative nouns and the compounds first, then a long tail of rarer names and words (about 15,000)."""
    compounds = [h + t for h in HEADS for t in TAILS]
    compounds = [c[0].upper() + c[1:] for c in compounds]
    tail = set()
    while len(tail) < 15_000:
        word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))
        tail.add(word[0].upper() + word[1:])
    parts = [t[0].upper() + t[1:] for t in TAILS]  # the parts occur as words of their own, as in real text
    core = NOUNS + HEADS + parts + TRAPS + compounds
    rnd.shuffle(core)
    content = core + sorted(tail)
    weights = [1 / (i + 20) for i in range(len(content))]
    return SMALL + VERBS + ADJ, content, weights


def document_text(rnd: random.Random, vocab, n_words: int) -> str:
    function_words, content, cum = vocab
    out, sentence = [], []
    for word in rnd.choices(content, cum_weights=cum, k=n_words):
        if rnd.random() < 0.4:
            sentence.append(rnd.choice(function_words))
        else:
            sentence.append(inflect(word, rnd))
        if len(sentence) > 6 and rnd.random() < 0.15:
            out.append(" ".join(sentence) + ".")
            sentence = []
    out.append(" ".join(sentence) + ".")
    if rnd.random() < 0.3:
        out.append(f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}, Flurstück {rnd.randint(1, 900)}/{rnd.randint(1, 9)}.")
    return " ".join(out)
