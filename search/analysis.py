"""German analysis rules shared by the backends: typo distance, compound splitting against the index vocabulary."""
import re
import unicodedata

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Fugenelemente (linking morphemes) between compound parts: Arbeit-s-amt, Straße-n-bau, Kind-er-garten.
FUGEN = ("", "s", "es", "n", "en", "er", "e")
MIN_PART = 4  # shorter parts ("bau" + "er" = Bauer, "glas" + "ur") are too often not compounds at all
MIN_COMPOUND_QUERY = 4

# Elasticsearch's `fuzziness: AUTO:4,8`: exact below 4 letters, one edit up to 7, two from 8 (both backends).
TYPO_LOW, TYPO_HIGH = 4, 8


_AKTENZEICHEN = re.compile(r"^\d{1,4}(?:\.\d{1,4})*(?:-[0-9A-Za-z]+(?:/[0-9A-Za-z]+)*)?$")


def looks_like_aktenzeichen(word: str) -> bool:
    """`63.10.02-1998/0042` or a Kennzeichen `63.10`: a word people type to find an Akte's documents."""
    return bool(_AKTENZEICHEN.match(word)) and ("." in word or "-" in word)


def typo_distance(word: str) -> int:
    """Edits allowed for a typo in a word of this length (ES `AUTO:4,8`)."""
    n = len(word)
    return 0 if n < TYPO_LOW else 1 if n < TYPO_HIGH else 2


def compound_rests(word: str, candidate: str) -> list[str]:
    """For a term that starts with `word`, the possible remaining parts after a Fugenelement
    (`glasfaser` + `ausbau` in `glasfaserausbau`); empty when the rest is too short to be a word."""
    if not candidate.startswith(word) or candidate == word:
        return []
    rest = candidate[len(word):]
    return [rest[len(f):] for f in FUGEN if rest.startswith(f) and len(rest) - len(f) >= MIN_PART]


def close_words(word: str, candidates: list[str], distance: int) -> list[str]:
    """The candidates within `distance` edits of `word` (optimal string alignment: a transposition is one edit)."""
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=distance, limit=None)
    return [choice for choice, _, _ in found if choice != word]


# OCR and PDF text breaks words at line ends ("Bauge-\nnehmigung"); a lowercase continuation means one word.
_LINE_BREAK_HYPHEN = re.compile(r"(\w)-[ \t]*\r?\n[ \t]*(?=[a-zäöüß])")


def normalize_text(text: str) -> str:
    """Text as indexed: Unicode NFC (PDFs may give `u` + combining diaeresis, which tokenizers split) and words
    hyphenated at a line break joined again."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _LINE_BREAK_HYPHEN.sub(r"\1", text) if "-" in text else text
