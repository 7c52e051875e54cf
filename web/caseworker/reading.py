"""What the caseworker's reading pages show, assembled from permission-filtered selectors (akten/access.py via
akten.selectors): one document with its pages, versions, scan record and readers; the terms to mark on a page;
an Akte's Vorgänge with their documents and its tombstone."""

from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.http import Http404

from akten.models import Document, Page, Tombstone
from akten.pages import rendition_numbers
from akten.selectors import document_list_for
from dms.audit import actor_name
from dms.models import AuditEvent
from scan_ingest.models import IngestDocument
from search.parser import parse_query
from search.query import Fuzzy, Phrase, Term

READS_SHOWN = 20
# Documents lived in the kernel app before issue 14; their older audit events carry that label.
DOCUMENT_LABELS = (Document._meta.label, "dms.Document")

QA_LABELS = {"passed": "bestanden", "needs_review": "Prüfung nötig"}


def document_get(*, user, akte_pk: int, doc_id: int) -> Document:
    """The document if the user may see it and it lies in the Akte of the URL; otherwise 404 (not 403: a
    document of another department is not there for the user)."""
    try:
        document = (
            document_list_for(user=user)
            .select_related("akte", "akte__unit", "akte__lead_department", "vorgang")
            .get(pk=doc_id)
        )
    except Document.DoesNotExist:
        raise Http404("Dokument nicht gefunden") from None
    if document.akte_id != akte_pk:
        raise Http404("Dokument nicht gefunden")
    return document


def current_version(document: Document):
    version = document.versions.select_related("original", "rendition", "scan_record").order_by("-number").first()
    if version is None:
        raise Http404("Dokument ohne Inhalt")
    return version


@dataclass
class ShownPage:
    number: int  # page of the shown file (rendition)
    stored: int  # Page.number (page of the source)
    text: str
    confidence: float | None


@dataclass
class PagePlan:
    pages: list[ShownPage] = field(default_factory=list)
    left_out: list[int] = field(default_factory=list)  # source pages left out of the rendition as blank


def page_plan(version) -> PagePlan:
    rows = list(Page.objects.filter(version=version).values_list("number", "blank", "text", "confidence"))
    numbers = rendition_numbers([(n, b) for n, b, _, _ in rows], has_rendition=version.rendition_id is not None)
    plan = PagePlan()
    for number, _blank, text, confidence in sorted(rows):
        if number in numbers:
            plan.pages.append(ShownPage(numbers[number], number, text, confidence))
        else:
            plan.left_out.append(number)
    return plan


def versions_of(document: Document):
    return (
        document.versions.select_related("original", "rendition", "scan_record")
        .annotate(page_count=Count("pages"))
        .order_by("-number")
    )


def scan_of(document: Document) -> dict | None:
    """How the document came in through the Scanstelle and its quality check, if it was ingested."""
    ingest = (
        IngestDocument.objects.filter(document=document, status=IngestDocument.Status.STORED)
        .select_related("item__batch")
        .order_by("-id")
        .first()
    )
    if ingest is None:
        return None
    return {
        "batch": ingest.item.batch_id,
        "source": ingest.item.source,
        "source_pages": ingest.source_pages,
        "qa_state": ingest.qa_state,
        "qa_label": QA_LABELS.get(ingest.qa_state, ingest.qa_state or "–"),
        "mean_confidence": ingest.mean_confidence,
        "reasons": ingest.review_reasons or [],
    }


def reads_of(document: Document) -> tuple[list[AuditEvent], int]:
    """The latest audited reads of the document's content, and how many there were."""
    events = AuditEvent.objects.filter(
        object_type__in=DOCUMENT_LABELS, object_id=str(document.pk), action="document.read"
    )
    return list(events.order_by("-seq")[:READS_SHOWN]), events.count()


