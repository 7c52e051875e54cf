"""Imports between apps point one way (docs/architecture.md, "Layers"): kernel (`dms`) <- records (`akten`) <-
search and ingest (`search`, `scan_ingest`) <- web and demo (`web`, `demo`) <- the project (`config`: settings and
the URLconf that mounts every app). An app imports only apps of a lower layer; two apps of one layer do not import
each other.

Imports that run against the layering would be listed below, each with why it exists; since issue 14 there are
none. The list may only shrink: a new import against the layering fails the first test, and an entry that no longer
occurs fails the second (remove it). Migration dependencies between apps are checked the same way."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"dms": 0, "akten": 1, "search": 2, "scan_ingest": 2, "demo": 3, "web": 3, "config": 4}

# (importing module, imported module) -> why it still exists. Empty since issue 14 (Document in records, the outbox
# and an index port in the kernel, the user and group admin with the access rule); keep it so.
KNOWN_IMPORTS: dict[tuple[str, str], str] = {}

# (app, migration) depends on (app, migration) -> why. Empty since issue 14: the documents' tables are created by
# akten 0002_initial (dms.migration_ops.CreateModelIfMissing), so dms 0001 no longer depends on akten.
KNOWN_MIGRATION_DEPENDENCIES: dict[tuple[str, str, str, str], str] = {}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _app_sources():
    for app in LAYER:
        yield from sorted((ROOT / app).rglob("*.py"))


def _imports(path: Path):
    """Absolute imports of project apps anywhere in the file (also inside functions, where cycles hide)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in LAYER:
                yield node.lineno, name


def _against_layering(importer: str, imported: str) -> bool:
    own, other = importer.split(".")[0], imported.split(".")[0]
    return own != other and LAYER[other] >= LAYER[own]


def _violations() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in _app_sources():
        importer = _module(path)
        for line, imported in _imports(path):
            if _against_layering(importer, imported):
                found.setdefault((importer, imported), []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_no_new_import_runs_against_the_layering():
    new = {pair: where for pair, where in _violations().items() if pair not in KNOWN_IMPORTS}
    assert not new, "imports against the layering (kernel <- records <- search/ingest <- web):\n" + "\n".join(
        f"  {a} imports {b} at {', '.join(where)}" for (a, b), where in sorted(new.items())
    )


def test_known_exceptions_still_exist():
    """The list may only shrink: an import that was removed is removed from the list too."""
    gone = sorted(set(KNOWN_IMPORTS) - set(_violations()))
    assert not gone, f"no longer imported, remove from KNOWN_IMPORTS: {gone}"


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The parser finds a lazy import inside a function, the usual way around a cycle."""
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from akten.access import readable_akten\n    import search.outbox\n")
    assert list(_imports(source)) == [(2, "akten.access"), (3, "search.outbox")]
    assert _against_layering("dms.services", "akten.access")
    assert _against_layering("search.views", "scan_ingest.models")  # same layer
    assert not _against_layering("scan_ingest.writer", "akten.models")
    assert not _against_layering("akten.models", "akten.access")


DEPENDENCY_RE = re.compile(r"""\(\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]\s*\)""")


def _migration_dependencies():
    for app in LAYER:
        for path in sorted((ROOT / app / "migrations").glob("[0-9]*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "dependencies" for t in node.targets):
                    for other, name in DEPENDENCY_RE.findall(ast.get_source_segment(path.read_text(), node.value)):
                        if other in LAYER and other != app and LAYER[other] >= LAYER[app]:
                            yield (app, path.stem, other, name)


def test_migration_dependencies_point_one_way():
    found = set(_migration_dependencies())
    assert not found - set(KNOWN_MIGRATION_DEPENDENCIES), f"migrations against the layering: {found}"
    assert not set(KNOWN_MIGRATION_DEPENDENCIES) - found, "no longer a dependency: remove it from the list"
