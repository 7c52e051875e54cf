"""German compound splitting against the shipped word list (search/lexicon/de_compound_parts.txt, built by
tools/build_compound_parts.py from the `german-nouns` lexicon), the same list Elasticsearch's decompounder gets.

A word is split only when the word list covers it completely: parts of at least three letters, a Fugenelement
(linking element: Arbeit-s-vertrag, Frau-en-beauftragte) allowed between two parts, the fewest parts winning.
That rule keeps ordinary words whole (Verwaltung, Bescheinigung, Versicherung: no cover, so no `walt`, `schein`,
`sicher`). A part that begins with a separable prefix (Ab|wasser) also yields the rest when that rest is a noun
of its own meaning (not a derived noun such as an|Lage, ab|Schluss, mit|Teilung).
"""

import functools
import html
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
PARTS_FILE = LEXICON_DIR / "de_compound_parts.txt"  # nouns and their forms: a part anywhere (also Elasticsearch's)
STEMS_FILE = LEXICON_DIR / "de_compound_stems.txt"  # Schul-, Wohn-, Groß-: only before another part
MIN_PART = 3
MAX_WORD = 40  # longer tokens are dropped by the analyzers anyway
# Fugenelemente, as written after folding (ä->a, ß->ss).
FUGEN = ("s", "es", "n", "en", "er", "e", "ens")
# Separable prefixes that begin nouns (Ab|wasser, Neben|kosten); never parts themselves.
PREFIXES = (
    "ab",
    "an",
    "auf",
    "aus",
    "bei",
    "ein",
    "mit",
    "nach",
    "vor",
    "zu",
    "uber",
    "unter",
    "um",
    "durch",
    "gegen",
    "neben",
    "hinter",
    "ober",
    "wider",
    "zwischen",
)
PREFIX_REST_MIN = 5  # an|Lage, vor|Gang, aus|Bau: short rests after a prefix are not the word's meaning
# Rests after a prefix that are derived from the prefixed verb (an|Spruch from ansprechen), hand-checked.
DERIVED_RESTS = {
    "spruch",
    "schluss",
    "schuss",
    "schlag",
    "sicht",
    "gebot",
    "kommen",
    "trag",
    "stand",
    "schrift",
    "kunft",
    "nahme",
    "gabe",
    "wurf",
    "trieb",
    "fahrt",
    "lauf",
    "fall",
    "griff",
    "bruch",
    "druck",
    "stellung",
    "teilung",
    "ordnung",
    "richtung",
    "rechnung",
    "lassung",
    "setzung",
    "wendung",
    "arbeitung",
    "haltung",
    "stieg",
    "schnitt",
    "zahlung",
    "satz",
    "zug",
    "gang",
    "lage",
    "sprache",
    "wahl",
    "bildung",
    "sicherung",
    "nutzung",
    "legung",
    "kehr",
    "wand",
    "weis",
    "halt",
    "stoss",
    "hang",
    "stall",
    "schau",
    "blick",
    "tritt",
    "flug",
    "gleich",
    "strahlung",
}
# Compounds whose parts mislead (Haus|halt, Voll|macht, Gut|achten), hand-checked; folded.
LEXICALISED = ("haushalt", "vollmacht", "gutachten", "wirtschaft")
DERIVED_SUFFIXES = ("ung", "ungen", "nis", "heit", "keit", "schaft", "tion", "ieren")
_FOLD = {"ä": "a", "ö": "o", "ü": "u", "ß": "ss"}
_UMLAUT_DIGRAPHS = {"ae", "oe", "ue"}
_NEEDS_FOLDING = re.compile(r".(?:ae|oe|ue)|[äöüß]")  # else folding is lowercasing, one character for one


@dataclass(frozen=True)
class Part:
    """A part of a compound: its text as written and where it sits in the word (for highlighting)."""

    text: str
    start: int
    end: int


def fold(word: str) -> tuple[str, list[int]]:
    """Lowercase, umlauts and ß folded (also the transliterations ae/oe/ue, as the German stemmer does), with the
    index in `word` where each folded character comes from."""
    lower = word.lower()
    if len(lower) == len(word) and not _NEEDS_FOLDING.search(lower):
        return lower, list(range(len(lower)))  # the common case, without the loop below
    out, where = [], []
    i = 0
    while i < len(lower):
        ch = lower[i]
        if lower[i : i + 2] in _UMLAUT_DIGRAPHS and i > 0:
            out.append(ch)
            where.append(i)
            i += 2
            continue
        for c in _FOLD.get(ch, ch):
            out.append(c)
            where.append(i)
        i += 1
    return "".join(out), where