def highlight_terms(query: str) -> list[str]:
    """The words of a search query to mark on the page (phrases word by word, exclusions and filters left out),
    longest first so a longer match is found before its parts; words of one letter are not marked."""
    parsed = parse_query(query or "")
    words: list[str] = []
    for clause in parsed.must:
        if isinstance(clause, Term | Fuzzy):
            words.append(clause.text)
        elif isinstance(clause, Phrase):
            words.extend(clause.words)
    seen, out = set(), []
    for word in sorted(words, key=len, reverse=True):
        word = word.strip(".,;:!?()[]{}'\"")
        if len(word) > 1 and word.lower() not in seen:
            seen.add(word.lower())
            out.append(word)
    return out


# -- the Akte page ----------------------------------------------------------------------------------------------


@dataclass
class Branch:
    """A Vorgang (or the documents in no Vorgang: `vorgang` None) with its visible documents."""

    vorgang: object
    documents: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.documents)


def akte_tree(*, user, akte) -> tuple[list[Branch], int]:
    """The Akte's Vorgänge in order of creation, each with its documents (date, then id), then the documents in
    no Vorgang; every document with the page count of its current version as the viewer shows it. Documents
    come from the access rule's queryset."""
    documents = list(
        document_list_for(user=user)
        .filter(akte=akte, merged_into__isnull=True)  # a merged-away document lives on in the one it went into
        .select_related("vorgang")
        .annotate(version_number=Max("versions__number"))
        .order_by("date", "id")
    )
    counts: dict[tuple[int, int], list[int]] = {}
    for doc_id, number, blank, n in (
        Page.objects.filter(version__document__in=[d.pk for d in documents])
        .values_list("version__document_id", "version__number", "blank")
        .annotate(n=Count("id"))
    ):
        counts.setdefault((doc_id, number), [0, 0])[blank] += n
    for doc in documents:
        shown, blank = counts.get((doc.pk, doc.version_number), [0, 0])
        doc.page_count = shown or blank  # blank pages are shown only when every page is blank
    branches = {v.pk: Branch(v) for v in akte.vorgaenge.order_by("created_at", "pk")}
    loose = Branch(None)
    for doc in documents:
        branches.get(doc.vorgang_id, loose).documents.append(doc)
    tree = list(branches.values()) + ([loose] if loose.documents or not branches else [])
    return tree, len(documents)


def tombstone_of(akte) -> dict | None:
    """What remains of a destroyed or transferred Akte: the tombstone, its contents per document with hashes."""
    stone = Tombstone.objects.filter(akte=akte).select_related("run").first()
    if stone is None:
        return None
    vorgaenge = {v["uuid"]: v["title"] for v in stone.contents.get("vorgaenge", [])}
    documents = [
        {
            "title": d.get("title"),
            "date": d.get("date"),
            "type": d.get("type"),
            "vorgang": vorgaenge.get(d.get("vorgang")),
            "objects": [{"version": v["number"], **o} for v in d.get("versions", []) for o in v.get("objects", [])],
        }
        for d in stone.contents.get("dokumente", [])
    ]
    return {"stone": stone, "run": stone.run, "vorgaenge": list(vorgaenge.values()), "documents": documents}


# -- the start page ---------------------------------------------------------------------------------------------

RECENT_SHOWN = 10
RECENT_SCAN = 300  # latest read events of the user looked at


def recent_reads(*, user):
    """The user's reads of documents, newest first (index audit_actor_action_seq)."""
    return AuditEvent.objects.filter(
        action="document.read", actor=actor_name(user), object_type__in=DOCUMENT_LABELS
    ).order_by("-seq")


def recent_documents(*, user) -> list:
    """The documents the user opened last (from the audit of their reads), newest first, each once, and only
    those the access rule still lets them see; `last_read` is the time of the latest read."""
    events = recent_reads(user=user).values_list("object_id", "at")[:RECENT_SCAN]
    last: dict[int, object] = {}
    for object_id, at in events:
        if object_id.isdigit() and int(object_id) not in last:
            last[int(object_id)] = at
    visible = document_list_for(user=user).filter(pk__in=list(last)).select_related("akte")
    docs = sorted(visible, key=lambda d: last[d.pk], reverse=True)[:RECENT_SHOWN]
    for doc in docs:
        doc.last_read = last[doc.pk]
    return docs
