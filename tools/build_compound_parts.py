"""Build the German word lists compounds are split with: search/lexicon/de_compound_parts.txt (nouns and their
forms, a part in any position; both backends: tantivy through search/compounds.py, Elasticsearch through its
decompounder token filter) and de_compound_stems.txt (stems that only begin a compound; tantivy only).

Source: the noun list of the `german-nouns` package (Wiktionary DE, CC BY-SA 4.0): every common noun with all
its inflected forms (Kauf, Käufe, Vertrages...), the stems of nominalised verbs (das Wohnen -> wohn, for Wohngeld),
nouns ending in -e without it (Schule -> schul, for Schulweg), and a short hand-checked list of adjectives and
stems that begin compounds (groß, neu, online). Left out: names, places, abbreviations, words with digits or
hyphens, parts shorter than three letters, three-letter words not on the hand-checked list (`gen`, `ger`, `ren`
are nouns in Wiktionary but syllables in compounds) and the syllable-like nouns in NOT_PARTS.

    pip install --no-deps german-nouns==1.2.5   # its parser dependency is not needed and pins an old lxml
    .venv/bin/python tools/build_compound_parts.py [--csv PATH/nouns.csv]

The generated list is committed (CC BY-SA 4.0 allows it with attribution; search/lexicon/README.md).
"""

import argparse
import csv
from pathlib import Path

LEXICON = Path(__file__).resolve().parents[1] / "search" / "lexicon"
# Rows that are names, places or abbreviations (a common noun of the same spelling has its own row).
SKIP_POS = {
    "Toponym",
    "Vorname",
    "Nachname",
    "Eigenname",
    "Abkürzung",
    "Buchstabe",
    "Symbol",
    "Straßenname",
    "Affix",
    "Suffix",
    "Gebundenes Lexem",
    "Wortverbindung",
    "Redewendung",
    "Grußformel",
    "Geflügeltes Wort",
    "Partikel",
    "Deklinierte Form",
}
# Three-letter nouns that are real compound parts (Bauamt, Radweg, Amtsrat...); every other three-letter word
# is more often a syllable than a part.
SHORT_PARTS = {
    "amt",
    "bau",
    "rat",
    "weg",
    "hof",
    "bad",
    "tal",
    "zug",
    "tag",
    "ort",
    "see",
    "eis",
    "gas",
    "tor",
    "tür",
    "uhr",
    "rad",
    "kur",
    "not",
    "maß",
    "fuß",
    "ehe",
    "bus",
    "gut",
    "art",
    "akt",
    "eid",
    "mut",
    "tee",
    "zoo",
    "kai",
    "abo",
    "lob",
    "bär",
    "ski",
    "hut",
    "buß",
    "geh",
}
# Nouns that are syllables, suffixes or prepositions far more often than compound parts (hand-checked against
# the words they falsely split: Stel-lung, Ort-schaft, Gut-achten, Ordnung-samt, Unter-kunft).
NOT_PARTS = {
    "gung",
    "tung",
    "rung",
    "ster",
    "erin",
    "ling",
    "nung",
    "heit",
    "keit",
    "tion",
    "ente",
    "ende",
    "erei",
    "ehre",
    "igung",
    "ierung",
    "chen",
    "lein",
    "ungen",
    "ismus",
    "ität",
    "iker",
    "ismen",
    "aner",
    "ianer",
    "ante",
    "elle",
    "ette",
    "ator",
    "schaft",
    "schaften",
    "achten",
    "samt",
    "samte",
    "samtes",
    "unter",
    "untern",
    "ober",
    "obern",
    "wider",
    "neben",
    "lung",
    "eilung",
    "ungs",
}
# Heads that occur only inside compounds (Stellungnahme, Kenntnisnahme), hand-checked.
HEADS = {"nahme", "nahmen"}
# Adjectives and stems that begin compounds but are no nouns (hand-checked).
FIRST_PARTS = {
    "groß",
    "klein",
    "alt",
    "neu",
    "hoch",
    "tief",
    "frei",
    "fern",
    "nah",
    "lang",
    "kurz",
    "breit",
    "gesamt",
    "sonder",
    "haupt",
    "privat",
    "sozial",
    "solar",
    "online",
    "digital",
    "zentral",
    "regional",
    "kommunal",
    "bundes",
    "landes",
    "staats",
    "fach",
    "schnell",
    "dauer",
    "gleich",
    "mehr",
    "eigen",
    "fremd",
    "halb",
    "jung",
    "früh",
    "spät",
    "rück",
    "leit",
    "impf",
    "geh",
    "buß",
    "trink",
    "lösch",
    "förder",
    "melde",
    "sterbe",
    "wohn",
    "fahr",
    "park",
    "turn",
    "halte",
}


def rows(csv_path: Path):
    with csv_path.open(encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            pos = set(row[1].split(","))
            if "Substantiv" in pos and not pos & SKIP_POS and row[0].isalpha():
                yield row


def build(csv_path: Path) -> tuple[list[str], list[str]]:
    """(parts: nouns and all their forms, any position; stems: only before another part)."""
    nouns, stems = set(HEADS), set(FIRST_PARTS)
    for row in rows(csv_path):
        lemma = row[0].lower()
        nouns.add(lemma)
        nouns.update(w.lower() for w in row[7:] if w and w.isalpha())
        if lemma.endswith("e") and len(lemma) >= 5:
            stems.add(lemma[:-1])  # Schule -> schul (Schulweg), Miete -> miet
        if row[2] == "n" and lemma.endswith("en") and not lemma.endswith("ien") and len(lemma) >= 6:
            stems.add(lemma[:-2])  # das Wohnen -> wohn (Wohngeld), das Parken -> park

    def keep(w):
        return (len(w) >= 4 or w in SHORT_PARTS) and w not in NOT_PARTS and w.isalpha()

    nouns = {w for w in nouns if keep(w)}
    return sorted(nouns), sorted(w for w in stems if keep(w) and w not in nouns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, help="german-nouns' nouns.csv (default: from the installed package)")
    ap.add_argument("--out", type=Path, default=LEXICON)
    args = ap.parse_args()
    if args.csv is None:
        from german_nouns.config import CSV_FILE_PATH

        args.csv = Path(CSV_FILE_PATH)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, words in zip(("de_compound_parts.txt", "de_compound_stems.txt"), build(args.csv), strict=False):
        (args.out / name).write_text("".join(w + "\n" for w in words), encoding="utf-8")
        print(f"{args.out / name}: {len(words):,} words")


if __name__ == "__main__":
    main()
