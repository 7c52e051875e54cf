"""Benchmark German compound search: recall and precision per position class (first, middle, last part) against a
hand-checked ground truth (bench/data/compounds_de.txt, independent of the splitter and its word list).

1. Splitters compared word by word (which parts each finds in each word of the list):
   `cover`        search.compounds (the choice): complete cover by the word list, Fugenelemente, fewest parts
   `cover+hyphenation` the same, each part starting at a hyphenation point (pyphen's de_DE patterns)
   `hyphenation`  Lucene's HyphenationCompoundWordTokenFilter (Elasticsearch `hyphenation_decompounder`):
                  word-list entries between hyphenation points, also one letter shorter (genitive s)
   `dictionary`   Lucene's DictionaryCompoundWordTokenFilter (Elasticsearch `dictionary_decompounder`): every
                  word-list entry anywhere inside the word
2. Search through the backends: a small archive (one document per word form of the list) and a large one (--docs
   documents of six words drawn from the list); every part and every look-alike of the list is asked as a query
   (a Term with compound expansion, typo tolerance off, so only the decompounding is measured). A hit is right when
   the document holds the query word itself (reported as `word`) or a compound with it as a real part; a wrong
   hit counts in the class where the query's letters sit in the document's word. Targets: recall >= 0.95 and
   precision >= 0.9 per class. Queries that are stopwords (Weg) search nothing and are left out.

Caveat: the list also guided the splitter's few hand-checked exceptions (search/compounds.py DERIVED_RESTS,
LEXICALISED; tools/build_compound_parts.py NOT_PARTS), so for words outside it the figures are optimistic; the
comparison of the splitters is on equal terms. Why `cover`: the Lucene-style filters find word-list entries
inside ordinary words (Be|schein|igung, Ver|sicher|ung) and miss runs; hyphenation points do not help the cover
(pyphen's de_DE patterns miss many compound boundaries: kin-derkrippe) and cost recall outside this list.

    .venv/bin/python bench/search_quality.py [--docs 100000] [--elasticsearch http://127.0.0.1:9200] [--json]
"""

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRUTH_FILE = ROOT / "bench" / "data" / "compounds_de.txt"
HELDOUT_FILE = ROOT / "bench" / "data" / "compounds_de_heldout.txt"  # never used to tune the splitter
CLASSES = ("first", "middle", "last")
WORDS_PER_DOC = 6
_SEGMENT = re.compile(r"^(?:(?P<prefix>[^|]+)\|)?(?P<text>[^\[(]+?)(?:\[(?P<lemma>[^\]]+)\])?(?:\((?P<fuge>[^)]*)\))?$")


@dataclass
class TruthPart:
    query: str | None  # the part as a word of its own (None: a verb stem, never asked for)
    start: int
    end: int
    cls: str


@dataclass
class Entry:
    word: str
    forms: list[str]
    parts: list[TruthPart] = field(default_factory=list)
    not_parts: list[str] = field(default_factory=list)


def position_class(start: int, end: int, length: int) -> str:
    return "first" if start == 0 else "last" if end == length else "middle"


def parse_entry(line: str) -> Entry:
    """`Ab|wasser+gebühr(en)+bescheid = Abwassergebührenbescheide ! Wass`: see the head of the truth file."""
    line, _, traps = line.partition("!")
    marked, _, forms = line.partition("=")
    word, segments = "", []  # segments: (text start, text end, query form, prefix length)
    for raw in marked.strip().split("+"):
        hyphen = raw.endswith("-")
        m = _SEGMENT.match(raw.rstrip("-"))
        if m is None:
            raise ValueError(f"{TRUTH_FILE.name}: cannot read {raw!r} in {marked!r}")
        prefix, text = m.group("prefix") or "", m.group("text")
        start = len(word) + len(prefix)
        lemma = m.group("lemma")
        query = None if lemma == "-" else (lemma or text)
        segments.append((start, start + len(text), query, len(prefix)))
        word += prefix + text + (m.group("fuge") or "") + ("-" if hyphen else "")
    word = word[0].upper() + word[1:]
    entry = Entry(word, [f.strip() for f in forms.split(",") if f.strip()], not_parts=traps.split())
    if len(segments) > 1:
        for a in range(len(segments)):
            for b in range(a, len(segments)):
                if (a, b) == (0, len(segments) - 1):
                    continue
                start, end = segments[a][0] - segments[a][3], segments[b][1]
                query = segments[a][2] if a == b and not segments[a][3] else word[start:end]
                entry.parts.append(
                    TruthPart(query and query[0].upper() + query[1:], start, end, position_class(start, end, len(word)))
                )
    for start, end, query, prefix in segments:
        if prefix:
            entry.parts.append(
                TruthPart(query[0].upper() + query[1:], start, end, position_class(start, end, len(word)))
            )
    return entry


