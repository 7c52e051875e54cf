"""From processed pages to documents: separator sheets split a batch scan, each part going to the Akte the
last `DMS:AKTE` sheet named (or the manifest's / `--akte`); a part's title is the `DMS:DOK:<Titel>` of its sheet,
else the heading its text suggests (suggest.py), else "<file> (Seiten a-b)". Pure: no database, no storage."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import IngestError
from .stages.separator import parse_separator
from .stages.types import PageResult
from .suggest import suggest_title


@dataclass(frozen=True)
class DocumentPlan:
    aktenzeichen: str | None
    title: str
    pages: tuple[PageResult, ...]  # in source order, separators left out, blank pages kept
    first: int  # 1-based page numbers in the source file
    last: int
    split: bool  # cut out of a batch scan: source_pages is recorded
    error: str | None = None

    @property
    def source_pages(self) -> str:
        return f"{self.first}-{self.last}" if self.split else ""

    @property
    def content_pages(self) -> tuple[PageResult, ...]:
        return tuple(p for p in self.pages if not p.blank)

    @property
    def rendition_pages(self) -> tuple[PageResult, ...]:
        """Blank pages are left out of the rendition, unless all are blank: then it shows them all (the
        document is stored and flagged for review rather than refused)."""
        return self.content_pages or self.pages


@dataclass
class _Segment:
    aktenzeichen: str | None
    title: str | None
    pages: list[PageResult]
    error: str | None = None


def plan_documents(
    results: list[PageResult], *, aktenzeichen: str | None, title: str
) -> tuple[list[DocumentPlan], list[int]]:
    """Documents of one source file, and the (1-based) pages of parts skipped because they held only blank
    pages (the back of a separator sheet in a duplex scan); those are listed for review."""
    results = sorted(results, key=lambda r: r.index)
    if not any(r.separator for r in results):
        plan = DocumentPlan(aktenzeichen, title, tuple(results), 1, len(results), split=False)
        if not aktenzeichen:
            plan = _with_error(
                plan,
                "keine Akte für diese Datei: Ziel-Akte wählen (--akte), eine Manifestzeile mit Aktenzeichen "
                "oder Trennblätter (DMS:AKTE:<Aktenzeichen>) verwenden",
            )
        return [plan], []
    segments = [_Segment(aktenzeichen, None, [])]
    current = aktenzeichen
    for page in results:
        if not page.separator:
            segments[-1].pages.append(page)
            continue
        try:
            kind, value = parse_separator(page.separator)
        except IngestError as exc:
            segments.append(_Segment(current, None, [], f"Trennblatt auf Seite {page.index + 1}: {exc.reason}"))
            continue
        if kind == "akte":
            current = value
            segments.append(_Segment(value, None, []))
        else:
            segments.append(_Segment(current, value or None, []))
    plans, skipped = [], []
    for seg in segments:
        if not seg.pages:
            continue
        if all(p.blank for p in seg.pages):
            skipped.extend(p.index + 1 for p in seg.pages)
            continue
        first, last = seg.pages[0].index + 1, seg.pages[-1].index + 1
        content = next((p for p in seg.pages if not p.blank), seg.pages[0])
        plan = DocumentPlan(
            seg.aktenzeichen,
            seg.title or suggest_title(content.text) or f"{title} (Seiten {first}-{last})",
            tuple(seg.pages),
            first,
            last,
            split=True,
            error=seg.error,
        )
        if plan.error is None and not plan.aktenzeichen:
            plan = _with_error(
                plan,
                f"Seiten {first}-{last} liegen vor dem ersten Trennblatt DMS:AKTE, und keine Akte ist "
                "angegeben (Ziel-Akte oder Manifest)",
            )
        plans.append(plan)
    return plans, skipped


def _with_error(plan: DocumentPlan, reason: str) -> DocumentPlan:
    from dataclasses import replace

    return replace(plan, error=reason)
