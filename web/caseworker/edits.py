"""The caseworker's everyday edits: create an Akte and a Vorgang, upload documents (background ingest), edit a
document's title/date/type, move it, close (z.d.A.) and reopen an Akte, grant and revoke access (department leads),
and request a Löschsperre from the archive. Views are thin: parse the form, call the audited service the API calls
too, redirect with a message (POST-redirect-GET). Irreversible steps ask once on a page of their own. A refusal by
the access rule is a 403 page naming the Akte and the reason; an Akte or document the user may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from akten import access
from akten.casework import akte_open, akte_reopen, hold_request_create, vorgang_create
from akten.documents import DocumentError, document_move, document_update
from akten.models import Akte, AkteGroupObjectPermission, AkteUserObjectPermission, Vorgang
from akten.selectors import akte_get_for, document_get_for
from akten.services import AkteError, akte_close, akte_set_access
from scan_ingest.models import IngestBatch
from scan_ingest.selectors import batch_progress, batch_result
from scan_ingest.submit import SubmitError, batch_submit

from . import edit_forms as f

UPLOAD_LABEL = "Upload Sachbearbeitung"


def _akte(request, pk: int) -> Akte:
    try:
        return akte_get_for(user=request.user, pk=pk)
    except Akte.DoesNotExist:
        raise Http404("Akte nicht gefunden") from None


def _document(request, akte: Akte, doc_id: int):
    try:
        document = document_get_for(user=request.user, pk=doc_id)
    except ObjectDoesNotExist:
        raise Http404("Dokument nicht gefunden") from None
    if document.akte_id != akte.pk:
        raise Http404("Dokument nicht gefunden")
    return document


def _posted(request):
    """The form data of a POST (an empty one too, so its form reports what is missing); None for a GET."""
    return request.POST if request.method == "POST" else None


def _refused(request, akte: Akte | None, message: str):
    return render(request, "caseworker/edit_refused.html", {"akte": akte, "message": message}, status=403)


def _not_changeable(request, akte: Akte, what: str):
    return _refused(
        request,
        akte,
        f"Sie dürfen in Akte {akte.aktenzeichen} {what}: ändern darf die Sachbearbeitung der federführenden "
        f"Organisationseinheit ({akte.lead_department.code}) und wer ein Änderungsrecht an der Akte hat.",
    )


def _to_akte(akte: Akte):
    return redirect("akten:akte_detail", pk=akte.pk)


def _form_page(request, template: str, context: dict, status: int = 200):
    return render(request, f"caseworker/{template}", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def akte_new(request):
    form = f.AkteCreateForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            akte = akte_open(by=request.user, **form.cleaned_data)
        except AkteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Akte {akte.aktenzeichen} „{akte.title}“ angelegt.")
            return _to_akte(akte)
    no_department = not form.fields["lead_department"].queryset.exists()
    return _form_page(
        request, "akte_new.html", {"form": form, "no_department": no_department}, 400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def vorgang_new(request, pk: int):
    akte = _akte(request, pk)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keinen Vorgang anlegen")
    form = f.VorgangForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            vorgang = vorgang_create(akte=akte, title=form.cleaned_data["title"], by=request.user)
        except AkteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Vorgang „{vorgang.title}“ in Akte {akte.aktenzeichen} angelegt.")
            return _to_akte(akte)
    return _form_page(request, "vorgang_new.html", {"form": form, "akte": akte}, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, pk: int):
    akte = _akte(request, pk)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keine Dokumente hochladen")
    form = f.UploadForm(_posted(request), request.FILES if request.method == "POST" else None, akte=akte)
    if request.method == "POST" and form.is_valid():
        files = [(upload.name, upload) for upload in form.cleaned_data["files"]]
        try:
            batch = batch_submit(files=files, by=request.user, akte=akte, source_label=UPLOAD_LABEL)
        except SubmitError as exc:
            form.add_error("files", str(exc))
        else:
            messages.success(request, f"{len(files)} Datei(en) übernommen; die Erfassung läuft im Hintergrund.")
            target = reverse("akten:batch", kwargs={"pk": akte.pk, "batch_id": batch.pk})
            vorgang = form.cleaned_data.get("vorgang")
            return redirect(f"{target}?vorgang={vorgang.pk}" if vorgang else target)
    return _form_page(request, "upload.html", {"form": form, "akte": akte}, 400 if form.errors else 200)


def _own_batch(request, akte: Akte, batch_id: int) -> IngestBatch:
    found = IngestBatch.objects.filter(pk=batch_id, operator=request.user, akte=akte.aktenzeichen).first()
    if found is None:
        raise Http404("Stapel nicht gefunden")
    return found


def _chosen_vorgang(akte: Akte, value) -> Vorgang | None:
    return akte.vorgaenge.filter(pk=value).first() if str(value or "").isdigit() else None


@login_required
def batch(request, pk: int, batch_id: int):
    """The state of an upload into this Akte (own batches only): progress while it runs, then the new documents
    with links, and each refused file with its reason; with `?vorgang=` one button files them into that Vorgang.
    `?teil=1` is the fragment htmx polls."""
    akte = _akte(request, pk)
    found = _own_batch(request, akte, batch_id)
    progress = batch_progress(found)
    result = None if progress["active"] else batch_result(found)
    visible = set()
    if result:
        ids = [d["id"] for d in result["documents"] if d["id"]]
        visible = set(access.documents_visible(request.user).filter(pk__in=ids, akte=akte).values_list("pk", flat=True))
    context = {
        "akte": akte,
        "batch": found,
        "progress": progress,
        "result": result,
        "visible": visible,
        "vorgang": _chosen_vorgang(akte, request.GET.get("vorgang")),
    }
    template = "batch_state.html" if request.GET.get("teil") else "batch.html"
    return _form_page(request, template, context)


@login_required
@require_http_methods(["POST"])
def batch_file(request, pk: int, batch_id: int):
    """File the documents of a finished upload into a Vorgang of the Akte (each through `document_move`)."""
    akte = _akte(request, pk)
    found = _own_batch(request, akte, batch_id)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keine Dokumente einordnen")
    vorgang = _chosen_vorgang(akte, request.POST.get("vorgang"))
    if vorgang is None:
        messages.error(request, f"Vorgang: in Akte {akte.aktenzeichen} nicht gefunden.")
        return redirect("akten:batch", pk=akte.pk, batch_id=found.pk)
    ids = [d["id"] for d in batch_result(found)["documents"] if d["id"]]
    moved = 0
    for document in access.documents_visible(request.user).filter(pk__in=ids, akte=akte).exclude(vorgang=vorgang):
        try:
            document_move(document=document, by=request.user, akte=akte, vorgang=vorgang, reason="Upload")
        except (DocumentError, AkteError) as exc:
            messages.error(request, str(exc))
            return redirect("akten:akte_detail", pk=akte.pk)
        moved += 1
    messages.success(request, f"{moved} Dokument(e) dem Vorgang „{vorgang.title}“ zugeordnet.")
    return _to_akte(akte)


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int, doc_id: int):
    akte = _akte(request, pk)
    document = _document(request, akte, doc_id)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keine Dokumente bearbeiten")
    initial = {"title": document.title, "date": document.date, "document_type": document.document_type}
    form = f.DocumentEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        data["document_type"] = data["document_type"].strip()
        try:
            document_update(document=document, by=request.user, reason=reason, **data)
        except (DocumentError, AkteError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Dokument „{data['title']}“ gespeichert.")
            return _to_akte(akte)
    context = {"form": form, "akte": akte, "document": document}
    return _form_page(request, "document_edit.html", context, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def document_move_view(request, pk: int, doc_id: int):
    akte = _akte(request, pk)
    document = _document(request, akte, doc_id)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keine Dokumente verschieben")
    form = f.DocumentMoveForm(_posted(request), user=request.user, akte=akte)
    if request.method == "POST" and form.is_valid():
        target, vorgang = form.cleaned_data["akte"], form.cleaned_data["vorgang"]
        try:
            document_move(
                document=document, by=request.user, akte=target, vorgang=vorgang, reason=form.cleaned_data["reason"]
            )
        except (DocumentError, AkteError) as exc:
            form.add_error(None, str(exc))
        else:
            where = f"Akte {target.aktenzeichen}" + (f", Vorgang „{vorgang.title}“" if vorgang else "")
            messages.success(request, f"Dokument „{document.title}“ nach {where} verschoben.")
            return _to_akte(target)
    context = {"form": form, "akte": akte, "document": document}
    return _form_page(request, "document_move.html", context, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def akte_close_view(request, pk: int):
    """Confirm once: names what z.d.A. means (retention starts, no new documents), then closes."""
    akte = _akte(request, pk)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "nicht z.d.A. verfügen")
    form = f.AkteCloseForm(_posted(request), initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            akte = akte_close(akte=akte, by=request.user, on=form.cleaned_data["on"])
        except AkteError as exc:
            form.add_error("on", str(exc))
        else:
            end = f"{akte.aufbewahrungsende:%d.%m.%Y}" if akte.aufbewahrungsende else "dauernd bzw. offen"
            messages.success(
                request, f"Akte {akte.aktenzeichen} z.d.A. zum {akte.zda_date:%d.%m.%Y}; aufzubewahren bis {end}."
            )
            return _to_akte(akte)
    rule = akte.unit.effective_rule()
    context = {"form": form, "akte": akte, "rule": rule, "documents": akte.documents.count()}
    return _form_page(request, "akte_close.html", context, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def akte_reopen_view(request, pk: int):
    akte = _akte(request, pk)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "die Akte nicht wieder öffnen")
    form = f.ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            akte = akte_reopen(akte=akte, by=request.user, reason=form.cleaned_data["reason"])
        except AkteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Akte {akte.aktenzeichen} ist wieder offen; die Aufbewahrungsfrist ruht.")
            return _to_akte(akte)
    return _form_page(request, "akte_reopen.html", {"form": form, "akte": akte}, 400 if form.errors else 200)


def _grants(akte: Akte) -> list[dict]:
    rows = []
    for model, kind in ((AkteGroupObjectPermission, "group"), (AkteUserObjectPermission, "user")):
        perms = model.objects.filter(content_object=akte).select_related(kind, "permission")
        by_grantee: dict = {}
        for p in perms:
            by_grantee.setdefault(getattr(p, kind), set()).add(p.permission.codename)
        for grantee, codes in by_grantee.items():
            department = getattr(grantee, "department", None) if kind == "group" else None
            label = f"{department.code} {department.name}" if department else str(grantee)
            rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "department": department,
                    "user": grantee if kind == "user" else None,
                    "level": "lesen und ändern" if access.CHANGE in codes else "lesen",
                }
            )
    return sorted(rows, key=lambda r: r["label"])


@login_required
@require_http_methods(["GET", "POST"])
def akte_access_view(request, pk: int):
    """Grant and revoke access to other departments or persons: department leads of the Akte's lead department
    (and the admin role) only; others get a 403 naming who may."""
    akte = _akte(request, pk)
    if not access.may_grant(request.user, akte):
        return _refused(
            request,
            akte,
            f"Den Zugriff auf Akte {akte.aktenzeichen} vergeben und entziehen nur die Amtsleitung der "
            f"federführenden Organisationseinheit ({akte.lead_department.code} {akte.lead_department.name}) und "
            "die Administration.",
        )
    form = f.AccessForm(_posted(request), akte=akte)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = {"department": data["department"]} if data.get("department") else {"user": data["user"]}
        try:
            before = akte_set_access(akte=akte, by=request.user, level=data["level"], **target)
        except AkteError as exc:
            form.add_error(None, str(exc))
        else:
            who = data["department"] or data["user"].get_username()
            level = dict(f.ACCESS_LEVEL_CHOICES)[data["level"]]
            if before == data["level"]:
                messages.info(request, f"{who} hatte bereits: {level}.")
            else:
                messages.success(request, f"Zugriff auf Akte {akte.aktenzeichen} für {who}: {level}.")
            return redirect("akten:akte_access", pk=akte.pk)
    context = {"form": form, "akte": akte, "grants": _grants(akte)}
    return _form_page(request, "akte_access.html", context, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def hold_request_view(request, pk: int):
    akte = _akte(request, pk)
    if not access.akte_changeable(request.user, akte):
        return _not_changeable(request, akte, "keine Löschsperre beantragen")
    form = f.HoldRequestForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            hold_request_create(akte=akte, by=request.user, **form.cleaned_data)
        except AkteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Löschsperre für Akte {akte.aktenzeichen} beim Archiv beantragt; das Archiv entscheidet."
            )
            return _to_akte(akte)
    requests = akte.hold_requests.select_related("requested_by", "decided_by")[:20]
    context = {"form": form, "akte": akte, "requests": requests}
    return _form_page(request, "hold_request.html", context, 400 if form.errors else 200)


urlpatterns = [
    path("neu/", akte_new, name="akte_new"),
    path("<int:pk>/vorgang/neu/", vorgang_new, name="vorgang_new"),
    path("<int:pk>/hochladen/", upload, name="upload"),
    path("<int:pk>/stapel/<int:batch_id>/", batch, name="batch"),
    path("<int:pk>/stapel/<int:batch_id>/einordnen/", batch_file, name="batch_file"),
    path("<int:pk>/dokumente/<int:doc_id>/bearbeiten/", document_edit, name="document_edit"),
    path("<int:pk>/dokumente/<int:doc_id>/verschieben/", document_move_view, name="document_move"),
    path("<int:pk>/zda/", akte_close_view, name="akte_close"),
    path("<int:pk>/wieder-oeffnen/", akte_reopen_view, name="akte_reopen"),
    path("<int:pk>/zugriff/", akte_access_view, name="akte_access"),
    path("<int:pk>/loeschsperre-beantragen/", hold_request_view, name="hold_request"),
]
