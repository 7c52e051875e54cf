"""Splitting a batch scan into documents (pure): separator semantics, page ranges, blank-only parts."""

from scan_ingest.pipeline import plan_documents
from scan_ingest.stages.types import PageResult


def pages(*kinds):
    """'p' page, 'b' blank, or a separator payload."""
    return [
        PageResult(index=i, blank=k == "b", separator=k if k.startswith("DMS:") else None) for i, k in enumerate(kinds)
    ]


def summary(plans):
    return [(p.aktenzeichen, p.source_pages, len(p.pages), p.title, p.error) for p in plans]


def test_file_without_separators_is_one_document_without_page_range():
    plans, skipped = plan_documents(pages("p", "b", "p"), aktenzeichen="63-1/1", title="brief")
    assert summary(plans) == [("63-1/1", "", 3, "brief", None)] and skipped == []


def test_dok_separator_before_any_akte_sheet_uses_the_given_akte_and_titles_the_document():
    plans, _ = plan_documents(
        pages("DMS:DOK:Anlage 1", "p", "p", "DMS:DOK", "p"), aktenzeichen="63-1/1", title="stapel"
    )
    assert summary(plans) == [("63-1/1", "2-3", 2, "Anlage 1", None), ("63-1/1", "5-5", 1, "stapel (Seiten 5-5)", None)]


def test_akte_sheet_switches_the_akte_for_following_dok_sheets():
    plans, _ = plan_documents(
        pages("DMS:AKTE:32-2/2", "p", "DMS:DOK:X", "p", "DMS:AKTE:63-3/3", "p"), aktenzeichen=None, title="s"
    )
    assert [(p.aktenzeichen, p.source_pages) for p in plans] == [
        ("32-2/2", "2-2"),
        ("32-2/2", "4-4"),
        ("63-3/3", "6-6"),
    ]


def test_parts_of_only_blank_pages_are_skipped_but_named_and_back_to_back_separators_make_nothing():
    plans, skipped = plan_documents(
        pages("DMS:AKTE:32-2/2", "b", "DMS:DOK", "DMS:DOK", "p", "b"), aktenzeichen=None, title="s"
    )
    assert summary(plans) == [("32-2/2", "5-6", 2, "s (Seiten 5-6)", None)] and skipped == [2]


def test_unknown_separator_payload_makes_the_following_part_an_error():
    plans, _ = plan_documents(pages("DMS:FOO:bar", "p"), aktenzeichen="63-1/1", title="s")
    assert plans[0].error.startswith("Trennblatt auf Seite 1: Trennblatt mit unbekanntem Inhalt")


def test_file_of_only_blank_pages_is_one_document_with_every_page_in_the_rendition():
    (plan,), _ = plan_documents(pages("b", "b"), aktenzeichen="63-1/1", title="s")
    assert plan.error is None and plan.content_pages == () and len(plan.rendition_pages) == 2


def test_file_without_akte_is_an_error():
    assert "keine Akte für diese Datei" in plan_documents(pages("p"), aktenzeichen=None, title="s")[0][0].error
