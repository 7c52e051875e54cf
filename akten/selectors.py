"""Permission-filtered reads of Akten and their documents, through the one access rule (`akten.access`). Selectors
are the only place that builds such querysets."""

from django.db.models import QuerySet

from . import access
from .access import (  # noqa: F401  (re-exported)
    READING_ROLES,
    VIEW,
    akte_principals,
    is_scan_only,
    scan_only_users,
    user_principals,
    user_roles,
)
from .models import Akte, AktenplanUnit, Document, Hold


def akte_list_for(*, user) -> QuerySet[Akte]:
    """Akten the user may view (`akten.access.akten_visible`)."""
    return access.akten_visible(user)


def akte_get_for(*, user, aktenzeichen: str | None = None, pk=None) -> Akte:
    qs = akte_list_for(user=user).select_related("unit", "lead_department")
    return qs.get(pk=pk) if pk is not None else qs.get(aktenzeichen=aktenzeichen)


def akte_can_change(*, user, akte: Akte) -> bool:
    return access.akte_changeable(user, akte)


def active_holds(*, akte: Akte) -> QuerySet[Hold]:
    return akte.holds.filter(released_at__isnull=True).order_by("created_at")


def aktenplan_unit_for(kennzeichen: str) -> AktenplanUnit | None:
    """The unit with the longest Kennzeichen that is a prefix (by whole segments) of the given one."""
    from .aktenzeichen import Aktenzeichen

    prefixes = Aktenzeichen(kennzeichen, "x").prefixes()
    units = {u.kennzeichen: u for u in AktenplanUnit.objects.filter(kennzeichen__in=prefixes)}
    return next((units[p] for p in prefixes if p in units), None)


def document_list_for(*, user) -> QuerySet[Document]:
    """Documents in Akten the user may view, plus (scan role) what the user ingested."""
    return access.documents_visible(user)


def document_get_for(*, user, pk) -> Document:
    return document_list_for(user=user).get(pk=pk)


def document_principals(document: Document) -> list[str]:
    """Who may see this document, as indexed with it (`akten.access.document_principals`)."""
    return access.document_principals(document)
