"""Meine Akten and the Akte page. Every query goes through the permission-filtered selectors (akten/access.py);
what a user may not see is a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from akten.models import Akte, AkteState, Hold
from akten.retention import FristBeginn
from akten.selectors import active_holds, akte_get_for, akte_list_for, user_roles
from dms.models import Role
from dms.selectors import user_departments
from search.models import SavedSearch

from . import reading, search

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
            "saved": SavedSearch.objects.filter(user=request.user)[: search.MAX_SAVED],
            "recent": reading.recent_documents(user=request.user),
        },
    )


@login_required
def akte_detail(request, pk: int):
    try:
        akte = akte_get_for(user=request.user, pk=pk)
    except Akte.DoesNotExist:
        raise Http404("Akte nicht gefunden") from None
    tree, document_count = reading.akte_tree(user=request.user, akte=akte)
    rule = akte.unit.effective_rule()
    today = timezone.localdate()
    holds = list(active_holds(akte=akte).select_related("created_by"))
    return render(
        request,
        "caseworker/akte.html",
        {
            "akte": akte,
            "tree": tree,
            "document_count": document_count,
            "tombstone": reading.tombstone_of(akte),
            "tombstone_url": _url_or_none("archive:tombstone", akte.pk),
            "holds": holds,
            "rule": rule,
            "rule_start": START_LABELS.get(rule.start, rule.start),
            "released_holds": akte.holds.exclude(released_at=None).select_related("created_by", "released_by"),
            "due": akte.state == AkteState.ZDA
            and akte.aufbewahrungsende is not None
            and akte.aufbewahrungsende < today,
        },
    )


def _url_or_none(name: str, *args) -> str | None:
    """A link into another workspace, if that workspace is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
