"""The caseworker's search page: a few words in, the visible documents out, with snippet, page and facets."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from search.query import FACETS
from search.services import MAX_WINDOW, search_documents

PAGE_SIZE = 20
MAX_PAGE = MAX_WINDOW // PAGE_SIZE  # the search service pages no deeper than MAX_WINDOW hits
FACET_LABELS = {
    "department": "Organisationseinheit",
    "unit": "Aktenplan",
    "year": "Jahr",
    "document_type": "Dokumentart",
}
FACET_FILTER = {"department": "dept", "unit": "az", "year": "year", "document_type": "type"}


@login_required
def search_page(request):
    q = request.GET.get("q", "").strip()
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    capped = page > MAX_PAGE
    page = min(page, MAX_PAGE)
    result = search_documents(user=request.user, query=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE) if q else None
    facets = []
    if result is not None:
        for name in FACETS:
            values = [
                {"value": f["value"], "count": f["count"], "refine": _refine(q, FACET_FILTER[name], f["value"])}
                for f in result.facets.get(name, [])[:12]
            ]
            if values:
                facets.append({"label": FACET_LABELS[name], "values": values})
    return render(
        request,
        "caseworker/suche.html",
        {
            "q": q,
            "result": result,
            "facets": facets,
            "page": page,
            "capped": result is not None and (capped or (page == MAX_PAGE and page * PAGE_SIZE < result.total)),
            "has_next": result is not None and page < MAX_PAGE and page * PAGE_SIZE < result.total,
        },
    )


def _refine(q: str, field: str, value) -> str:
    value = str(value)
    return f'{q} {field}:"{value}"' if " " in value else f"{q} {field}:{value}"
