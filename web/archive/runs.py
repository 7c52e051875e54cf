"""Disposal runs in the browser: offer (0501), the archive's evaluation (0502 upload), four-eyes approval,
execution in the background with live progress, cancel, and the files (0501, 0503, protocol, receipts).
Every step is the service of `akten.aussonderung`; these views parse, call and render."""

import re
from datetime import datetime
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from akten.aussonderung import DisposalError
from akten.aussonderung import services as aus
from akten.aussonderung.execute import run_resend
from akten.aussonderung.messages import message_import
from akten.aussonderung.protocol import FILE_HTML, FILE_JSON
from akten.models import DisposalRun, Hold
from web.filters import filter_chips

from . import jobs, selectors
from .base import PAGE_SIZE, archive_required
from .forms import EvaluationUploadForm, OfferForm

RECEIPTS = {
    "0504": "Empfangsbestätigung der Anbietung (0504)",
    "0505": "Empfangsbestätigung der Bewertung (0505)",
    "0506": "Importbestätigung des Archivs (0506)",
    "0507": "Empfangsbestätigung der Abgabe (0507)",
}

# item states during execution: anything not in these is settled for the execute step
UNSETTLED = ("offered", "evaluated", "removing", "import_confirmed")


def _refused(request, exc, what: str) -> None:
    messages.error(request, f"{what} nicht möglich: {exc}")


def _run(pk) -> DisposalRun:
    return get_object_or_404(DisposalRun.objects.select_related("proposed_by", "evaluated_by", "approved_by"), pk=pk)


RUN_FILTER = {"offen": "in Arbeit", "abgeschlossen": "abgeschlossen", "abgebrochen": "abgebrochen"}


@archive_required
def runs(request):
    qs = DisposalRun.objects.select_related("proposed_by").annotate(n_items=Count("items")).order_by("-pk")
    status = request.GET.get("status", "")
    if status == "offen":
        qs = qs.exclude(state__in=["done", "cancelled"])
    elif status == "abgeschlossen":
        qs = qs.filter(state="done")
    elif status == "abgebrochen":
        qs = qs.filter(state="cancelled")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    chips = filter_chips(request.GET, {"status": "Status"}, {"status": RUN_FILTER})
    return render(
        request, "archive/runs.html", {"page": page, "status": status, "statuses": RUN_FILTER, "chips": chips}
    )


@archive_required
@require_POST
def offer(request):
    form = OfferForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for e in errors:
                if field == "stichtag":
                    e = "Fällig zum: bitte ein Datum TT.MM.JJJJ angeben."
                elif field == "akten":
                    e = "Auswahl: nur Akten aus der Liste der fälligen Akten ankreuzen."
                messages.error(request, f"Anbieten nicht möglich: {e}")
        return _back_to_due(request)
    try:
        run = aus.run_offer(
            as_of=form.cleaned_data["stichtag"],
            out_dir=jobs.out_dir(),
            by=request.user,
            akte_ids=form.akte_ids(),
        )
    except DisposalError as exc:
        _refused(request, exc, "Anbieten")
        return _back_to_due(request)
    n = run.items.count()
    messages.success(
        request,
        f"Aussonderung {run.pk}: {n} Akte{'' if n == 1 else 'n'} angeboten; das Anbieteverzeichnis (0501) ist bereit.",
    )
    return redirect("archive:run", run.pk)


def _back_to_due(request):
    """Back to the due list as it was (its filters), never elsewhere."""
    target = request.POST.get("next", "")
    ok = target.startswith("/aussonderung/faellig/") and "//" not in target and "\\" not in target
    return redirect(target if ok else "archive:due")


def _items(run: DisposalRun):
    held = Hold.objects.filter(akte=OuterRef("akte_id"), released_at__isnull=True)
    return run.items.select_related("akte").annotate(held=Exists(held)).order_by("aktenzeichen")


def _summary(run: DisposalRun) -> dict:
    items = run.items.all()
    differs = items.exclude(decision="").exclude(decision=F("proposal"))
    return {
        "total": items.count(),
        "proposal": dict(items.values_list("proposal").annotate(n=Count("id")).order_by()),
        "decision": dict(items.exclude(decision="").values_list("decision").annotate(n=Count("id")).order_by()),
        "not_evaluated": items.filter(decision="").count() if run.state != "offered" else 0,
        "contradicts": differs.filter(proposal__in=["A", "V"]).count(),
        "decided_b": differs.filter(proposal="B").count(),
        "held": items.filter(
            Exists(Hold.objects.filter(akte=OuterRef("akte_id"), released_at__isnull=True)),
            state__in=UNSETTLED,
        ).count(),
        "states": dict(items.values_list("state").annotate(n=Count("id")).order_by()),
    }


