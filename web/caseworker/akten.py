"""Meine Akten and the Akte page. Every query goes through the permission-filtered selectors (akten/access.py);
what a user may not see is a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from akten.models import Akte, AkteState, Hold
from akten.retention import FristBeginn
from akten.selectors import active_holds, akte_get_for, akte_list_for, document_list_for, user_roles
from dms.models import Role
from dms.selectors import user_departments

PAGE_SIZE = 50
START_LABELS = dict(FristBeginn.CHOICES)
ROLE_LABELS = dict(Role.choices)


@login_required
def my_akten(request):
    q = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    qs = (
        akte_list_for(user=request.user)
        .select_related("lead_department")
        .annotate(held=Exists(Hold.objects.filter(akte=OuterRef("pk"), released_at=None)))
        .order_by("aktenzeichen")
    )
    if q:
        qs = qs.filter(Q(aktenzeichen__icontains=q) | Q(title__icontains=q))
    if state in AkteState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "caseworker/my_akten.html",
        {
            "page": page,
            "q": q,
            "state": state,
            "states": AkteState.choices,
            "today": timezone.localdate(),
            "departments": user_departments(request.user),
            "roles": sorted(ROLE_LABELS.get(r, r) for r in user_roles(request.user)),
        },
    )


@login_required
def akte_detail(request, pk: int):
    try:
        akte = akte_get_for(user=request.user, pk=pk)
    except Akte.DoesNotExist:
        raise Http404("Akte nicht gefunden") from None
    documents = (
        document_list_for(user=request.user)
        .filter(akte=akte)
        .select_related("vorgang")
        .annotate(page_count=Count("versions__pages"))
        .order_by("date", "id")
    )
    rule = akte.unit.effective_rule()
    today = timezone.localdate()
    holds = list(active_holds(akte=akte).select_related("created_by"))
    return render(
        request,
        "caseworker/akte.html",
        {
            "akte": akte,
            "documents": documents,
            "holds": holds,
            "rule": rule,
            "rule_start": START_LABELS.get(rule.start, rule.start),
            "released_holds": akte.holds.exclude(released_at=None).select_related("created_by", "released_by"),
            "due": akte.state == AkteState.ZDA
            and akte.aufbewahrungsende is not None
            and akte.aufbewahrungsende < today,
            "vorgaenge": akte.vorgaenge.order_by("created_at"),
        },
    )