@dataclass(frozen=True)
class Lexicon:
    parts: frozenset[str]
    stems: frozenset[str]
    short: frozenset[str]  # the three-letter parts as listed (Amt, Ort, Rat), not folded from four (Haue -> hau)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The folded word lists (read once)."""

    def load(path):
        return path.read_text(encoding="utf-8").split()

    parts = load(PARTS_FILE)
    return Lexicon(
        frozenset(fold(w)[0] for w in parts),
        frozenset(fold(w)[0] for w in load(STEMS_FILE)),
        frozenset(fold(w)[0] for w in parts if len(w) == MIN_PART),
    )


def _cover(word: str, lex: Lexicon, starts: frozenset[int]) -> list[tuple[int, int]] | None:
    """The (start, end) of each part of the best complete cover of the folded word by two or more parts, or None:
    each part after the first starts at one of `starts`; fewest parts, then fewest three-letter parts, then the
    shortest Fugenelemente, then the longest last part (Wasser|stand, not Wassers|tand). Stems (Schul-, Wohn-) only
    before another part."""
    n = len(word)
    best: list[tuple | None] = [None] * (n + 1)  # position -> (cost, parts) reaching it
    best[0] = ((0, 0, 0, 0), ())
    for i in range(n):
        if best[i] is None:
            continue
        (count, short, fugen, _), parts = best[i]
        for j in range(i + MIN_PART, n + 1 if i else n - MIN_PART + 1):
            piece = word[i:j]
            noun = piece in lex.parts
            if not noun and (j == n or piece not in lex.stems):
                continue
            ends = [(j, "")] if j == n else [(j, "")] + [(j + len(f), f) for f in FUGEN if word.startswith(f, j)]
            for k, fuge in ends:
                if k > n or (k == n and fuge) or (k < n and (k not in starts or (not noun and fuge))):
                    continue
                cost = (count + 1, short + (j - i == MIN_PART), fugen + len(fuge and "s" + fuge[1:]), -(j - i))
                if best[k] is None or cost < best[k][0]:
                    best[k] = (cost, (*parts, (i, j)))
    return list(best[n][1]) if best[n] is not None else None


def _prefix_rest(part: str, lex: Lexicon) -> int | None:
    """Where the real part starts after a separable prefix (ab|wasser -> 2), when it is a noun of its own."""
    for p in PREFIXES:
        rest = part[len(p) :]
        if (
            part.startswith(p)
            and len(rest) >= PREFIX_REST_MIN
            and rest in lex.parts
            and not any(rest.startswith(d) and len(rest) - len(d) <= 2 for d in DERIVED_RESTS)
            and not rest.endswith(DERIVED_SUFFIXES)
        ):
            return len(p)
    return None


def _leaves(word: str, lex: Lexicon, starts: frozenset[int], at: int = 0) -> list[tuple[int, int]]:
    """The finest parts of the folded word: its cover, each part split again (Glasfaser in Glasfaserausbau)."""
    cover = None if _lexicalised(word) else _cover(word, lex, frozenset(s - at for s in starts if s > at))
    if cover is None:
        return [(at, at + len(word))]
    out = []
    for s, e in cover:
        out += _leaves(word[s:e], lex, starts, at + s) if e - s >= 2 * MIN_PART else [(at + s, at + e)]
    return out


def _lexicalised(word: str) -> bool:
    return any(word.startswith(w) and len(word) - len(w) <= 2 for w in LEXICALISED)


def _spans(word: str, lex: Lexicon, starts: frozenset[int]) -> list[tuple[int, int]]:
    """(start, end) of the parts a search should find: every run of neighbouring finest parts (Glas, Glasfaser,
    Faserausbau, Ausbau in Glasfaserausbau) but the whole word, and the real part after a prefix (Wasser in
    Abwasser)."""
    leaves = _leaves(word, lex, starts)
    found = {
        (leaves[a][0], leaves[b][1]): None
        for a in range(len(leaves))
        for b in range(a, len(leaves))
        if (a, b) != (0, len(leaves) - 1)
    }
    for s, e in leaves:
        rest = _prefix_rest(word[s:e], lex)
        if rest is not None:
            found[(s + rest, e)] = None
    for s, e in list(found):  # Verkehrs|zeichen: also Verkehr, for stemmers that keep a genitive s
        if (
            e < len(word)
            and word[e - 1] == "s"
            and (word[s : e - 1] in lex.short or (e - 1 - s > MIN_PART and word[s : e - 1] in lex.parts))
        ):
            found[(s, e - 1)] = None
    return list(found)


@functools.lru_cache(maxsize=500_000)
def split(word: str) -> tuple[Part, ...]:
    """The parts of a compound that a search for a part should find: each part, each run of neighbouring parts
    (Gebührenbescheid in Abwassergebührenbescheid), the parts of parts (Glas in Glasfaserausbau) and the real part
    after a prefix (Wasser in Abwasser); empty for a word that is not a compound. Texts are as written in `word`,
    without the Fugenelement."""
    return split_at(word, None)


