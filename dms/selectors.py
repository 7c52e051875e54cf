"""Reads of the organisation. Reads of Akten and documents, filtered by the one access rule, are in
`akten.selectors`."""

from django.db.models import QuerySet

from .models import Department


def user_departments(user) -> QuerySet[Department]:
    if not user or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(group__user=user)
