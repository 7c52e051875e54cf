"""Per-Akte page of the archive workspace (metadata, holds, disposal history, audit trail), the tombstone of a
destroyed or transferred Akte, and the readable audit trail (who, what, when) with the chain's verification."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from akten.access import akte_visible
from akten.models import Akte, DisposalRun, Tombstone
from dms.audit import audit_verify
from dms.models import AuditEvent

from . import selectors
from .base import PAGE_SIZE, archive_required
from .forms import HoldForm

AKTE_LABEL = Akte._meta.label
RUN_LABEL = DisposalRun._meta.label

ACTIONS = {
    "akte.create": "Akte angelegt",
    "akte.close": "z.d.A. verfügt",
    "akte.reopen": "wieder geöffnet",
    "akte.update": "Metadaten geändert",
    "akte.department": "Federführung geändert",
    "akte.fristbeginn": "Fristbeginn gesetzt",
    "akte.grant": "Zugriff gewährt",
    "akte.revoke": "Zugriff entzogen",
    "akte.vernichtet": "vernichtet",
    "akte.abgegeben": "abgegeben",
    "hold.place": "Löschsperre gesetzt",
    "hold.release": "Löschsperre aufgehoben",
    "hold.request": "Löschsperre beantragt",
    "hold.request.decide": "Antrag auf Löschsperre entschieden",
    "aussonderung.propose": "Aussonderung vorgeschlagen",
    "aussonderung.offer": "angeboten (0501 geschrieben)",
    "aussonderung.evaluate": "Bewertung (0502) eingelesen",
    "aussonderung.approve": "freigegeben (Vier-Augen-Prinzip)",
    "aussonderung.execute": "Durchführung begonnen",
    "aussonderung.resume": "Durchführung fortgesetzt",
    "aussonderung.transfer": "Abgabe (0503) geschrieben",
    "aussonderung.skip": "wegen Löschsperre übersprungen",
    "aussonderung.objects_removed": "Objekte gelöscht",
    "aussonderung.done": "abgeschlossen, Protokoll geschrieben",
    "aussonderung.cancel": "abgebrochen",
    "aussonderung.receipt_0504": "Empfangsbestätigung der Anbietung (0504) eingelesen",
    "aussonderung.receipt_0507": "Empfangsbestätigung der Abgabe (0507) eingelesen",
    "aussonderung.import_confirmation": "Importbestätigung (0506) eingelesen",
    "aussonderung.awaiting_import": "abgegeben, wartet auf die Importbestätigung des Archivs",
    "aussonderung.resend": "fehlgeschlagene Objekte erneut abgegeben (neue 0503)",
    "document.read": "Inhalt gelesen",
    "document.read_refused": "Lesen verweigert",
}


def _details(value) -> str:
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    parts = []
    for key, v in value.items():
        if isinstance(v, list):
            v = f"{len(v)} Einträge" if len(v) > 3 else ", ".join(map(str, v))
        elif isinstance(v, dict):
            v = ", ".join(f"{k}: {x}" for k, x in v.items())
        parts.append(f"{key}: {v}")
    return "; ".join(parts)


def readable(events) -> list[dict]:
    """Events as rows a person reads: German action, the object named (Aktenzeichen, Aussonderung Nr.) with a link."""
    events = list(events)
    akte_ids = {int(e.object_id) for e in events if e.object_type == AKTE_LABEL and e.object_id.isdigit()}
    names = dict(Akte.objects.filter(pk__in=akte_ids).values_list("pk", "aktenzeichen"))
    rows = []
    for e in events:
        label, link = f"{e.object_type} {e.object_id}".strip(), None
        if e.object_type == AKTE_LABEL and e.object_id.isdigit() and int(e.object_id) in names:
            label, link = f"Akte {names[int(e.object_id)]}", reverse("archive:akte", args=[int(e.object_id)])
        elif e.object_type == RUN_LABEL and e.object_id.isdigit():
            label, link = f"Aussonderung {e.object_id}", reverse("archive:run", args=[int(e.object_id)])
        rows.append(
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor or "system",
                "action": e.action,
                "what": ACTIONS.get(e.action, e.action),
                "object": label,
                "link": link,
                "before": _details(e.before),
                "after": _details(e.after),
            }
        )
    return rows


def verification(request) -> dict | None:
    """`audit_verify` over the whole chain, on request (?pruefen=1): it walks every event."""
    if not request.GET.get("pruefen"):
        return None
    checked, broken = audit_verify()
    return {
        "checked": checked,
        "ok": broken is None,
        "seq": getattr(broken, "seq", None),
        "reason": getattr(broken, "reason", ""),
    }


def _trail_page(request, qs):
    page = Paginator(qs.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = readable(page.object_list)
    return page


@archive_required
def akte(request, pk):
    """Metadata of any Akte for the archive (never its content), its holds, runs, tombstone and audit trail."""
    akte = get_object_or_404(Akte.objects.select_related("unit", "lead_department"), pk=pk)
    selectors.describe([akte])
    events = AuditEvent.objects.filter(object_type=AKTE_LABEL, object_id=str(akte.pk))
    return render(
        request,
        "archive/akte.html",
        {
            "akte": akte,
            "holds": akte.holds.select_related("created_by", "released_by").order_by("-created_at"),
            "items": akte.disposal_items.select_related("run").order_by("-run_id"),
            "tombstone": Tombstone.objects.filter(akte=akte).select_related("run").first(),
            "documents": akte.documents.count(),
            "content_visible": akte_visible(request.user, akte),
            "form": HoldForm(),
            "page": _trail_page(request, events),
            "verify": verification(request),
        },
    )


def tombstone(request, pk):
    """What remains of a destroyed or transferred Akte, for the archive and for anyone the access rule lets see
    the Akte (its row stays, with its lead department and grants); others get a 404."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    stone = get_object_or_404(Tombstone.objects.select_related("run", "akte"), akte_id=pk)
    if not (selectors.may_enter(request.user) or akte_visible(request.user, stone.akte)):
        raise Http404("Akte nicht gefunden")
    objects = [
        {"document": d, "version": v["number"], **o}
        for d in stone.contents.get("dokumente", [])
        for v in d.get("versions", [])
        for o in v.get("objects", [])
    ]
    return render(
        request,
        "archive/tombstone.html",
        {
            "t": stone,
            "run": stone.run,
            "objects": objects,
            "protocol_entry": next(
                (a for a in (stone.run.protocol or {}).get("akten", []) if a.get("uuid") == str(stone.akte_uuid)), None
            ),
            "archive": selectors.may_enter(request.user),
        },
    )


