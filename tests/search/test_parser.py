"""The query syntax for people, and the German analysis helpers shared by the backends."""

import pytest

from search.analysis import close_words, typo_distance
from search.parser import parse_query
from search.query import Filter, Fuzzy, Phrase, SearchQuery, Term


def test_words_phrases_exclusions_filters_and_fuzzy():
    p = parse_query('Baugenehmigung "Antrag auf Abriss" -Garage az:63.10 dept:63 year:2019 type:Bescheid Mayer~2')
    assert p.must == [Term("Baugenehmigung"), Phrase(("Antrag", "auf", "Abriss")), Fuzzy("Mayer", 2)]
    assert p.must_not == [Term("Garage")]
    assert p.filters == [
        Filter("az", "63.10"),
        Filter("dept", "63"),
        Filter("year", "2019"),
        Filter("type", "Bescheid"),
    ]
    assert p.errors == []


def test_quoted_filter_value_and_excluded_phrase():
    p = parse_query('type:"Bescheid über Gebühren" -"ohne Befund"')
    assert p.filters == [Filter("type", "Bescheid über Gebühren")]
    assert p.must_not == [Phrase(("ohne", "Befund"))]


def test_unbalanced_quote_searches_the_words():
    p = parse_query('Lärmschutz "Wand Nord')
    assert p.must == [Term("Lärmschutz"), Term("Wand"), Term("Nord")]
    assert "ohne Gegenstück" in p.errors[0]


def test_unknown_field_becomes_words_and_bad_filter_is_dropped():
    p = parse_query("Hinweis:Brandschutz year:neunzehn -dept:63 Rauchmelder")
    assert p.must == [Term("Hinweis"), Term("Brandschutz"), Term("Rauchmelder")]
    assert p.filters == []
    assert len(p.errors) == 3


def test_stray_signs_are_ignored():
    p = parse_query(' - ~ "" Akte ')
    assert p.must == [Term("Akte")]


def test_query_tree_rejects_unknown_filters_and_facets():
    with pytest.raises(ValueError, match="unknown filter field"):
        Filter("owner", "x")
    with pytest.raises(ValueError, match="unknown facet"):
        SearchQuery(principals=("g:1",), facets=("colour",))


def test_typo_distance_follows_es_auto_4_8():
    assert [typo_distance("x" * n) for n in (3, 4, 7, 8, 15)] == [0, 1, 1, 2, 2]


def test_aktenzeichen_recognised_as_typed():
    from search.analysis import looks_like_aktenzeichen

    assert looks_like_aktenzeichen("63.10.02-1998/0042") and looks_like_aktenzeichen("63.10")
    assert not looks_like_aktenzeichen("2019") and not looks_like_aktenzeichen("E-Mail")


def test_close_words_counts_a_transposition_as_one_edit():
    assert close_words("digitalisierng", ["digitalisierung", "digital", "digitalisierng"], 1) == ["digitalisierung"]
    assert close_words("rechnugn", ["rechnung", "zeichnung"], 1) == ["rechnung"]