def load_truth(path: Path = TRUTH_FILE) -> list[Entry]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_entry(line) for line in lines if line.strip() and not line.startswith("#")]


# -- splitters ------------------------------------------------------------------------------------------------
def splitters() -> dict:
    from search.compounds import fold, lexicon, split, split_at

    try:
        import pyphen  # bench only: the hyphenation patterns Elasticsearch's hyphenation_decompounder would need
    except ImportError:
        print("pyphen not installed: the hyphenation splitters are left out (pip install pyphen==0.18.1)")
        pyphen = None
    words = lexicon().parts  # what Elasticsearch's decompounders get
    hyphenator = pyphen.Pyphen(lang="de_DE", left=1, right=1) if pyphen else None

    def points(word):
        return [0, *hyphenator.positions(word), len(word)]

    def points_of(word):
        return hyphenator.positions(word)

    def cover(word):
        return [(p.text, p.start, p.end) for p in split(word)]

    def cover_hyphenation(word):
        lower = word.lower()
        points = set(points_of(lower))
        # the de_DE patterns hyphenate `s` + consonant either way (Tagess-tätte, Grund-s-tücks)
        points |= {p - 1 for p in points if lower[p - 1] == "s"} | {p + 1 for p in points if lower[p] == "s"}
        return [(p.text, p.start, p.end) for p in split_at(word, points)]

    def hyphenation(word):  # Lucene HyphenationCompoundWordTokenFilter, min 3, max 15 letters
        lower = word.lower()
        hyp = points(lower)
        out = []
        for i, start in enumerate(hyp):
            for end in hyp[i + 1 :]:
                n = end - start
                if n > 15:
                    break
                if n < 3 or (start, end) == (0, len(lower)):
                    continue
                if fold(lower[start:end])[0] in words:
                    out.append((word[start:end], start, end))
                elif n > 3 and fold(lower[start : end - 1])[0] in words:
                    out.append((word[start : end - 1], start, end - 1))
        return out

    def dictionary(word):  # Lucene DictionaryCompoundWordTokenFilter, min 3, max 15 letters
        lower = word.lower()
        return [
            (word[i : i + n], i, i + n)
            for i in range(len(lower))
            for n in range(3, 16)
            if i + n <= len(lower) and (i, i + n) != (0, len(lower)) and fold(lower[i : i + n])[0] in words
        ]

    if hyphenator is None:
        return {"cover": cover, "dictionary": dictionary}
    return {
        "cover": cover,
        "cover+hyphenation": cover_hyphenation,
        "hyphenation": hyphenation,
        "dictionary": dictionary,
    }


def _stemmer():
    from search.backends._tantivy_compile import DE, build_analyzers

    analyzer = build_analyzers()[DE]

    def stem(text: str) -> str:
        return "".join(analyzer.analyze(text))

    return stem


def _ratio(a: int, b: int):
    return round(a / b, 4) if b else None


