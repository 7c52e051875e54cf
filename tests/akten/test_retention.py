"""Retention (Aufbewahrung): Aufbewahrungsende = 31 Dec of (year of the start event + N); `dauernd` never ends;
the start point is z.d.A., the newest document or a recorded event; rules are inherited down the Aktenplan."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akten.models import AktenplanUnit, AkteState, Aussonderungsart
from akten.retention import FristBeginn, retention_end, retention_start
from akten.services import AkteError, akte_close, akte_set_fristbeginn, aktenplan_unit_upsert
from tests import factories

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
years = st.integers(min_value=0, max_value=200)
starts = st.sampled_from([FristBeginn.ZDA, FristBeginn.LETZTES_DOKUMENT, FristBeginn.EREIGNIS])


@given(dates, years)
def test_end_is_31_december_of_start_year_plus_n(start, n):
    end = retention_end(start, n)
    assert end == date(start.year + n, 12, 31)
    assert end >= start
    assert (end - start).days < (n + 1) * 366


@given(st.integers(min_value=1900, max_value=2200), years)
def test_closing_on_31_december_still_counts_that_year(year, n):
    """A file closed on 31 Dec runs N years from the end of that same year, not of the next."""
    assert retention_end(date(year, 12, 31), n) == date(year + n, 12, 31)
    assert retention_end(date(year, 1, 1), n) == retention_end(date(year, 12, 31), n)


@given(st.integers(min_value=1904, max_value=2196).filter(lambda y: y % 4 == 0 and (y % 100 or y % 400 == 0)), years)
def test_leap_day_start_ends_on_31_december(year, n):
    """29 Feb as start never produces an invalid date: the end is 31 Dec, whatever year+N is."""
    assert retention_end(date(year, 2, 29), n) == date(year + n, 12, 31)


@given(st.one_of(st.none(), dates))
def test_dauernd_never_ends(start):
    """`dauernd` (no number of years) has no Aufbewahrungsende, whenever the Akte was closed."""
    assert retention_end(start, None) is None


def test_negative_years_are_refused():
    with pytest.raises(ValueError, match="negative"):
        retention_end(date(2000, 1, 1), -1)


@given(starts, st.one_of(st.none(), dates), st.one_of(st.none(), dates), st.one_of(st.none(), dates))
def test_start_point(rule_start, zda, last_document, event):
    """An open Akte's period never runs; otherwise the rule's start point picks the date
    (newest document falls back to z.d.A. for an empty Akte; an event not yet recorded means no start)."""
    start = retention_start(rule_start=rule_start, zda=zda, last_document=last_document, event=event)
    if zda is None:
        assert start is None
    elif rule_start == FristBeginn.ZDA:
        assert start == zda
    elif rule_start == FristBeginn.LETZTES_DOKUMENT:
        assert start == (last_document or zda)
    else:
        assert start == event


def test_unknown_start_point_is_refused():
    with pytest.raises(ValueError, match="unknown Fristbeginn"):
        retention_start(rule_start="gestern", zda=date(2000, 1, 1), last_document=None, event=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", FristBeginn.ZDA),
        ("zdA", FristBeginn.ZDA),
        ("Z.d.A.", FristBeginn.ZDA),
        ("letztes Dokument", FristBeginn.LETZTES_DOKUMENT),
        ("Ereignis", FristBeginn.EREIGNIS),
    ],
)
def test_fristbeginn_parse(text, expected):
    assert FristBeginn.parse(text) == expected


# -- inheritance down the Aktenplan (unsaved units: effective_rule only walks parent links) ----------------

level = st.fixed_dictionaries(
    {
        "rule": st.sampled_from(["inherit", "dauernd", 0, 5, 10, 30]),
        "start": st.sampled_from(["", FristBeginn.ZDA, FristBeginn.LETZTES_DOKUMENT, FristBeginn.EREIGNIS]),
        "art": st.sampled_from(["", "A", "B", "V"]),
    }
)


@given(st.lists(level, min_size=1, max_size=6))
def test_each_rule_part_comes_from_the_nearest_unit_that_sets_it(levels):
    """Walking from the unit up, the first unit that sets years-or-dauernd, start point or Aussonderungsart wins;
    nothing set anywhere means: no end (never due), start z.d.A., Aussonderungsart B (bewerten)."""
    parent = None
    for i, lv in enumerate(levels):
        parent = AktenplanUnit(
            kennzeichen=".".join(["1"] * (i + 1)),
            title=f"Ebene {i}",
            parent=parent,
            retention_years=lv["rule"] if isinstance(lv["rule"], int) else None,
            retention_permanent=lv["rule"] == "dauernd",
            retention_start=lv["start"],
            aussonderungsart=lv["art"],
        )
    rule = parent.effective_rule()
    nearest_first = list(reversed(levels))
    set_rule = next((lv["rule"] for lv in nearest_first if lv["rule"] != "inherit"), None)
    assert rule.permanent == (set_rule == "dauernd")
    assert rule.years == (set_rule if isinstance(set_rule, int) else None)
    assert rule.start == next((lv["start"] for lv in nearest_first if lv["start"]), FristBeginn.ZDA)
    assert rule.aussonderungsart == next((lv["art"] for lv in nearest_first if lv["art"]), Aussonderungsart.B)


# -- the stored Aufbewahrungsende of real Akten ---------------------------------------------------------------


@pytest.mark.django_db
def test_closing_stores_the_end_from_the_inherited_rule(aktenplan):
    """63.10.02 sets nothing, so its Akten take 30 years from 63.10: closed 2000 -> kept until 31.12.2030."""
    akte = factories.akte("63.10.02-1998/0042", opened_on=date(1998, 3, 3))
    akte = akte_close(akte=akte, on=date(2000, 8, 1))
    assert (akte.state, akte.zda_date, akte.aufbewahrungsende) == (AkteState.ZDA, date(2000, 8, 1), date(2030, 12, 31))


@pytest.mark.django_db
def test_dauernd_akte_has_no_end(aktenplan):
    akte = akte_close(akte=factories.akte("32-2000/1", opened_on=date(2000, 1, 1)), on=date(2001, 5, 5))
    assert akte.aufbewahrungsende is None


@pytest.mark.django_db
def test_changing_a_parent_rule_recomputes_closed_akten_below_only(aktenplan):
    below = akte_close(akte=factories.akte("63.10.02-1998/1", opened_on=date(1998, 1, 1)), on=date(2000, 1, 1))
    beside = akte_close(akte=factories.akte("63.1-1998/1", opened_on=date(1998, 1, 1)), on=date(2000, 1, 1))
    aktenplan_unit_upsert(kennzeichen="63.10", title="Baugenehmigungen", retention_years=50, aussonderungsart="A")
    below.refresh_from_db()
    beside.refresh_from_db()
    assert below.aufbewahrungsende == date(2050, 12, 31)
    assert beside.aufbewahrungsende == date(2010, 12, 31)  # 63.1 is under 63 (10 years), not under 63.10


@pytest.mark.django_db
def test_unit_inserted_between_levels_adopts_children_and_akten(aktenplan):
    """Creating 63.20 after 63.20.05 and an Akte 63.20-… exist makes 63.20 their parent and unit, so its rule
    applies to them."""
    child = aktenplan_unit_upsert(kennzeichen="63.20.05", title="Vorbescheide")
    akte = akte_close(akte=factories.akte("63.20-2001/1", opened_on=date(2001, 1, 1)), on=date(2002, 1, 1))
    assert child.parent == aktenplan.u63 and akte.unit == aktenplan.u63
    u6320 = aktenplan_unit_upsert(kennzeichen="63.20", title="Bauvoranfragen", retention_years=3)
    child.refresh_from_db()
    akte.refresh_from_db()
    assert child.parent == u6320 and akte.unit == u6320
    assert akte.aufbewahrungsende == date(2005, 12, 31)
    assert aktenplan.u631002.parent == aktenplan.u6310  # deeper chains are left alone


@pytest.mark.django_db
def test_event_start_point_waits_for_the_event(org):
    """A rule starting at an Ereignis gives no end until the event is recorded, then 31 Dec of event year + N."""
    aktenplan_unit_upsert(
        kennzeichen="63",
        title="Bauordnung",
        retention_years=10,
        department=org.d63,
        retention_start=FristBeginn.EREIGNIS,
    )
    akte = akte_close(akte=factories.akte("63-2000/1", opened_on=date(2000, 1, 1)), on=date(2001, 1, 1))
    assert akte.aufbewahrungsende is None
    akte = akte_set_fristbeginn(akte=akte, event=date(2003, 6, 1))
    assert akte.aufbewahrungsende == date(2013, 12, 31)


@pytest.mark.django_db
def test_only_an_open_akte_can_be_closed_and_not_before_it_was_opened(aktenplan):
    akte = factories.akte("63-2000/1", opened_on=date(2000, 5, 1))
    with pytest.raises(AkteError, match="liegt vor der Anlage der Akte"):
        akte_close(akte=akte, on=date(2000, 4, 30))
    akte_close(akte=akte, on=date(2000, 5, 1))
    with pytest.raises(AkteError, match=r"nur eine offene Akte kann z\.d\.A\. verfügt werden"):
        akte_close(akte=akte, on=date(2001, 1, 1))
