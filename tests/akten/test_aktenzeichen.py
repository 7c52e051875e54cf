"""Aktenzeichen = Kennzeichen + '-' + running part: parse and format round trip; clear errors for bad input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError, validate_kennzeichen

segment = st.integers(min_value=0, max_value=9999).map(str)
kennzeichen = st.lists(segment, min_size=1, max_size=5).map(".".join)
laufend_part = st.text(
    alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8
)
laufend = st.lists(laufend_part, min_size=1, max_size=3).map("/".join)


@given(kennzeichen, laufend)
def test_format_then_parse_is_identity(kz, lfd):
    """Every well-formed Aktenzeichen parses back into its parts, and str() gives the original text."""
    az = Aktenzeichen(kz, lfd)
    assert Aktenzeichen.parse(str(az)) == az
    assert str(Aktenzeichen.parse(f"  {az}  ")) == str(az)


@given(kennzeichen, laufend)
def test_prefixes_run_from_longest_to_the_top_level(kz, lfd):
    """prefixes() lists whole-segment prefixes of the Kennzeichen, longest first, ending at the top level."""
    prefixes = Aktenzeichen(kz, lfd).prefixes()
    assert prefixes[0] == kz and prefixes[-1] == kz.split(".")[0]
    assert [p.count(".") for p in prefixes] == list(range(kz.count("."), -1, -1))
    assert all(kz == p or kz.startswith(p + ".") for p in prefixes)


def test_example_from_the_design():
    az = Aktenzeichen.parse("63.10.02-1998/0042")
    assert (az.kennzeichen, az.laufend) == ("63.10.02", "1998/0042")
    assert az.prefixes() == ["63.10.02", "63.10", "63"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("???", "erwartet wird '<Kennzeichen>-<laufende Nummer>'"),
        ("63.10/", "erwartet wird '<Kennzeichen>-<laufende Nummer>'"),
        ("63.10.02-", "die laufende Nummer '' darf nur aus Buchstaben"),
        ("63..10-1", "ungültiges Kennzeichen '63..10'"),
        ("63.10.-1", "ungültiges Kennzeichen '63.10.'"),
        ("-1998/1", "ungültiges Kennzeichen ''"),
        ("63.10-1998//1", "die laufende Nummer '1998//1'"),
        ("63.10-1998/ 1", "die laufende Nummer '1998/ 1'"),
        ("", "erwartet wird '<Kennzeichen>-<laufende Nummer>'"),
    ],
)
def test_bad_aktenzeichen_error_names_the_value_and_the_reason(value, reason):
    with pytest.raises(AktenzeichenError) as err:
        Aktenzeichen.parse(value)
    assert repr(value.strip()) in str(err.value)
    assert reason in str(err.value)


@given(st.text(max_size=20))
def test_parse_accepts_only_what_it_can_format_back(text):
    """Any text either parses into an Aktenzeichen that formats to the stripped input, or raises the one
    error type (never another exception, never a lossy parse)."""
    try:
        az = Aktenzeichen.parse(text)
    except AktenzeichenError:
        return
    assert str(az) == text.strip()


@pytest.mark.parametrize("value", ["63", "63.10.02", "1.2.3.4"])
def test_valid_kennzeichen(value):
    assert validate_kennzeichen(value) == value


@pytest.mark.parametrize("value", ["", "63.", ".63", "63-10", "A.1", "12345", "\u0666\u0663", "63.\uff11"])
def test_invalid_kennzeichen_names_the_value(value):
    with pytest.raises(AktenzeichenError, match="ungültiges Kennzeichen"):
        validate_kennzeichen(value)