@archive_required
def run_trail(request, pk):
    run = get_object_or_404(DisposalRun, pk=pk)
    akte_ids = [str(i) for i in run.items.values_list("akte_id", flat=True)]
    qs = AuditEvent.objects.filter(
        Q(object_type=RUN_LABEL, object_id=str(run.pk))
        | Q(object_type=AKTE_LABEL, object_id__in=akte_ids, action__startswith="aussonderung.")
        | Q(object_type=AKTE_LABEL, object_id__in=akte_ids, action__in=["akte.vernichtet", "akte.abgegeben"])
    )
    return render(
        request,
        "archive/trail.html",
        {
            "run": run,
            "page": _trail_page(request, qs),
            "verify": verification(request),
            "title": f"Prüfpfad der Aussonderung {run.pk}",
        },
    )


@archive_required
def trail(request):
    """The archive's part of the audit trail: disposal runs, holds and what happened to Akten in them."""
    qs = AuditEvent.objects.filter(
        Q(action__startswith="aussonderung.")
        | Q(action__startswith="hold.")
        | Q(action__in=["akte.vernichtet", "akte.abgegeben"])
    )
    return render(
        request,
        "archive/trail.html",
        {"page": _trail_page(request, qs), "verify": verification(request), "title": "Prüfpfad der Aussonderung"},
    )
