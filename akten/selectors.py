"""Permission-filtered reads of Akten. Deny by default: lead department members, plus guardian grants."""
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Akte, AkteGroupObjectPermission, AkteUserObjectPermission, AktenplanUnit, Hold

VIEW = "view_akte"


def akte_list_for(*, user) -> QuerySet[Akte]:
    """Akten the user may view: lead department membership, or a view grant to the user or one of their groups.
    A pure scan account sees no Akte (it reads only the documents it ingested)."""
    from dms.selectors import is_scan_only

    if not user or not user.is_authenticated or is_scan_only(user):
        return Akte.objects.none()
    group_ids = user.groups.values("id")
    user_grant = AkteUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=VIEW
    )
    group_grant = AkteGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"), group__in=group_ids, permission__codename=VIEW
    )
    return Akte.objects.filter(
        Q(lead_department__group__in=group_ids) | Exists(user_grant) | Exists(group_grant)
    )


def akte_get_for(*, user, aktenzeichen: str | None = None, pk=None) -> Akte:
    qs = akte_list_for(user=user).select_related("unit", "lead_department")
    return qs.get(pk=pk) if pk is not None else qs.get(aktenzeichen=aktenzeichen)


def akte_can_change(*, user, akte: Akte) -> bool:
    """Caseworkers of the lead department, or holders of a change grant."""
    from dms.selectors import user_roles

    if not user or not user.is_authenticated:
        return False
    if akte.lead_department.group.user_set.filter(pk=user.pk).exists() and "caseworker" in user_roles(user):
        return True
    return user.has_perm("akten.change_akte", akte)


def akte_principals(akte: Akte) -> list[str]:
    """Principals allowed to view the Akte (and its documents), as indexed with each document. A grant to a
    pure scan account gives nothing (it reads only what it ingested)."""
    from dms.selectors import scan_only_users

    principals = {f"g:{akte.lead_department.group_id}"}
    principals |= {
        f"g:{gid}" for gid in AkteGroupObjectPermission.objects.filter(
            content_object=akte, permission__codename=VIEW).values_list("group_id", flat=True)
    }
    principals |= {
        f"u:{uid}" for uid in AkteUserObjectPermission.objects.filter(
            content_object=akte, permission__codename=VIEW).exclude(user__in=scan_only_users())
        .values_list("user_id", flat=True)
    }
    return sorted(principals)


def active_holds(*, akte: Akte) -> QuerySet[Hold]:
    return akte.holds.filter(released_at__isnull=True).order_by("created_at")


def aktenplan_unit_for(kennzeichen: str) -> AktenplanUnit | None:
    """The unit with the longest Kennzeichen that is a prefix (by whole segments) of the given one."""
    from .aktenzeichen import Aktenzeichen

    prefixes = Aktenzeichen(kennzeichen, "x").prefixes()
    units = {u.kennzeichen: u for u in AktenplanUnit.objects.filter(kennzeichen__in=prefixes)}
    return next((units[p] for p in prefixes if p in units), None)
