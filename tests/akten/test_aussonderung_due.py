"""Due selection (Aussonderung fällig): closed Akten whose Aufbewahrungsende (31 Dec of year + N) lies before the
as-of date and that carry no active hold; `dauernd` never; law-specific start points count from their own date."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from akten.aussonderung.selectors import due_akten, due_list
from akten.models import AkteState, Document
from akten.retention import FristBeginn
from akten.services import akte_close, akte_set_fristbeginn, aktenplan_unit_upsert, hold_place, hold_release
from tests import factories

HYPO = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# z.d.A. may not lie in the future (akte_close); retention ends and events reach far beyond it
zda_dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31))
event_dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))
years = st.integers(min_value=0, max_value=120)
near = st.integers(min_value=-400, max_value=400)


class Rollback(Exception):
    pass


def _in_rollback(fn):
    """Run one Hypothesis example inside a transaction that is rolled back, so examples do not see each other."""
    try:
        with transaction.atomic():
            fn()
            raise Rollback
    except Rollback:
        pass


def _closed(unit_kz, zda, *, az=None, **unit):
    aktenplan_unit_upsert(kennzeichen=unit_kz, title="Prüfeinheit", **unit)
    akte = factories.akte(az or f"{unit_kz}-{zda.year}/0001", opened_on=zda)
    return akte_close(akte=akte, on=zda)


def _is_due(akte, as_of) -> bool:
    return due_akten(as_of=as_of).filter(pk=akte.pk).exists()


@HYPO
@given(zda=zda_dates, n=years, delta=near)
@example(zda=date(2000, 12, 31), n=10, delta=1)  # closed on 31 Dec: that year counts
@example(zda=date(2004, 2, 29), n=4, delta=0)  # leap day, and year + N is a leap year again
@example(zda=date(2000, 1, 1), n=0, delta=1)  # N = 0: due from the next 1 Jan
def test_due_exactly_after_31_december_of_year_plus_n(aktenplan, zda, n, delta):
    """An Akte closed in year Y with N years is due from 1 Jan Y+N+1 on (as-of strictly after 31 Dec Y+N)."""

    def example():
        akte = _closed("63.70", zda, retention_years=n, aussonderungsart="V")
        end = date(zda.year + n, 12, 31)
        assert akte.aufbewahrungsende == end
        as_of = end + timedelta(days=delta)
        assert _is_due(akte, as_of) == (as_of > end)
        assert not _is_due(akte, end) and _is_due(akte, end + timedelta(days=1))

    _in_rollback(example)


@HYPO
@given(zda=zda_dates, as_of=st.dates(min_value=date(1950, 1, 1), max_value=date(9999, 12, 31)))
def test_dauernd_is_never_due(aktenplan, zda, as_of):
    """A `dauernd` rule has no Aufbewahrungsende: never due, however late the as-of date."""

    def example():
        akte = _closed("63.71", zda, retention_permanent=True, aussonderungsart="A")
        assert akte.aufbewahrungsende is None
        assert not _is_due(akte, as_of)

    _in_rollback(example)


@HYPO
@given(zda=zda_dates, event=event_dates, n=years, delta=near)
def test_event_start_is_due_only_after_the_event_year_plus_n(aktenplan, zda, event, n, delta):
    """Fristbeginn `ereignis` (e.g. Abbruch des Gebäudes): not due at all until the event is recorded, then due
    after 31 Dec of (year of the event + N), independent of the z.d.A. year."""

    def example():
        akte = _closed("63.72", zda, retention_years=n, retention_start=FristBeginn.EREIGNIS, aussonderungsart="V")
        assert not _is_due(akte, date(9999, 12, 31))
        akte = akte_set_fristbeginn(akte=akte, event=event)
        end = date(event.year + n, 12, 31)
        assert _is_due(akte, end + timedelta(days=delta)) == (delta > 0)

    _in_rollback(example)


@HYPO
@given(zda=zda_dates, doc_dates=st.lists(zda_dates, min_size=1, max_size=4), n=years, delta=near)
def test_last_document_start_counts_from_the_newest_document(aktenplan, zda, doc_dates, n, delta):
    """Fristbeginn `letztes_dokument`: the period runs from the year of the newest document's date."""

    def example():
        aktenplan_unit_upsert(
            kennzeichen="63.73",
            title="Prüfeinheit",
            retention_years=n,
            retention_start=FristBeginn.LETZTES_DOKUMENT,
            aussonderungsart="V",
        )
        akte = factories.akte(f"63.73-{zda.year}/0001", opened_on=zda)
        Document.objects.bulk_create(
            [
                Document(akte=akte, department=akte.lead_department, title=f"D{i}", date=d)
                for i, d in enumerate(doc_dates)
            ]
        )
        akte = akte_close(akte=akte, on=max(zda, *doc_dates))  # not before the newest document (akte_close)
        end = date(max(doc_dates).year + n, 12, 31)
        assert _is_due(akte, end + timedelta(days=delta)) == (delta > 0)

    _in_rollback(example)


