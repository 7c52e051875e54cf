"""Archive workspace (Aussonderung): the dashboard and the due list. Runs, holds and the audit trail are in
runs.py, holds.py and trail.py. Views parse the request, call a selector or service, and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from akten.aussonderung import DisposalError
from akten.aussonderung.exchange import exchange_poll
from akten.aussonderung.selectors import due_akten
from akten.aussonderung.services import exchange_dir
from web.filters import filter_chips

from . import selectors
from .base import PAGE_SIZE, archive_required
from .forms import DueFilterForm

FILTER_LABELS = {
    "stichtag": "Fällig zum",
    "einheit": "Aktenplan",
    "oe": "Organisationseinheit",
    "jahr": "Aufbewahrung endet",
    "art": "Aussonderungsart",
}


@archive_required
def dashboard(request):
    today = timezone.localdate()
    due_now = selectors.counts(due_akten(as_of=today))
    holds = selectors.holds_in_force()
    return render(
        request,
        "archive/dashboard.html",
        {
            "today": today,
            "due": due_now,
            "upcoming": selectors.upcoming(today=today),
            "holds_count": holds.count(),
            "holds": holds[:5],
            "runs": selectors.runs_open(),
            "waiting": selectors.runs_waiting_for_archive(),
            "is_archivist": selectors.is_archivist(request.user),
            "exchange": _exchange_state(),
        },
    )


def _exchange_state() -> dict | None:
    """The exchange folder with the archive, when one is configured: where, and how many files wait in inbox/."""
    base = exchange_dir()
    if base is None:
        return None
    inbox = base / "inbox"
    waiting = [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")] if inbox.is_dir() else []
    return {"path": base, "waiting": len(waiting)}


@archive_required
@require_POST
def exchange(request):
    """Read what the archive dropped into the exchange folder (0502, 0504, 0506, 0507)."""
    try:
        rows = exchange_poll(by=request.user)
    except DisposalError as exc:
        messages.error(request, f"Austauschordner nicht eingelesen: {exc}")
        return redirect("archive:start")
    if not rows:
        messages.info(request, "Im Austauschordner liegt keine neue Nachricht des Archivs.")
    for row in rows:
        if row["status"] == "done":
            messages.success(
                request, f"{row['file']}: Nachricht {row.get('kind', '')} eingelesen (Aussonderung {row.get('run')})."
            )
        else:
            messages.error(request, f"{row['file']}: abgelehnt und nach error/ gelegt: {row['reason']}")
    return redirect("archive:start")


@archive_required
def due(request):
    form = DueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "archive/due.html",
            {"form": form, "page": None, "chips": [], **selectors.filter_choices()},
            status=400,
        )
    data = form.cleaned_data if form.is_bound else {"stichtag": timezone.localdate()}
    as_of = data["stichtag"]
    qs = selectors.due_filtered(
        as_of=as_of,
        unit=data.get("einheit", ""),
        department=data.get("oe", ""),
        year=data.get("jahr"),
        art=data.get("art", ""),
        sort=request.GET.get("sort", "ende"),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.describe(page.object_list)
    choices = selectors.filter_choices()
    values = {
        "einheit": {k: f"{k} {t}" for k, t in choices["units"]},
        "oe": {c: f"{c} {n}" for c, n in choices["departments"]},
        "art": {c: f"{c} ({label})" for c, label in choices["arts"]},
    }
    return render(
        request,
        "archive/due.html",
        {
            "form": form,
            "as_of": as_of,
            "page": page,
            "counts": selectors.counts(qs),
            "chips": filter_chips(request.GET, FILTER_LABELS, values),
            "filtered": any(request.GET.get(k) for k in ("einheit", "oe", "jahr", "art")),
            "is_archivist": selectors.is_archivist(request.user),
            "due_total": due_akten(as_of=as_of).count(),
            "sort": request.GET.get("sort", "ende") if request.GET.get("sort") in selectors.SORTS else "ende",
            **choices,
        },
    )
