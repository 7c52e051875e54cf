"""The foundation fits together: the org and Aktenplan build through the services, and Akten get their unit."""

import pytest

from tests import factories


@pytest.mark.django_db
def test_akte_created_under_longest_matching_unit(org, aktenplan):
    akte = factories.akte("63.10.02.07-2001/0001")
    assert akte.unit == aktenplan.u631002
    assert akte.lead_department == org.d63  # inherited from unit 63
