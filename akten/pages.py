"""Which stored page is which page of the rendition. Ingest keeps every page of the source in `Page` rows (blank
ones flagged) but leaves blank pages out of the archival rendition unless all pages are blank
(scan_ingest/pipeline.py `DocumentPlan.rendition_pages`); a version without a rendition shows its original, where
nothing was left out. Search hits and the document viewer count pages the way the rendition does."""

from collections.abc import Iterable


def rendition_numbers(pages: Iterable[tuple[int, bool]], *, has_rendition: bool = True) -> dict[int, int]:
    """Map stored page numbers to page numbers of the displayed file, from `(number, blank)` pairs; pages left out
    of the rendition are absent from the result."""
    pages = sorted(pages)
    keep = [n for n, blank in pages if not blank] if has_rendition else []
    if not keep:  # no rendition, or every page blank: the file shows them all
        keep = [n for n, _ in pages]
    return {n: i for i, n in enumerate(keep, start=1)}
