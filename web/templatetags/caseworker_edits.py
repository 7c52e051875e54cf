"""What edit buttons a user gets on an Akte: asked of the one access rule (akten/access.py) once per page, so the
templates only show what the services would allow."""

from django import template

from akten import access
from akten.models import AkteState

register = template.Library()


@register.simple_tag
def edit_rights(user, akte) -> dict:
    change = access.akte_changeable(user, akte)
    is_open = akte.state == AkteState.OFFEN
    return {
        "change": change,
        "open": change and is_open,
        "close": change and is_open,
        "reopen": change and akte.state == AkteState.ZDA,
        "grant": access.may_grant(user, akte),
        "hold_request": change and akte.state not in (AkteState.VERNICHTET, AkteState.ABGEGEBEN),
    }


@register.simple_tag
def may_create_akte(user) -> bool:
    return access.departments_for_new_akte(user).exists()


@register.simple_tag
def open_hold_requests(akte) -> list:
    """The Akte's hold requests the archive has not decided yet (shown beside the actions)."""
    from akten.models import HoldRequestState

    return list(akte.hold_requests.filter(state=HoldRequestState.OPEN).order_by("requested_at"))