def compare_splitters(entries: list[Entry]) -> dict:
    """Per splitter and class: the truth parts it finds (recall) and how many of its parts are real (precision)."""
    stem = _stemmer()
    report = {}
    for name, splitter in splitters().items():
        tp, fn, fp = defaultdict(int), defaultdict(int), defaultdict(int)
        for e in entries:
            truth = {stem(p.query or e.word[p.start : p.end]): p.cls for p in e.parts}
            found = {}
            for text, start, end in splitter(e.word.replace("-", "")) if "-" not in e.word else []:
                found.setdefault(stem(text), position_class(start, end, len(e.word)))
            if "-" in e.word:
                found = {stem(p): "first" if i == 0 else "last" for i, p in enumerate(e.word.split("-"))}
            for s, cls in truth.items():
                (tp if s in found else fn)[cls] += 1
            for s, cls in found.items():
                if s not in truth:
                    fp[cls] += 1
        report[name] = {
            c: {
                "recall": _ratio(tp[c], tp[c] + fn[c]),
                "precision": _ratio(tp[c], tp[c] + fp[c]),
                "parts": tp[c] + fn[c],
            }
            for c in CLASSES
        }
    return report


# -- search ---------------------------------------------------------------------------------------------------
def _doc(doc_id: int, words: list[str]):
    from search.indexdoc import IndexDoc

    return IndexDoc(
        document_id=doc_id,
        akte_id=1,
        aktenzeichen="10-2020/0001",
        az_keys=("10-2020/0001",),
        unit="10",
        title="Vorgang",
        department="10",
        document_type="Bescheid",
        year=2020,
        source="",
        source_pages=None,
        pages=((1, " ".join(words) + "."),),
        principals=("g:1",),
    )


def archives(entries: list[Entry], n_docs: int, seed: int = 11) -> dict[str, list[list[str]]]:
    """`small`: one document per word form; `large`: n_docs documents of WORDS_PER_DOC forms drawn at random."""
    forms = [(e, f) for e in entries for f in [e.word, *e.forms]]
    rnd = random.Random(seed)
    large = [[f for _, f in rnd.sample(forms, WORDS_PER_DOC)] for _ in range(n_docs)] if n_docs else []
    return {"small": [[f] for _, f in forms], "large": large}


def queries_and_truth(entries: list[Entry]):
    """The queries (every part and look-alike of the list), and for each word form the query stems it truly
    matches, with the class: `word` (the word itself) or the part's position."""
    stem = _stemmer()
    queries: dict[str, str] = {}  # stem -> query text
    matches: dict[str, dict[str, str]] = {}  # word form -> {query stem: class}
    for e in entries:
        own = {}
        for p in e.parts:
            if p.query and stem(p.query):  # not a stopword (Weg is one: such a query searches nothing)
                queries.setdefault(stem(p.query), p.query)
                own.setdefault(stem(p.query), p.cls)
            own.setdefault(stem(e.word[p.start : p.end].strip("-")), p.cls)
        for t in e.not_parts:
            if stem(t):
                queries.setdefault(stem(t), t)
        for form in [e.word, *e.forms]:
            m = dict(own)
            m[stem(form)] = "word"
            matches[form] = m
    return queries, matches


def all_ids(backend, query) -> set[int]:
    """Every matching document id. Elasticsearch pages at most 10,000 hits: there the compiled query is scrolled."""
    if getattr(backend, "name", "") != "elasticsearch":
        return {h["document_id"] for h in backend.search(query).hits}
    from elasticsearch.helpers import scan

    from search.backends._es_mapping import Compiler

    body = {"query": Compiler(backend._visible).query(query).to_dict(), "_source": ["doc_id"]}
    return {h["_source"]["doc_id"] for h in scan(backend.client, index=backend.alias, query=body, size=5000)}


