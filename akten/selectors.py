"""Permission-filtered reads of Akten, through the one access rule (`akten.access`)."""

from django.db.models import QuerySet

from . import access
from .access import VIEW, akte_principals  # noqa: F401  (re-exported)
from .models import Akte, AktenplanUnit, Hold


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
