"""Server-rendered shell: "Meine Akten", an Akte's detail page, and a document's content (an audited read).
Every query goes through the permission-filtered selectors; what a user may not see is a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dms.content import ContentRefused
from dms.downloads import content_response
from dms.models import Document, Role
from dms.selectors import document_get_for, document_list_for, user_departments, user_roles

from .models import Akte, AkteState, Hold
from .retention import FristBeginn
from .selectors import active_holds, akte_get_for, akte_list_for

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
        "akten/my_akten.html",
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
        "akten/akte_detail.html",
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


@login_required
def document_content(request, pk: int, doc_id: int):
    """The document's archival rendition (or its original when there is none), streamed and hash-checked; the
    read is audited. Content that is missing or altered is refused with an error page, never served."""
    try:
        document = document_get_for(user=request.user, pk=doc_id)
    except Document.DoesNotExist:
        raise Http404("Dokument nicht gefunden") from None
    if document.akte_id != pk or document.current_version is None:
        raise Http404("Dokument nicht gefunden")
    which = "original" if request.GET.get("original") else "rendition"
    try:
        return content_response(request, document=document, which=which)
    except ContentRefused as exc:
        return render(request, "akten/content_refused.html", {"document": document, "reason": exc.reason}, status=500)
