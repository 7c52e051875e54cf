"""Server-rendered shell: "my Akten" and an Akte's detail page."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from dms.selectors import document_list_for

from .models import Akte
from .selectors import active_holds, akte_get_for, akte_list_for


@login_required
def my_akten(request):
    qs = akte_list_for(user=request.user).select_related("lead_department", "unit").order_by("aktenzeichen")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(aktenzeichen__icontains=q) | qs.filter(title__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "akten/my_akten.html", {"page": page, "q": q})


@login_required
def akte_detail(request, pk: int):
    try:
        akte = akte_get_for(user=request.user, pk=pk)
    except Akte.DoesNotExist:
        raise Http404("Akte nicht gefunden") from None
    documents = (
        document_list_for(user=request.user).filter(akte=akte).select_related("vorgang").order_by("date", "id")
    )
    rule = akte.unit.effective_rule()
    return render(request, "akten/akte_detail.html", {
        "akte": akte, "documents": documents, "holds": active_holds(akte=akte),
        "released_holds": akte.holds.exclude(released_at=None), "rule": rule,
    })
