"""The Scanstelle (scanning team's workspace): batches with live progress, the upload, and the review queue
(Prüfung) with the review page. Views are thin: the rules are in scan_ingest (submit, selectors, review) and
akten.access; a batch or document the user may not see is a 404."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from akten.access import may_administer, user_roles
from akten.content import ContentRefused
from dms.models import Role
from scan_ingest.models import IngestBatch
from scan_ingest.redo import RedoRefused, document_reocr
from scan_ingest.review import (
    ReviewError,
    document_merge_with,
    document_split,
    merge_next,
    metadata_correct,
    page_replace,
    page_rotate,
    review_accept,
)
from scan_ingest.selectors import (
    batch_files,
    batch_for,
    batch_progress,
    batch_result,
    batches_for,
    review_entry,
    review_queue,
)
from scan_ingest.submit import SubmitError, batch_submit
from scan_ingest.suggest import suggest_date, suggest_title
from web.caseworker import reading
from web.caseworker import render as pages
from web.filters import filter_chips, page_param

from . import forms as f

PAGE_SIZE = 50
UPLOAD_LABEL = "Upload Scanstelle"


def may_enter(user) -> bool:
    return Role.SCAN in user_roles(user) or may_administer(user)


def scan_required(view):
    """The scan role and admins; anyone else gets the German 403 page of the workspace."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_enter(request.user):
            return render(request, "scan/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _batch(request, pk: int) -> IngestBatch:
    batch = batch_for(request.user, pk)
    if batch is None:
        raise Http404("Stapel nicht gefunden")
    return batch


def _left(seconds) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"noch etwa {seconds} s"
    minutes = round(seconds / 60)
    return f"noch etwa {minutes} min" if minutes < 120 else f"noch etwa {round(minutes / 60)} h"


def _row(batch: IngestBatch) -> dict:
    progress = batch_progress(batch)
    progress["left"] = _left(progress["seconds_left"])
    return {"batch": batch, "progress": progress}


@scan_required
def start(request):
    """Stapel: every batch of the user (admins: all), newest first, 50 a page; running ones poll their row."""
    form = f.BatchFilterForm(request.GET)
    state = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(batches_for(request.user, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scan/start.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(b) for b in page],
            "chips": filter_chips(request.GET, {"status": "Stand"}, {"status": dict(IngestBatch.State.choices)}),
            "review_count": review_queue(user=request.user).count(),
        },
    )


@scan_required
def batch_row(request, pk: int):
    """One row of the batches table (htmx polling while the batch waits or runs)."""
    return render(request, "scan/_batch_row.html", {"row": _row(_batch(request, pk))})


@scan_required
def batch_detail(request, pk: int):
    """One batch: progress while it runs, then every file with its outcome (`?teil=1`: the polled part)."""
    batch = _batch(request, pk)
    row = _row(batch)
    done = not row["progress"]["active"]
    context = {
        "batch": batch,
        "row": row,
        "files": batch_files(batch, user=request.user) if done else [],
        "refused": batch_result(batch)["errors"] if done else [],
    }
    template = "scan/_batch_body.html" if request.GET.get("teil") else "scan/batch.html"
    return render(request, template, context)


@scan_required
def upload(request):
    """Hochladen: files, a ZIP, an optional manifest; the batch starts in the background at once."""
    form = f.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [(upload.name, upload) for upload in data["dateien"]]
        try:
            batch = batch_submit(
                files=files,
                by=request.user,
                akte=data["akte"] or None,
                manifest=data["manifest"],
                source_label=UPLOAD_LABEL,
                department=data["organisationseinheit"].code if data["organisationseinheit"] else None,
                into_closed=data["bestandsakte"],
            )
        except SubmitError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Stapel {batch.pk}: {len(files)} Datei(en) übernommen, die Erfassung läuft.")
            return redirect("scan:batch", pk=batch.pk)
    return render(request, "scan/upload.html", {"form": form}, status=400 if form.errors else 200)


# -- Prüfung -----------------------------------------------------------------------------------------------