def test_holds_stack_and_win(org, aktenplan):
    """A held Akte is never due; it is due again only when every hold is released."""
    akte = _closed("63.74", date(2000, 3, 1), retention_years=5, aussonderungsart="V")
    as_of = date(2020, 1, 1)
    assert _is_due(akte, as_of)
    h1 = hold_place(akte=akte, reason="Klage", by=org.archiv)
    h2 = hold_place(akte=akte, reason="Prüfung Rechnungshof", by=org.archiv)
    assert not _is_due(akte, as_of)
    hold_release(akte=akte, hold_id=h1.pk, by=org.archiv, reason="erledigt")
    assert not _is_due(akte, as_of)
    hold_release(akte=akte, hold_id=h2.pk, by=org.archiv, reason="erledigt")
    assert _is_due(akte, as_of)


@pytest.mark.parametrize(
    "state", [AkteState.OFFEN, AkteState.ANGEBOTEN, AkteState.BEWERTET_V, AkteState.VERNICHTET, AkteState.ABGEGEBEN]
)
def test_only_closed_akten_are_due(org, aktenplan, state):
    """Only state z.d.A. is due: open Akten, Akten already in a run, and disposed Akten are not."""
    akte = _closed("63.75", date(2000, 3, 1), retention_years=1, aussonderungsart="V")
    type(akte).objects.filter(pk=akte.pk).update(state=state)
    assert not _is_due(akte, date(2030, 1, 1))


def test_due_is_one_query_and_the_list_two(org, aktenplan, django_assert_num_queries):
    """One query selects the due Akten (hold check inside it); the list adds one for the Aktenplan rules."""
    for i in range(5):
        akte = factories.akte(f"63-2001/{i + 1:04d}", opened_on=date(2001, 1, 1))
        akte_close(akte=akte, on=date(2001, 6, 1))
    hold_place(akte=akte, reason="Klage", by=org.archiv)
    with django_assert_num_queries(1):
        assert len(list(due_akten(as_of=date(2030, 1, 1)))) == 4
    with django_assert_num_queries(2):
        assert len(due_list(as_of=date(2030, 1, 1))) == 4


def test_due_query_uses_the_state_retention_index(org, aktenplan):
    """The plan reaches Akten through the (state, aufbewahrungsende) index, not a table scan. The table holds
    what a real archive holds (many Akten past their end that are already disposed of, a few closed ones due)
    and fresh statistics, so the planner's choice does not hang on what earlier tests left behind."""
    from akten.models import Akte

    past = date(2010, 12, 31)
    Akte.objects.bulk_create(
        [
            Akte(
                aktenzeichen=f"63-1990/{i:04d}",
                unit=aktenplan.u63,
                title="alt",
                lead_department=org.d63,
                state=AkteState.VERNICHTET,
                aufbewahrungsende=past,
            )
            for i in range(1, 400)
        ]
        + [
            Akte(
                aktenzeichen=f"63-1995/{i:04d}",
                unit=aktenplan.u63,
                title="fällig",
                lead_department=org.d63,
                state=AkteState.ZDA,
                aufbewahrungsende=past,
            )
            for i in range(1, 6)
        ]
    )
    qs = due_akten(as_of=date(2030, 1, 1))
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("ANALYZE akten_akte")
            cur.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
        assert "akten_akte_state_" in plan, plan
    else:
        plan = qs.explain()
        assert "USING INDEX akten_akte_state_" in plan or "USING COVERING INDEX akten_akte_state_" in plan, plan


def test_due_command_lists_the_contract_fields(org, aktenplan, run_command):
    """`aussonderung due --as-of D --json`: Aktenzeichen, title, department, z.d.A., Aufbewahrungsende,
    Aussonderungsart (the Akte's override, else its unit's inherited rule); DD.MM.YYYY accepted too."""
    a = factories.akte("63.10.02-1980/0001", "Neubau", opened_on=date(1979, 1, 1))
    akte_close(akte=a, on=date(1980, 6, 1))
    b = factories.akte("63-2005/0001", "Abriss", opened_on=date(2005, 1, 1))
    b.aussonderungsart = "A"
    b.save()
    akte_close(akte=b, on=date(2005, 6, 1))
    code, out, err = run_command("aussonderung", "due", "--as-of", "01.01.2016", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["as_of"] == "2016-01-01" and result["total"] == 2
    assert result["akten"][0] == {
        "aktenzeichen": "63.10.02-1980/0001",
        "title": "Neubau",
        "department": "63",
        "zda": "1980-06-01",
        "aufbewahrungsende": "2010-12-31",
        "aussonderungsart": "A",
    }
    assert result["akten"][1]["aussonderungsart"] == "A"  # override of unit 63's V
    code, out, _ = run_command("aussonderung", "due", "--as-of", "2016-01-01")
    assert code == 0 and "2 Akten fällig" in out and "63-2005/0001" in out
    code, _, err = run_command("aussonderung", "due", "--as-of", "2016/01/01")
    assert code != 0 and "2016/01/01" in err
