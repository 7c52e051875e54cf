"""German analysis rules shared by the backends: typo distance, Aktenzeichen, text normalisation (compound
splitting: search/compounds.py)."""

import re
import unicodedata

from rapidfuzz import process
from rapidfuzz.distance import OSA

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
