"""German analysis rules shared by the backends: typo distance, compound splitting against the index vocabulary."""

# Fugenelemente (linking morphemes) between compound parts: Arbeit-s-amt, Straße-n-bau, Kind-er-garten.
FUGEN = ("", "s", "es", "n", "en", "er", "e")
MIN_PART = 4  # shorter parts ("bau" + "er" = Bauer, "glas" + "ur") are too often not compounds at all
MIN_COMPOUND_QUERY = 4

# Elasticsearch's `fuzziness: AUTO:4,8`: exact below 4 letters, one edit up to 7, two from 8 (both backends).
TYPO_LOW, TYPO_HIGH = 4, 8


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


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs one), or limit + 1 once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1