def split_at(word: str, points: set[int] | None) -> tuple[Part, ...]:
    """`split`, with parts allowed to start only at `points` (indexes into `word`; None: anywhere)."""
    if len(word) < 2 * MIN_PART or len(word) > MAX_WORD or not word.isalpha():
        return ()
    folded, where = fold(word)
    if points is None:
        starts = frozenset(range(len(folded)))
    else:
        starts = frozenset(i for i, w in enumerate(where) if w in points and (i == 0 or where[i - 1] != w))
    parts = []
    for start, end in _spans(folded, lexicon(), starts):
        s, e = where[start], (where[end] if end < len(where) else len(word))
        parts.append(Part(word[s:e], s, e))
    return tuple(parts)


_WORD = re.compile(r"\w+(?:-\w+)*")
# The words that may hold two parts: six letters or more, or hyphenated (shorter words are the common case and are
# skipped by the regular expression, not by a Python loop).
_CANDIDATE = re.compile(rf"\w{{{2 * MIN_PART},}}(?:-\w+)*|\w+(?:-\w+)+")


def index_parts(text: str) -> str:
    """The compound parts of every word of the text, as space-separated words for the parts field (each distinct
    part once). A hyphenated compound (E-Akte, Online-Dienst) also counts as the written-together word."""
    # One pipeline of C-level iterators: this runs for every word of every document on a reindex.
    return " ".join(dict.fromkeys(chain.from_iterable(map(token_parts, dict.fromkeys(_CANDIDATE.findall(text))))))


def index_parts_many(texts: list[str]) -> list[str]:
    """`index_parts` of each text (the unit of work of a reindex worker, search/parts_pool.py; this module imports
    nothing of Django, so a worker process needs no set-up)."""
    return [index_parts(text) for text in texts]


@functools.lru_cache(maxsize=500_000)
def token_parts(token: str) -> tuple[str, ...]:
    """The part texts `index_parts` takes from one word (cached: a corpus repeats its words)."""
    if "-" not in token:
        return tuple(p.text for p in split(token))
    out: dict[str, None] = {}
    pieces = [p for p in token.split("-") if p]
    joined = "".join(pieces)
    if len(pieces) > 1 and joined.isalpha():
        out[joined] = None
        out.update(dict.fromkeys(p.text for p in split(joined)))
    for w in pieces:
        out.update(dict.fromkeys(p.text for p in split(w)))
    return tuple(out)


def hyphen_joined(text: str) -> str | None:
    """`Online-Dienst` -> `OnlineDienst`: a hyphenated compound written together (None for anything else)."""
    pieces = text.split("-")
    joined = "".join(pieces)
    return joined if len(pieces) > 1 and all(pieces) and joined.isalpha() else None


def part_around(text: str, pos: int, wanted) -> tuple[int, int] | None:
    """(start, end) in `text` of a part of the word around `pos` that `wanted(part_text)` accepts, if any; the
    word's hyphenated pieces count as words of their own (Akte in E-Akte is then the word, not a part)."""
    start = pos
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
        start -= 1
    m = _WORD.match(text, start)
    if m is None:
        return None
    joined = hyphen_joined(m.group())
    if joined and wanted(joined):  # Online-Dienst for Onlinedienst: the whole hyphenated word
        return m.start(), m.end()
    offset = m.start()
    for piece in m.group().split("-"):
        for p in split(piece):
            if wanted(p.text):
                return offset + p.start, offset + p.end
        offset += len(piece) + 1
    return None


def same_word(part: str, word: str) -> bool:
    """Is the compound part the query word in another form (Verträge ~ Vertrag, Gebühren ~ Gebühr)? Folded, one
    is the other plus at most three letters of ending, less at most one letter (ä folded to a)."""
    a, b = fold(part)[0], fold(word)[0]
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k >= MIN_PART and k >= min(len(a), len(b)) - 1 and max(len(a), len(b)) - k <= 3


def find_part(text: str, words) -> tuple[int, int] | None:
    """(start, end) in `text` of the first compound part that is one of `words` in some form (for highlighting)."""
    words = list(words)
    for m in _WORD.finditer(text):
        if len(m.group()) >= 2 * MIN_PART:
            hit = part_around(text, m.start(), lambda p: any(same_word(p, w) for w in words))
            if hit is not None:
                return hit
    return None


def marked_snippet(text: str, start: int, end: int, chars: int, before: int = 80) -> str:
    """An HTML fragment of about `chars` characters around text[start:end], which is marked with <b>."""
    left = text.rfind(" ", 0, max(0, start - before)) + 1
    right = text.find(" ", max(end, left + chars - (end - start)))
    right = len(text) if right < 0 else right
    return f"{html.escape(text[left:start])}<b>{html.escape(text[start:end])}</b>{html.escape(text[end:right])}"
