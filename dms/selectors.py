"""Reads, permission-filtered through the one access rule (`akten.access`). Selectors are the only place that
builds such querysets."""

from django.db.models import QuerySet

from akten import access
from akten.access import READING_ROLES, is_scan_only, scan_only_users, user_principals, user_roles

from .models import DEPARTMENT_GROUP_PREFIX, Department, Document


def user_departments(user) -> QuerySet[Department]:
    if not user or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(group__user=user)


def document_list_for(*, user) -> QuerySet[Document]:
    """Documents in Akten the user may view, plus (scan role) what the user ingested."""
    return access.documents_visible(user)


def document_get_for(*, user, pk) -> Document:
    return document_list_for(user=user).get(pk=pk)


def document_principals(document: Document) -> list[str]:
    """Who may see this document, as indexed with it (`akten.access.document_principals`)."""
    return access.document_principals(document)


__all__ = [
    "DEPARTMENT_GROUP_PREFIX",
    "READING_ROLES",
    "document_get_for",
    "document_list_for",
    "document_principals",
    "is_scan_only",
    "scan_only_users",
    "user_departments",
    "user_principals",
    "user_roles",
]