def progress_of(run: DisposalRun) -> dict:
    """Items finished / items of the run; for the removal after a 0506 (work "complete"), the Akten removed of
    those that were left when it started."""
    status = jobs.status_read(run) or {}
    open_ = run.items.filter(state__in=UNSETTLED).count()
    removal = status.get("work") == "complete"
    if removal:
        total = status.get("todo") or open_
        done, since = max(0, total - open_), status.get("started")
        since = datetime.fromisoformat(since) if since else None
    else:
        total = run.items.count()
        done, since = total - open_, run.executing_at
    left = None
    if since and 0 < done < total:
        elapsed = (timezone.now() - since).total_seconds()
        left = max(1, round(elapsed / done * (total - done)))
    return {
        "removal": removal,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 100,
        "seconds_left": left,
        "time_left": _duration(left) if left else "",
        "running": jobs.running(run),
        "status": status,
        "failed": status.get("state") == "fehler",
    }


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


@archive_required
def run_detail(request, pk, status=200):
    run = _run(pk)
    page = Paginator(_items(run), PAGE_SIZE).get_page(request.GET.get("page"))
    is_archivist = selectors.is_archivist(request.user)
    ctx = {
        "run": run,
        "page": page,
        "summary": _summary(run),
        "is_archivist": is_archivist,
        "is_proposer": run.proposed_by_id == request.user.pk,
        "upload_form": EvaluationUploadForm(),
        "progress": progress_of(run) if run.state in ("approved", "executing", "awaiting_import") else None,
        "files": run_files(run),
        "can_cancel": run.state in ("offered", "evaluated", "approved"),
        "import": import_summary(run) if run.state in ("awaiting_import", "done") else None,
        "exchange_outbox": aus.exchange_dir() is not None,
    }
    return render(request, "archive/run.html", ctx, status=status)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-120:] or "upload"


@archive_required
@require_POST
def run_upload(request, pk):
    """A message of the archive (0502 Bewertungsverzeichnis, 0504/0507 receipts, 0506 import confirmation): stored
    as uploaded, then read by `message_import`, which validates it against the schema and refuses it whole with a
    reason (unknown ProzessID, objects not in the run, a repeat). After a 0506 the confirmed Akten are removed in the
    background (`run_complete` in the workspace's worker, progress on the run's page), not in this request."""
    run = _run(pk)
    form = EvaluationUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for e in form.errors.get("datei", []):
            messages.error(request, f"Bewertung hochladen: {e}")
        return redirect("archive:run", run.pk)
    upload = form.cleaned_data["datei"]
    inbox = jobs.out_dir() / "eingang"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{timezone.now():%Y%m%dT%H%M%S%f}_{_safe_name(upload.name)}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        target, report = message_import(path=path, by=request.user, name=upload.name, complete=False)
    except DisposalError as exc:
        messages.error(request, f"Die Datei {upload.name} wurde nicht übernommen: {exc}")
        return redirect("archive:run", run.pk)
    kind = report.get("kind", "0502")
    text = {
        "0502": "Bewertung (0502) eingelesen",
        "0504": "Empfangsbestätigung der Anbietung (0504) eingelesen",
        "0506": "Importbestätigung (0506) eingelesen",
        "0507": "Empfangsbestätigung der Abgabe (0507) eingelesen",
    }
    note = f"{text.get(kind, f'Nachricht {kind} eingelesen')}: {upload.name}."
    if kind == "0502":
        note += f" {len(report.get('A', []))} archivwürdig, {len(report.get('V', []))} zu vernichten"
        if report.get("not_evaluated"):
            note += f", {len(report['not_evaluated'])} nicht bewertet (bleiben erhalten)"
        note += "."
        if report.get("differs_from_proposal"):
            note += f" {len(report['differs_from_proposal'])} anders als vorgeschlagen (siehe Tabelle)."
        if report.get("receipt"):
            note += " Das Archiv bat um eine Empfangsbestätigung: die 0505 ist geschrieben (unter „Dateien“)."
    elif kind == "0506":
        n = len(report.get("confirmed", []))
        note += f" {n} Akte{'' if n == 1 else 'n'} vom Archiv importiert"
        note += "; sie werden im Hintergrund gelöscht (Fortschritt auf dieser Seite)" if n else ""
        if report.get("failed"):
            failed = ", ".join(f"{f['aktenzeichen']} ({f['reason']})" for f in report["failed"])
            note += f"; Import fehlgeschlagen: {failed}. Diese Akten bleiben erhalten und können erneut gesendet werden"
        note += "."
    if target.pk != run.pk:
        note += f" Die Datei gehört zu Aussonderung {target.pk}."
    messages.success(request, note)
    if report.get("complete_pending"):
        try:
            jobs.execute_start(target, request.user, work="complete")
        except jobs.JobError as exc:
            messages.error(
                request, f"Löschen der bestätigten Akten nicht gestartet: {exc} Danach: „Löschen fortsetzen“."
            )
        else:
            status = jobs.status_read(target) or {}
            if status.get("state") == "fehler":
                messages.error(
                    request,
                    f"Das Löschen der bestätigten Akten wurde unterbrochen ({status.get('error')}); "
                    "auf dieser Seite: „Löschen fortsetzen“.",
                )
    return redirect("archive:run", target.pk)