@scan_required
def review_list(request):
    page = Paginator(review_queue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scan/review_list.html", {"page": page})


def _entry(request, doc_id: int):
    entry = review_entry(user=request.user, document_id=doc_id)
    if entry is None:
        raise Http404("Dokument nicht gefunden")
    return entry


@scan_required
def review_page(request, doc_id: int):
    """Page images (thumbnails and one large), the OCR text beside, the reasons, suggestions and the actions."""
    entry = _entry(request, doc_id)
    document = entry.document
    version = document.current_version
    try:
        pdf = pages.open_for_view(document=document, user=request.user, version=version)
    except ContentRefused as exc:
        return render(request, "scan/refused.html", {"entry": entry, "reason": exc.reason}, status=500)
    plan = reading.page_plan(version)
    total = pages.page_count(pdf) if pdf else len(plan.pages)
    current = page_param(request.GET.get("seite"), total)
    texts = {p.number: p for p in plan.pages}
    first_text = "\n".join(p.text for p in plan.pages[:2])
    merge = _merge_offer(entry, total)
    date_hint, title_hint = suggest_date(first_text), suggest_title(first_text)

    def page_url(number: int) -> str:
        return "?" + urlencode({"seite": number})

    return render(
        request,
        "scan/review.html",
        {
            "entry": entry,
            "document": document,
            "version": version,
            "viewable": pdf is not None,
            "total": total,
            "current": current,
            "page_text": texts.get(current),
            "thumbs": [{"number": n, "url": page_url(n)} for n in range(1, total + 1)],
            "prev_url": page_url(current - 1) if current > 1 else None,
            "next_url": page_url(current + 1) if current < total else None,
            "width": pages.ZOOMS[pages.DEFAULT_ZOOM],
            "thumb_width": pages.THUMB,
            "left_out": plan.left_out,
            "suggest_title": title_hint if title_hint and title_hint != document.title else None,
            "suggest_date": date_hint if date_hint and date_hint != document.date else None,
            "accept_form": f.AcceptForm(),
            "meta_form": f.MetadataForm(
                initial={"title": document.title, "date": document.date, "document_type": document.document_type}
            ),
            "replace_form": f.ReplaceForm(initial={"seite": current}),
            "rotations": [90, 180, 270],
            "merge": merge,
            "merged_into": document.merged_into if document.merged_into_id else None,
        },
    )


@scan_required
def review_page_image(request, doc_id: int, page: int):
    entry = _entry(request, doc_id)
    version = entry.document.current_version
    if not pages.viewable(pages.shown_object(version)):
        raise Http404("Keine Seitenansicht für dieses Format")
    try:
        width = int(request.GET.get("w", pages.ZOOMS[pages.DEFAULT_ZOOM]))
    except ValueError:
        width = 0
    if width not in pages.WIDTHS:
        raise Http404("Diese Bildbreite wird nicht angeboten")
    try:
        rendered = pages.page_image(document=entry.document, user=request.user, version=version, page=page, width=width)
    except IndexError:
        raise Http404("Seite nicht vorhanden") from None
    except ContentRefused:
        raise Http404("Inhalt nicht lesbar") from None
    response = FileResponse(rendered.path.open("rb"), content_type=rendered.media_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _back(doc_id: int, page=None):
    url = reverse("scan:review", args=[doc_id])
    return redirect(f"{url}?seite={page}" if page else url)


@scan_required
@require_POST
def review_accept_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    form = f.AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back(doc_id)
    try:
        review_accept(
            entry=entry, by=request.user, checks=form.cleaned_data["pruefpunkte"], note=form.cleaned_data["bemerkung"]
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
        return _back(doc_id)
    messages.success(request, f"Prüfung von „{entry.document.title}“ abgeschlossen.")
    return redirect("scan:review_list")


@scan_required
@require_POST
def review_rotate_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    form = f.RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Drehen: Seite und Drehung (90°, 180°, 270°) angeben.")
        return _back(doc_id)
    page = form.cleaned_data["seite"]
    try:
        page_rotate(entry=entry, by=request.user, page=page, degrees=form.cleaned_data["grad"])
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Seite {page} um {form.cleaned_data['grad']}° gedreht (neue Version).")
    return _back(doc_id, page)


@scan_required
@require_POST
def review_reocr_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    try:
        document_reocr(document=entry.document, by=request.user)
    except RedoRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Texterkennung wiederholt (neue Version).")
    return _back(doc_id)


@scan_required
@require_POST
def review_replace_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    form = f.ReplaceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Seite ersetzen: Seitenzahl und eine Datei mit dem Nachscan wählen.")
        return _back(doc_id)
    page, upload = form.cleaned_data["seite"], form.cleaned_data["nachscan"]
    try:
        page_replace(entry=entry, by=request.user, page=page, content=upload.read(), name=upload.name)
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Seite {page} durch den Nachscan ersetzt (neue Version).")
    return _back(doc_id, page)


@scan_required
@require_POST
def review_metadata_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    form = f.MetadataForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(f"{form.fields[k].label}: {e}" for k, errs in form.errors.items() for e in errs)
        )
        return _back(doc_id)
    try:
        metadata_correct(entry=entry, by=request.user, **form.cleaned_data)
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Titel, Datum und Dokumentart gespeichert.")
    return _back(doc_id)


@scan_required
@require_POST
def review_split_view(request, doc_id: int):
    entry = _entry(request, doc_id)
    form = f.RotateForm({"seite": request.POST.get("seite"), "grad": 90})
    if not form.is_valid():
        messages.error(request, "Teilen: die Seite angeben, vor der geteilt wird.")
        return _back(doc_id)
    page = form.cleaned_data["seite"]
    try:
        new = document_split(entry=entry, by=request.user, page=page)
    except ReviewError as exc:
        messages.error(request, str(exc))
        return _back(doc_id, page)
    messages.success(request, f"Vor Seite {page} geteilt: die Seiten ab {page} sind jetzt „{new.title}“.")
    return redirect("scan:review", doc_id=new.pk)


def _shown_pages(version) -> int:
    """Pages as the viewer counts them (blank pages left out of the rendition are not shown)."""
    return version.pages.filter(blank=False).count() or version.pages.count()


def _merge_offer(entry, total: int) -> dict | None:
    """The next document of the batch to merge with, and the question asked once before (both titles and page
    counts); None when there is none or the document itself was merged away."""
    other = merge_next(entry)
    if other is None:
        return None
    mine, theirs = entry.document, other.document
    pages_theirs = _shown_pages(theirs.current_version)
    question = (
        f"„{mine.title}“ ({total} Seite{'n' if total != 1 else ''}) und „{theirs.title}“ ({pages_theirs} "
        f"Seite{'n' if pages_theirs != 1 else ''}) zu einem Dokument mit {total + pages_theirs} Seiten "
        f"zusammenführen? „{theirs.title}“ bleibt für die Akte erhalten, erscheint aber in keiner Liste und "
        "keiner Suche mehr."
    )
    return {"entry": other, "document": theirs, "pages": pages_theirs, "question": question}


@scan_required
@require_POST
def review_merge_view(request, doc_id: int):
    """Mit nächstem (oder einem anderen noch zu prüfenden) Dokument zusammenführen; the result is the merged
    document's review page."""
    entry = _entry(request, doc_id)
    try:
        other_id = int(request.POST.get("mit", ""))
    except ValueError:
        messages.error(request, "Zusammenführen: das Dokument angeben, das angehängt werden soll.")
        return _back(doc_id)
    other = _entry(request, other_id)
    title = other.document.title
    try:
        version = document_merge_with(entry=entry, by=request.user, other=other)
    except ReviewError as exc:
        messages.error(request, str(exc))
        return _back(doc_id)
    messages.success(
        request,
        f"„{title}“ an „{entry.document.title}“ angehängt: jetzt {_shown_pages(version)} Seiten (Version "
        f"{version.number}).",
    )
    return redirect("scan:review", doc_id=entry.document_id)
