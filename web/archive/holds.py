"""Löschsperren (holds) in the archive workspace: list and filter, place and release with reason and reference
(through `akten.services.hold_place/hold_release`, which check who may), and the caseworkers' hold requests
(`akten.casework.hold_request_decide`, when that model is installed)."""

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from akten.models import Akte, AkteState, Hold
from akten.services import AkteError, hold_place, hold_release
from dms.models import Department
from web.filters import filter_chips

from .base import PAGE_SIZE, archive_required
from .forms import HoldForm, HoldReleaseForm

STATUS = {"aktiv": "in Kraft", "aufgehoben": "aufgehoben", "alle": "alle"}


def hold_request_model():
    try:
        return apps.get_model("akten", "HoldRequest")
    except LookupError:
        return None


def _local(target: str) -> str:
    """A return address inside the workspace, or nothing."""
    return target if target.startswith("/aussonderung/") and "//" not in target and "\\" not in target else ""


def _back(request, akte: Akte):
    target = _local(request.POST.get("next", ""))
    return redirect(target) if target else redirect("archive:akte", akte.pk)


@archive_required
def holds(request):
    status = request.GET.get("status", "aktiv")
    status = status if status in STATUS else "aktiv"
    q = request.GET.get("q", "").strip()
    oe = request.GET.get("oe", "")
    qs = Hold.objects.select_related("akte", "akte__lead_department", "created_by", "released_by")
    if status == "aktiv":
        qs = qs.filter(released_at__isnull=True)
    elif status == "aufgehoben":
        qs = qs.filter(released_at__isnull=False)
    if q:
        qs = qs.filter(Q(akte__aktenzeichen__icontains=q) | Q(reason__icontains=q) | Q(reference__icontains=q))
    if oe:
        qs = qs.filter(akte__lead_department__code=oe)
    page = Paginator(qs.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    departments = list(Department.objects.order_by("code").values_list("code", "name"))
    params = request.GET.copy()
    if params.get("status") == "aktiv":
        params.pop("status")
    chips = filter_chips(
        params,
        {"status": "Status", "q": "Suche", "oe": "Organisationseinheit"},
        {"status": STATUS, "oe": {c: f"{c} {n}" for c, n in departments}},
    )
    model = hold_request_model()
    requests_open = []
    if model is not None:
        requests_open = list(
            model.objects.filter(state="offen").select_related("akte", "requested_by").order_by("pk")[:PAGE_SIZE]
        )
    return render(
        request,
        "archive/holds.html",
        {
            "page": page,
            "status": status,
            "statuses": STATUS,
            "q": q,
            "oe": oe,
            "departments": departments,
            "chips": chips,
            "form": HoldForm(),
            "hold_requests": requests_open,
            "has_requests": model is not None,
        },
    )


@archive_required
@require_POST
def hold_place_view(request, pk):
    return _place(request, get_object_or_404(Akte, pk=pk))


@archive_required
@require_POST
def hold_place_by_aktenzeichen(request):
    """The holds page's form names the Akte by its Aktenzeichen."""
    az = request.POST.get("aktenzeichen", "").strip()
    akte = Akte.objects.filter(aktenzeichen=az).first()
    if akte is None:
        messages.error(
            request,
            f"Löschsperre: eine Akte mit dem Aktenzeichen „{az}“ gibt es nicht. "
            "Bitte das vollständige Aktenzeichen angeben.",
        )
        return redirect("archive:holds")
    return _place(request, akte)


def _place(request, akte: Akte):
    form = HoldForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for e in errors:
                messages.error(request, f"Löschsperre für {akte.aktenzeichen}: {form.fields[field].label}: {e}")
        return _back(request, akte)
    try:
        hold = hold_place(
            akte=akte,
            reason=form.cleaned_data["grund"],
            reference=form.cleaned_data["referenz"],
            by=request.user,
        )
    except AkteError as exc:
        messages.error(request, f"Löschsperre für {akte.aktenzeichen} nicht gesetzt: {exc}")
        return _back(request, akte)
    ref = f" (Bezug: {hold.reference})" if hold.reference else ""
    messages.success(request, f"Löschsperre #{hold.pk} auf {akte.aktenzeichen} gesetzt: {hold.reason}{ref}")
    return _back(request, akte)


@archive_required
def hold_release_view(request, pk, hold_id):
    """GET: ask once, saying what the release means for this Akte; POST: release through `hold_release`."""
    akte = get_object_or_404(Akte.objects.select_related("lead_department"), pk=pk)
    if request.method != "POST":
        return _release_page(request, akte, hold_id, HoldReleaseForm(), _local(request.GET.get("next", "")))
    form = HoldReleaseForm(request.POST)
    if not form.is_valid():  # asked again, with the error beside the field
        return _release_page(request, akte, hold_id, form, _local(request.POST.get("next", "")), status=400)
    try:
        hold_release(akte=akte, hold_id=hold_id, reason=form.cleaned_data["grund"], by=request.user)
    except AkteError as exc:
        messages.error(request, f"Löschsperre #{hold_id} auf {akte.aktenzeichen} nicht aufgehoben: {exc}")
        return _back(request, akte)
    messages.success(request, f"Löschsperre #{hold_id} auf {akte.aktenzeichen} aufgehoben.")
    return _back(request, akte)


def _release_page(request, akte: Akte, hold_id: int, form, next_url: str, status: int = 200):
    hold = get_object_or_404(Hold.objects.select_related("created_by"), pk=hold_id, akte=akte)
    others = akte.holds.filter(released_at__isnull=True).exclude(pk=hold.pk).count()
    today = timezone.localdate()
    due = akte.state == AkteState.ZDA and akte.aufbewahrungsende is not None and akte.aufbewahrungsende < today
    return render(
        request,
        "archive/hold_release.html",
        {"akte": akte, "hold": hold, "others": others, "due": due, "next": next_url, "form": form},
        status=status,
    )


@archive_required
@require_POST
def hold_request_decide_view(request, request_id):
    model = hold_request_model()
    if model is None:
        return redirect("archive:holds")
    try:
        from akten.casework import hold_request_decide
    except ImportError:  # the caseworker's edit services are not installed yet
        messages.error(request, "Anträge auf Löschsperre können hier noch nicht entschieden werden.")
        return redirect("archive:holds")
    hold_request = get_object_or_404(model, pk=request_id)
    place = request.POST.get("entscheidung") == "setzen"
    try:
        hold_request_decide(request=hold_request, by=request.user, place=place, reason=request.POST.get("grund", ""))
    except AkteError as exc:
        messages.error(request, f"Antrag #{request_id} nicht entschieden: {exc}")
        return redirect("archive:holds")
    verb = "Löschsperre gesetzt" if place else "Antrag abgelehnt"
    messages.success(request, f"Antrag #{request_id} für {hold_request.akte.aktenzeichen}: {verb}.")
    return redirect("archive:holds")
