"""Filters carried in the URL (bookmarkable, back button works) and shown as removable chips (../shared/UI.md)."""

from django.http import QueryDict


def filter_chips(params: QueryDict, labels: dict[str, str], values: dict[str, dict] | None = None) -> list[dict]:
    """One chip per active filter in `params` named in `labels` ({param: "Label"}); `values` maps a param's raw
    value to its display text ({"dept": {"63": "63 Bauordnungsamt"}}). Removing a chip keeps the other filters
    and goes back to page 1."""
    chips = []
    for name, label in labels.items():
        for value in params.getlist(name):
            if not value:
                continue
            rest = params.copy()
            rest.setlist(name, [v for v in params.getlist(name) if v != value])
            rest.pop("page", None)
            shown = (values or {}).get(name, {}).get(value, value)
            chips.append({"label": f"{label}: {shown}", "remove_url": "?" + rest.urlencode()})
    return chips


def page_param(value, last: int) -> int:
    """A page number from the URL, kept within 1..last (anything unreadable: the first page)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(last, 1))
