"""A document: the viewer page (page images, OCR text, metadata, versions, readers), its page images, and its
content (rendition, original or scan record: an audited, hash-checked, streamed read with a real file name).
Every read goes through the access rule; what a user may not see is a 404, page images and text included."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header

from akten.content import ContentRefused
from akten.downloads import content_filename, content_response
from web.filters import page_param

from . import reading
from . import render as pages

WHICH = ("rendition", "original", "scan_record")
SUFFIX = {"original": "_Original", "scan_record": "_Transfervermerk"}


def download_name(document, which: str, obj) -> str:
    """`Aktenzeichen_Titel.pdf` for the rendition; the original and the scan record say what they are."""
    name = content_filename(document, obj.media_type)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return f"{stem}{SUFFIX.get(which, '')}{dot}{ext}"


def _refused(request, document, exc: ContentRefused):
    return render(request, "caseworker/content_refused.html", {"document": document, "reason": exc.reason}, status=500)


@login_required
def document_page(request, pk: int, doc_id: int):
    """The viewer: one page large (with the search hit marked), thumbnails, the page's OCR text, the facts."""
    document = reading.document_get(user=request.user, akte_pk=pk, doc_id=doc_id)
    version = reading.current_version(document)
    try:
        pdf = pages.open_for_view(document=document, user=request.user, version=version)
    except ContentRefused as exc:
        return _refused(request, document, exc)
    plan = reading.page_plan(version)
    unrenderable = False
    if pdf is not None:
        try:
            total = pages.page_count(pdf)
        except pages.Unrenderable:
            pdf, unrenderable = None, True
    if pdf is None:
        total = len(plan.pages)
    current = page_param(request.GET.get("seite"), total)
    zoom = request.GET.get("zoom") if request.GET.get("zoom") in pages.ZOOMS else pages.DEFAULT_ZOOM
    query = request.GET.get("q", "").strip()[:500]
    terms = reading.highlight_terms(query)
    boxes = pages.term_boxes(pdf, current, terms) if pdf and terms else []
    texts = {p.number: p for p in plan.pages}
    keep = {k: v for k, v in (("q", query), ("zoom", zoom if zoom != pages.DEFAULT_ZOOM else "")) if v}

    def page_url(number: int) -> str:
        return "?" + urlencode({**keep, "seite": number})

    reads, read_count = reading.reads_of(document)
    return render(
        request,
        "caseworker/dokument.html",
        {
            "akte": document.akte,
            "document": document,
            "version": version,
            "versions": reading.versions_of(document),
            "shown": pages.shown_object(version),
            "viewable": pdf is not None,
            "unrenderable": unrenderable,
            "total": total,
            "current": current,
            "page_text": texts.get(current),
            "thumbs": [{"number": n, "url": page_url(n)} for n in range(1, total + 1)],
            "prev_url": page_url(current - 1) if current > 1 else None,
            "next_url": page_url(current + 1) if current < total else None,
            "width": pages.ZOOMS[zoom],
            "thumb_width": pages.THUMB,
            "zooms": [
                {"key": key, "width": width, "url": "?" + urlencode({**keep, "zoom": key, "seite": current})}
                for key, width in pages.ZOOMS.items()
            ],
            "zoom": zoom,
            "query": query,
            "terms": terms,
            "boxes": boxes,
            "left_out": plan.left_out,
            "scan": reading.scan_of(document),
            "reads": reads,
            "read_count": read_count,
            "names": {
                which: download_name(document, which, obj)
                for which, obj in (
                    ("rendition", version.rendition),
                    ("original", version.original),
                    ("scan_record", version.scan_record),
                )
                if obj is not None
            },
        },
    )


@login_required
def page_image(request, pk: int, doc_id: int, page: int):
    """One page of the shown file as an image (`?w=` one of the offered widths); cached on disk."""
    document = reading.document_get(user=request.user, akte_pk=pk, doc_id=doc_id)
    version = reading.current_version(document)
    if not pages.viewable(pages.shown_object(version)):
        raise Http404("Keine Seitenansicht für dieses Format")
    try:
        width = int(request.GET.get("w", pages.ZOOMS[pages.DEFAULT_ZOOM]))
    except ValueError:
        width = 0
    if width not in pages.WIDTHS:
        raise Http404("Diese Bildbreite wird nicht angeboten")
    try:
        rendered = pages.page_image(document=document, user=request.user, version=version, page=page, width=width)
    except IndexError:
        raise Http404("Seite nicht vorhanden") from None
    except pages.Unrenderable:
        raise Http404("Die Datei lässt sich nicht als Seitenbild darstellen") from None
    except ContentRefused as exc:
        return _refused(request, document, exc)
    response = FileResponse(rendered.path.open("rb"), content_type=rendered.media_type)
    response["Cache-Control"] = "private, max-age=86400"  # the URL's object is immutable; private: per user
    response["X-Render-Cache"] = "hit" if rendered.cached else "miss"
    return response


@login_required
def document_content(request, pk: int, doc_id: int):
    """The document's content, streamed and hash-checked, the read audited: `?datei=original` or `scan_record`
    (default: the rendition, or the original where there is none); `?download=1` as an attachment. Content that
    is missing or altered is refused with an error page, never served."""
    document = reading.document_get(user=request.user, akte_pk=pk, doc_id=doc_id)
    reading.current_version(document)
    which = request.GET.get("datei") or ("original" if request.GET.get("original") else "rendition")
    if which not in WHICH:
        raise Http404("Unbekannte Datei")
    if which == "scan_record" and document.current_version.scan_record_id is None:
        raise Http404("Kein Transfervermerk")
    try:
        response = content_response(request, document=document, which=which)
    except ContentRefused as exc:
        return _refused(request, document, exc)
    if request.GET.get("download") and response.status_code in (200, 206):
        version = document.current_version
        obj = getattr(version, which) or version.original
        response["Content-Disposition"] = content_disposition_header(True, download_name(document, which, obj))
    return response