@archive_required
@require_POST
def run_approve(request, pk):
    run = _run(pk)
    if run.proposed_by_id == request.user.pk:
        messages.error(
            request,
            f"Freigabe verweigert: Sie haben Aussonderung {run.pk} vorgeschlagen. Nach dem Vier-Augen-Prinzip muss "
            "eine zweite Archivarin oder ein zweiter Archivar freigeben.",
        )
        return run_detail(request, pk, status=403)
    try:
        aus.run_approve(run=run, by=request.user)
    except DisposalError as exc:
        _refused(request, exc, "Freigabe")
        return run_detail(request, pk, status=409)
    messages.success(request, f"Aussonderung {run.pk} freigegeben. Sie kann jetzt durchgeführt werden.")
    return redirect("archive:run", run.pk)


def execute_counts(run: DisposalRun) -> dict:
    held = Hold.objects.filter(akte=OuterRef("akte_id"), released_at__isnull=True)
    items = run.items.filter(state__in=UNSETTLED)
    free = items.exclude(Exists(held))
    return {
        "V": free.filter(decision="V").count(),
        "A": free.filter(decision="A").count(),
        "held": items.filter(Exists(held)).count(),
        "not_evaluated": run.items.filter(Q(state="not_evaluated") | Q(decision="")).count(),
    }


@archive_required
def run_execute(request, pk):
    """GET: ask once, naming what happens to how many Akten; POST: start the execution in the background."""
    run = _run(pk)
    if request.method == "POST":
        try:
            if run.state not in ("approved", "executing", "awaiting_import"):
                raise DisposalError(f"Aussonderung {run.pk} ist „{run.get_state_display()}“, nicht freigegeben")
            # awaiting the archive: only the removal of what its 0506 confirmed is left ("Löschen fortsetzen")
            jobs.execute_start(run, request.user, work="complete" if run.state == "awaiting_import" else "execute")
        except (DisposalError, jobs.JobError) as exc:
            _refused(request, exc, "Durchführen")
        return redirect("archive:run", run.pk)
    return render(request, "archive/run_execute.html", {"run": run, "counts": execute_counts(run)})


@archive_required
def run_progress(request, pk):
    run = _run(pk)
    progress = progress_of(run)
    response = render(request, "archive/_progress.html", {"run": run, "progress": progress})
    was = request.GET.get("was")
    if not progress["running"] or (was and run.state != was):
        response["HX-Refresh"] = "true"  # the work ended or the run moved on: show the whole page (files, protocol)
    return response


@archive_required
def run_cancel(request, pk):
    run = _run(pk)
    if request.method == "POST":
        reason = request.POST.get("grund", "").strip()
        if not reason:
            messages.error(request, "Abbrechen: bitte einen Grund angeben.")
            return redirect("archive:run_cancel", run.pk)
        try:
            aus.run_cancel(run=run, by=request.user, reason=reason)
        except DisposalError as exc:
            _refused(request, exc, "Abbrechen")
            return redirect("archive:run", run.pk)
        messages.success(request, f"Aussonderung {run.pk} abgebrochen; ihre Akten sind wieder fällig.")
        return redirect("archive:run", run.pk)
    return render(request, "archive/run_cancel.html", {"run": run, "n": run.items.count()})


