"""Reads, permission-filtered. Selectors are the only place that builds such querysets."""
from django.db.models import Q, QuerySet

from .models import DEPARTMENT_GROUP_PREFIX, ROLE_GROUP_PREFIX, Department, Document


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    names = user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).values_list("name", flat=True)
    return {n[len(ROLE_GROUP_PREFIX):] for n in names}


# Roles that read through department membership and grants. A pure scan account (scan and none of these)
# reads nothing it did not ingest (DESIGN.md, Permissions), whatever its memberships or grants say.
READING_ROLES = frozenset({"caseworker", "archivist", "admin"})


def is_scan_only(user) -> bool:
    roles = user_roles(user)
    return "scan" in roles and not roles & READING_ROLES


def scan_only_users():
    """Users holding the scan role and no reading role (for excluding their grants from principals)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=f"{ROLE_GROUP_PREFIX}scan").exclude(
        groups__name__in=[f"{ROLE_GROUP_PREFIX}{r}" for r in READING_ROLES])


def user_departments(user) -> QuerySet[Department]:
    if not user or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(group__user=user)


def user_principals(user) -> list[str]:
    """What a user is, for search trimming: `u:<id>` and `g:<group id>` of every group (departments included)."""
    if not user or not user.is_authenticated:
        return []
    if is_scan_only(user):
        return [f"u:{user.pk}"]
    return [f"u:{user.pk}"] + [f"g:{gid}" for gid in user.groups.values_list("id", flat=True)]


def document_list_for(*, user) -> QuerySet[Document]:
    """Documents in Akten the user may view, plus (scan role) what the user ingested."""
    from akten.selectors import akte_list_for

    if not user or not user.is_authenticated:
        return Document.objects.none()
    roles = user_roles(user)
    if "scan" in roles and not roles & READING_ROLES:
        return Document.objects.filter(created_by=user)
    q = Q(akte__in=akte_list_for(user=user).values("pk"))
    if "scan" in roles:
        q |= Q(created_by=user)
    return Document.objects.filter(q)


def document_get_for(*, user, pk) -> Document:
    return document_list_for(user=user).get(pk=pk)


def document_principals(document: Document) -> list[str]:
    """Who may see this document (indexed with it): the Akte's principals plus, if they hold the scan role,
    the user who ingested it (as document_list_for; a role change re-indexes the user's documents)."""
    from akten.selectors import akte_principals

    principals = set(akte_principals(document.akte))
    if document.created_by_id and "scan" in user_roles(document.created_by):
        principals.add(f"u:{document.created_by_id}")
    return sorted(principals)


__all__ = ["DEPARTMENT_GROUP_PREFIX", "READING_ROLES", "is_scan_only", "scan_only_users", "user_roles",
           "user_departments", "user_principals", "document_list_for", "document_get_for", "document_principals"]
