"""The caseworker's search page: words in, the visible documents out (snippet, page, date, type), facets with
names, active filters as removable chips, sort by relevance or date, a date range, saved searches. The URL
carries the whole state (bookmarkable; a saved search is its parameters)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from akten.models import AktenplanUnit
from dms.models import Department
from search.models import SavedSearch
from search.query import FACETS, Filter
from search.services import MAX_WINDOW, search_documents

from ..filters import filter_chips

PAGE_SIZE = 20
MAX_PAGE = MAX_WINDOW // PAGE_SIZE  # the search service pages no deeper than MAX_WINDOW hits
FACET_LABELS = {
    "department": "Organisationseinheit",
    "unit": "Aktenplan",
    "year": "Jahr",
    "document_type": "Dokumentart",
}
FACET_PARAM = {"department": "dept", "unit": "az", "year": "year", "document_type": "type"}
PARAM_FIELD = {"dept": "dept", "az": "az", "year": "year", "type": "type"}  # URL parameter -> query Filter field
CHIP_LABELS = {"dept": "Organisationseinheit", "az": "Aktenplan", "year": "Jahr", "type": "Dokumentart"}
SORTS = {"relevanz": ("relevance", "Relevanz"), "neueste": ("date_desc", "Datum, neueste zuerst"),
         "aelteste": ("date_asc", "Datum, älteste zuerst")}  # fmt: skip
STATE_PARAMS = ("q", "dept", "az", "year", "type", "von", "bis", "sort")
FACET_VALUES_SHOWN = 12
MAX_SAVED = 50


def _date(value: str, name: str, errors: list[str]) -> datetime.date | None:
    """A date from the form: ISO (the date input) or TT.MM.JJJJ; a bad one is reported and left out."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    errors.append(f"„{name}“: {value} ist kein Datum (TT.MM.JJJJ); der Zeitraum wurde nicht eingeschränkt.")
    return None


def _names(facets: dict, params: QueryDict) -> dict[str, dict[str, str]]:
    """Display names for facet and chip values: "63 Bauordnungsamt", "63.10.02 Baugenehmigungen"."""
    codes = {str(f["value"]) for f in facets.get("department", [])} | set(params.getlist("dept"))
    units = {str(f["value"]) for f in facets.get("unit", [])} | set(params.getlist("az"))
    return {
        "dept": {d.code: f"{d.code} {d.name}" for d in Department.objects.filter(code__in=codes)},
        "az": {
            u.kennzeichen: f"{u.kennzeichen} {u.title}" for u in AktenplanUnit.objects.filter(kennzeichen__in=units)
        },
    }


def _with(params: QueryDict, name: str, value) -> str:
    """The URL query with one more filter value, back on page 1."""
    out = params.copy()
    out.pop("page", None)
    values = out.getlist(name)
    if str(value) not in values:
        out.setlist(name, [*values, str(value)])
    return out.urlencode()


def _state(params: QueryDict) -> QueryDict:
    """The parameters that make up a search (no paging): what a saved search keeps."""
    out = QueryDict(mutable=True)
    for name in STATE_PARAMS:
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            out.setlist(name, values)
    return out


@login_required
def search_page(request):
    params = request.GET
    q = params.get("q", "").strip()
    notes: list[str] = []
    date_from = _date(params.get("von"), "von", notes)
    date_to = _date(params.get("bis"), "bis", notes)
    if date_from and date_to and date_from > date_to:
        notes.append("„von“ liegt nach „bis“; die beiden Daten wurden getauscht.")
        date_from, date_to = date_to, date_from
    sort_key = params.get("sort") if params.get("sort") in SORTS else "relevanz"
    filters = [
        Filter(field, value.strip())
        for name, field in PARAM_FIELD.items()
        for value in params.getlist(name)
        if value.strip() and (name != "year" or value.strip().isdigit())
    ]
    try:
        page = max(1, int(params.get("page", 1)))
    except ValueError:
        page = 1
    capped = page > MAX_PAGE
    page = min(page, MAX_PAGE)
    searching = bool(q or filters or date_from or date_to)
    result = None
    if searching:
        result = search_documents(
            user=request.user,
            query=q,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            filters=filters,
            sort=SORTS[sort_key][0],
            date_from=date_from,
            date_to=date_to,
        )
    names = _names(result.facets if result else {}, params)
    for hit in result.hits if result else []:
        hit["day"] = datetime.date.fromisoformat(hit["date"]) if hit.get("date") else None
        hit["department_label"] = names["dept"].get(hit["department"], hit["department"])
    chip_values = names | {
        "von": {params.get("von", ""): f"ab {date_from:%d.%m.%Y}"} if date_from else {},
        "bis": {params.get("bis", ""): f"bis {date_to:%d.%m.%Y}"} if date_to else {},
    }
    facets = []
    if result is not None:
        for name in FACETS:
            param = FACET_PARAM[name]
            active = set(params.getlist(param))
            values = [
                {
                    "label": names.get(param, {}).get(str(f["value"]), str(f["value"]) or "ohne Angabe"),
                    "count": f["count"],
                    "url": "?" + _with(params, param, f["value"]),
                }
                for f in result.facets.get(name, [])
                if str(f["value"]) not in active
            ][:FACET_VALUES_SHOWN]
            if values:
                facets.append({"label": FACET_LABELS[name], "values": values})
    state = _state(params)
    return render(
        request,
        "caseworker/suche.html",
        {
            "q": q,
            "result": result,
            "notes": notes + (result.errors if result else []),
            "facets": facets,
            "chips": filter_chips(params, CHIP_LABELS | {"von": "Datum", "bis": "Datum"}, chip_values),
            "active": {name: params.getlist(name) for name in PARAM_FIELD},
            "von": date_from.isoformat() if date_from else "",
            "bis": date_to.isoformat() if date_to else "",
            "sort": sort_key,
            "sorts": [(key, label) for key, (_, label) in SORTS.items()],
            "page": page,
            "capped": result is not None and (capped or (page == MAX_PAGE and page * PAGE_SIZE < result.total)),
            "has_next": result is not None and page < MAX_PAGE and page * PAGE_SIZE < result.total,
            "state": state.urlencode(),
            "saved": SavedSearch.objects.filter(user=request.user)[:MAX_SAVED],
        },
    )


@login_required
@require_POST
def search_save(request):
    """Keep the current search under a name (the same name again replaces it)."""
    state = _state(QueryDict(request.POST.get("params", "")))
    name = request.POST.get("name", "").strip()[:200]
    back = reverse("search:search") + ("?" + state.urlencode() if state else "")
    if not state:
        messages.error(
            request, "Suche speichern: Es gibt noch keine Suche – bitte erst Suchbegriffe oder Filter angeben."
        )
        return redirect(back)
    if not name:
        messages.error(request, "Suche speichern: Bitte einen Namen angeben, unter dem die Suche erscheinen soll.")
        return redirect(back)
    SavedSearch.objects.update_or_create(user=request.user, name=name, defaults={"params": state.urlencode()[:2000]})
    messages.success(request, f"Die Suche „{name}“ ist gespeichert und steht unter „Meine Akten“.")
    return redirect(back)


@login_required
@require_POST
def search_delete(request, pk: int):
    deleted, _ = SavedSearch.objects.filter(user=request.user, pk=pk).delete()
    if not deleted:
        raise Http404("Gespeicherte Suche nicht gefunden")
    messages.success(request, "Die gespeicherte Suche ist gelöscht.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("akten:my_akten")
    return redirect(target)