def search_quality(backend, docs: list[list[str]], queries, matches, *, batch: int = 5000) -> dict:
    from search.compounds import fold
    from search.query import SearchQuery, Term

    backend.clear()
    started = time.monotonic()
    for i in range(0, len(docs), batch):
        backend.upsert([_doc(i + j + 1, words) for j, words in enumerate(docs[i : i + batch])])
    index_s = time.monotonic() - started
    by_stem: dict[str, dict[int, str]] = defaultdict(dict)  # query stem -> doc id -> class
    for doc_id, words in enumerate(docs, 1):
        for w in words:
            for s, cls in matches[w].items():
                if by_stem[s].get(doc_id) != "word":
                    by_stem[s][doc_id] = cls
    tp, fn, fp = defaultdict(int), defaultdict(int), defaultdict(int)
    started = time.monotonic()
    for s, text in queries.items():
        q = SearchQuery(
            principals=("g:1",),
            must=(Term(text, typo_tolerant=False),),
            limit=len(docs) + 1,
            highlight=False,
            facets=(),
        )
        found = all_ids(backend, q)
        truth = by_stem.get(s, {})
        for doc_id, cls in truth.items():
            (tp if doc_id in found else fn)[cls] += 1
        needle = fold(s)[0][: max(3, len(s) - 1)]
        for doc_id in found - set(truth):
            cls = "other"
            for w in docs[doc_id - 1]:
                at = fold(w)[0].find(needle)
                if at >= 0:
                    cls = position_class(at, at + len(needle), len(fold(w)[0]))
                    break
            fp[cls] += 1
    query_s = time.monotonic() - started
    classes = {
        c: {
            "recall": _ratio(tp[c], tp[c] + fn[c]),
            "precision": _ratio(tp[c], tp[c] + fp[c]),
            "pairs": tp[c] + fn[c],
            "wrong": fp[c],
        }
        for c in ("word", *CLASSES)
    }
    return {
        "documents": len(docs),
        "queries": len(queries),
        "classes": classes,
        "wrong_other": fp["other"],
        "index_s": round(index_s, 1),
        "query_ms": round(query_s * 1000 / max(1, len(queries)), 2),
    }


def _backends(args, tmp: Path) -> dict:
    from search.backends import backend_from_url

    out = {"tantivy": backend_from_url(f"tantivy://{tmp / 'index'}")}
    if args.elasticsearch:
        out["elasticsearch"] = backend_from_url(f"elasticsearch+{args.elasticsearch.rstrip('/')}/eakte-bench-quality")
        out["elasticsearch"].count()  # creates the index and its alias
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000, help="documents of the large archive (0: small only)")
    ap.add_argument("--elasticsearch", help="also measure this Elasticsearch node (http://host:9200)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    os.environ["DMS_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    entries = load_truth()
    heldout = load_truth(HELDOUT_FILE)
    report = {
        "truth_words": len(entries),
        "splitters": compare_splitters(entries),
        "heldout_words": len(heldout),
        "heldout_splitters": compare_splitters(heldout),
        "search": {},
    }
    queries, matches = queries_and_truth(entries)
    h_queries, h_matches = queries_and_truth(heldout)
    try:
        for name, backend in _backends(args, tmp).items():
            for archive, docs in archives(entries, args.docs).items():
                if docs:
                    report["search"][f"{name} {archive}"] = search_quality(backend, docs, queries, matches)
            report["search"][f"{name} held-out"] = search_quality(
                backend, archives(heldout, 0)["small"], h_queries, h_matches
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    print(f"ground truth: {len(entries)} hand-checked words ({TRUTH_FILE.relative_to(ROOT)})")
    for key, title in (
        ("splitters", f"the {len(entries)} words"),
        ("heldout_splitters", f"{len(heldout)} held-out words ({HELDOUT_FILE.name})"),
    ):
        print(f"\nsplitters, word by word, {title} (recall / precision of parts):")
        print(f"{'splitter':18}" + "".join(f"{c:>18}" for c in CLASSES))
        for name, r in report[key].items():
            print(f"{name:18}" + "".join(f"{r[c]['recall']!s:>9}/{r[c]['precision']!s:<8}" for c in CLASSES))
    print("\nsearch (recall / precision per class; pairs = query-document pairs that should match):")
    print(f"{'backend archive':22}" + "".join(f"{c:>20}" for c in ("word", *CLASSES)) + "   index s  ms/query")
    for name, r in report["search"].items():
        cells = "".join(
            f"{r['classes'][c]['recall']!s:>8}/{r['classes'][c]['precision']!s:<6}({r['classes'][c]['pairs']:>5})"
            for c in ("word", *CLASSES)
        )
        print(f"{name:22}{cells}   {r['index_s']:7} {r['query_ms']:9}")


if __name__ == "__main__":
    main()