@archive_required
@require_POST
def run_resend_view(request, pk):
    """The objects the archive reported as failed go out again in a new 0503 (its own ProzessID)."""
    run = _run(pk)
    try:
        transfer = run_resend(run=run, out_dir=jobs.out_dir(), by=request.user)
    except DisposalError as exc:
        _refused(request, exc, "Erneut senden")
        return redirect("archive:run", run.pk)
    messages.success(
        request,
        f"Neue Abgabe (0503 Nr. {transfer.number}, ProzessID {transfer.prozess_id}) mit "
        f"{len(transfer.akte_uuids)} Akten geschrieben; sie warten wieder auf die Importbestätigung des Archivs.",
    )
    return redirect("archive:run", run.pk)


def import_summary(run: DisposalRun) -> dict:
    counts = dict(run.items.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "awaiting": counts.get("awaiting_import", 0),
        "failed": counts.get("import_failed", 0),
        "confirmed": counts.get("transferred", 0),
        "failed_items": list(run.items.filter(state="import_failed").order_by("aktenzeichen")),
        "pending_removal": counts.get("import_confirmed", 0) + counts.get("removing", 0),
    }


# -- files ------------------------------------------------------------------------------------------------------


def run_files(run: DisposalRun) -> list[dict]:
    """The run's files that exist: 0501, 0502 (as received), 0503, the protocol (HTML, PDF, JSON), receipts."""
    out = jobs.out_dir()
    found = []

    def add(key, label, path):
        if path and Path(path).is_file():
            found.append({"key": key, "label": label, "name": Path(path).name})

    add("0501", "Anbieteverzeichnis (xdomea 0501)", run.offer_file)
    add("0502", "Bewertungsverzeichnis des Archivs (xdomea 0502)", run.evaluation_file)
    transfers = list(run.transfers.exclude(sha256="").order_by("number"))
    if not transfers:
        add("0503", "Abgabe an das Archiv (xdomea 0503, ZIP)", run.transfer_file)
    for t in transfers:
        label = "Abgabe an das Archiv (xdomea 0503, ZIP)" if t.number == 1 else f"Erneute Abgabe Nr. {t.number} (0503)"
        n = len(t.akte_uuids)
        add(f"0503-{t.number}", f"{label}, {n} Akte{'' if n == 1 else 'n'}", t.file)
    for m in run.messages.exclude(kind__in=["0501", "0502", "0503"]).order_by("at", "pk"):
        what = RECEIPTS.get(m.kind, f"xdomea {m.kind}")
        add(f"msg-{m.pk}", f"{what} ({m.get_direction_display()} {timezone.localtime(m.at):%d.%m.%Y %H:%M})", m.file)
    if run.protocol:
        add("protokoll.html", "Vernichtungsprotokoll (HTML)", out / FILE_HTML.format(run.uuid))
        found.append({"key": "protokoll.pdf", "label": "Vernichtungsprotokoll (PDF)", "name": "PDF"})
        add("protokoll.json", "Vernichtungsprotokoll (JSON, maschinenlesbar)", out / FILE_JSON.format(run.uuid))
    return found


def _file_path(run: DisposalRun, key: str) -> Path | None:
    out = jobs.out_dir()
    paths = {
        "0501": run.offer_file,
        "0502": run.evaluation_file,
        "0503": run.transfer_file,
        "protokoll.html": out / FILE_HTML.format(run.uuid) if run.protocol else None,
        "protokoll.json": out / FILE_JSON.format(run.uuid) if run.protocol else None,
    }
    if key.startswith("0503-") and key[5:].isdigit():
        transfer = run.transfers.filter(number=int(key[5:])).first()
        paths[key] = transfer.file if transfer else None
    if key.startswith("msg-") and key[4:].isdigit():
        message = run.messages.filter(pk=int(key[4:])).first()
        paths[key] = message.file if message else None
    path = paths.get(key)
    return Path(path) if path and Path(path).is_file() else None


@archive_required
def run_file(request, pk, key):
    run = _run(pk)
    if key == "protokoll.pdf":
        from .pdf import protocol_pdf

        if not run.protocol:
            raise Http404("Kein Protokoll")
        response = HttpResponse(protocol_pdf(run), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{run.uuid}_Vernichtungsprotokoll.pdf"'
        return response
    path = _file_path(run, key)
    if path is None:
        raise Http404("Datei nicht vorhanden")
    inline = key == "protokoll.html"
    return FileResponse(open(path, "rb"), as_attachment=not inline, filename=path.name)
