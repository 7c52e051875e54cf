"""The one access rule: who may see and change an Akte and its documents, for one object, in bulk (querysets) and
as search principals. Selectors, the indexer, `search_check`, views, the API, the admin and the commands ask here;
nothing else decides.

The rule (docs/architecture.md, "Permissions"), deny by default:
- Nobody who is not an authenticated, active user sees anything.
- A reader (any active user who is not a pure scan account) sees an Akte whose lead department (Federführung)
  they belong to, or that was granted (`view_akte`, django-guardian) to them or to one of their groups.
  Documents follow their Akte.
- A holder of the scan role also sees the documents they ingested (`created_by`), in any Akte. A pure scan account
  (scan and no reading role) sees only those: memberships and grants give it nothing. Creating a document gives
  no one else anything: a caseworker who uploaded a document reads it only through its Akte.
- Change: a caseworker of the lead department, or a `change_akte` grant, on an Akte the user sees that is not in
  a disposal run or gone (`DISPOSAL_STATES`: angeboten, bewertet, abgegeben/Import ausstehend, abgegeben,
  vernichtet): such an Akte is read-only for everyone. The scan role corrects title, date and type of the
  documents it ingested (its quality check, `document_correctable`) and merges two of them in one Akte
  (`documents_mergeable`), nothing else.
- Löschsperre (place and release): an archivist, or a caseworker or the department lead (Amtsleitung) of the
  Akte's lead department; a pure scan account never.
- Grant and revoke access to other departments or persons: the department lead (Amtsleitung) of the Akte's lead
  department, or the admin role.
- The admin role administers records in the admin site (metadata, grants, holds) but reads content only like
  anyone else, through membership or grants.

Search principals: a user is `u:<id>` plus `g:<group id>` for each of their groups (a pure scan account only
`u:<id>`); a document carries `g:<lead department group>`, `g:<group>` per group grant, `u:<user>` per user grant
to an active reader, and `u:<creator>` while its creator is active and holds the scan role. A user sees a document
exactly when the two sets meet (tests/test_access_property.py)."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from dms.models import ROLE_GROUP_PREFIX, Department, Role

from .models import DISPOSAL_STATES, Akte, AkteGroupObjectPermission, AkteUserObjectPermission, Document

VIEW = "view_akte"
CHANGE = "change_akte"

# Roles that read through department membership and grants; the scan role alone does not.
READING_ROLES = frozenset({Role.CASEWORKER, Role.ARCHIVIST, Role.ADMIN, Role.LEAD})


def _is_user(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_active


def user_roles(user) -> set[str]:
    """The user's roles (groups `role:<role>`); an inactive user has none."""
    if not _is_user(user):
        return set()
    names = user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).values_list("name", flat=True)
    return {n[len(ROLE_GROUP_PREFIX) :] for n in names}


def is_scan_only(user) -> bool:
    roles = user_roles(user)
    return Role.SCAN in roles and not roles & READING_ROLES


def _role_group_names(roles) -> list[str]:
    return [f"{ROLE_GROUP_PREFIX}{r}" for r in roles]


def scan_only_users() -> QuerySet:
    """Users holding the scan role and no reading role."""
    return (
        get_user_model()
        .objects.filter(groups__name=f"{ROLE_GROUP_PREFIX}{Role.SCAN}")
        .exclude(groups__name__in=_role_group_names(READING_ROLES))
    )


def readers() -> QuerySet:
    """Active users whose user grants count (everyone but pure scan accounts)."""
    return get_user_model().objects.filter(is_active=True).exclude(pk__in=scan_only_users().values("pk"))


# -- seeing -------------------------------------------------------------------------------------------------


def akten_visible(user) -> QuerySet[Akte]:
    """Akten the user may see (metadata and documents)."""
    if not _is_user(user) or is_scan_only(user):
        return Akte.objects.none()
    group_ids = user.groups.values("id")
    user_grant = AkteUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=VIEW
    )
    group_grant = AkteGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"), group__in=group_ids, permission__codename=VIEW
    )
    return Akte.objects.filter(Q(lead_department__group__in=group_ids) | Exists(user_grant) | Exists(group_grant))


def akte_visible(user, akte: Akte) -> bool:
    return akten_visible(user).filter(pk=akte.pk).exists()


def documents_visible(user) -> QuerySet[Document]:
    """Documents the user may see, content included."""
    if not _is_user(user):
        return Document.objects.none()
    roles = user_roles(user)
    if Role.SCAN in roles and not roles & READING_ROLES:
        return Document.objects.filter(created_by=user)
    q = Q(akte__in=akten_visible(user).values("pk"))
    if Role.SCAN in roles:
        q |= Q(created_by=user)
    return Document.objects.filter(q)


def document_visible(user, document: Document) -> bool:
    return documents_visible(user).filter(pk=document.pk).exists()


# -- changing -----------------------------------------------------------------------------------------------


def akten_changeable(user) -> QuerySet[Akte]:
    """Akten the user sees and may change: caseworkers of the lead department, or a change grant."""
    if not _is_user(user) or is_scan_only(user):
        return Akte.objects.none()
    group_ids = user.groups.values("id")
    own = Q(lead_department__group__in=group_ids) if Role.CASEWORKER in user_roles(user) else Q(pk__in=[])
    user_grant = AkteUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=CHANGE
    )
    group_grant = AkteGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"), group__in=group_ids, permission__codename=CHANGE
    )
    changeable = akten_visible(user).filter(own | Exists(user_grant) | Exists(group_grant))
    return changeable.exclude(state__in=DISPOSAL_STATES)  # read-only while in an Aussonderung, and after it


def akte_changeable(user, akte: Akte) -> bool:
    return akten_changeable(user).filter(pk=akte.pk).exists()


def document_correctable(user, document: Document) -> bool:
    """Correct a document's title, date or type: whoever may change its Akte, and the scan role for the documents
    it ingested (the quality check of the Scanstelle, TR-RESISCAN "Prüfung"), while the Akte is not in the
    Aussonderung."""
    if akte_changeable(user, document.akte):
        return True
    return (
        _is_user(user)
        and Role.SCAN in user_roles(user)
        and document.created_by_id == user.pk
        and document.akte.state not in DISPOSAL_STATES
    )


def documents_mergeable(user, document: Document, other: Document) -> bool:
    """Merge two documents of one Akte (`akten.documents.document_merge`): whoever may change the Akte, and the scan
    operator who ingested both (the review of a batch scan split in the wrong place), while the Akte is not in the
    Aussonderung."""
    if document.akte_id != other.akte_id:
        return False
    if akte_changeable(user, document.akte):
        return True
    return (
        _is_user(user)
        and Role.SCAN in user_roles(user)
        and document.created_by_id == user.pk
        and other.created_by_id == user.pk
        and document.akte.state not in DISPOSAL_STATES
    )


def _in_lead_department(user, akte: Akte) -> bool:
    return user.groups.filter(pk=akte.lead_department.group_id).exists()


def may_hold(user, akte: Akte) -> bool:
    """Place or release a Löschsperre: archivists, and caseworkers and leads of the Akte's lead department."""
    if not _is_user(user):
        return False
    roles = user_roles(user)
    if Role.ARCHIVIST in roles:
        return True
    return bool(roles & {Role.CASEWORKER, Role.LEAD}) and _in_lead_department(user, akte)


def may_grant(user, akte: Akte) -> bool:
    """Grant or revoke access to the Akte for another department or person: the department lead (Amtsleitung) of
    the Akte's lead department, or the admin role. (A Django superuser without the admin role grants only in the
    admin site, `may_administer`.)"""
    if not _is_user(user):
        return False
    roles = user_roles(user)
    if Role.ADMIN in roles:
        return True
    return Role.LEAD in roles and _in_lead_department(user, akte)


def departments_for_new_akte(user) -> QuerySet[Department]:
    """Departments in which the user may open a new Akte (Federführung): a caseworker's own departments; the admin
    role any department."""
    if not _is_user(user) or is_scan_only(user):
        return Department.objects.none()
    if may_administer(user):
        return Department.objects.all()
    if Role.CASEWORKER not in user_roles(user):
        return Department.objects.none()
    return Department.objects.filter(group__in=user.groups.values("id"))


def may_administer(user) -> bool:
    """The admin site's records (metadata, grants, holds): the admin role (or a Django superuser)."""
    return _is_user(user) and (user.is_superuser or Role.ADMIN in user_roles(user))


def akten_administered(user) -> QuerySet[Akte]:
    return Akte.objects.all() if may_administer(user) else Akte.objects.none()


def documents_administered(user) -> QuerySet[Document]:
    return Document.objects.all() if may_administer(user) else Document.objects.none()


# -- search principals ----------------------------------------------------------------------------------------


def user_principals(user) -> list[str]:
    """What a user is, for search trimming: `u:<id>` and `g:<group id>` of every group (departments included)."""
    if not _is_user(user):
        return []
    if is_scan_only(user):
        return [f"u:{user.pk}"]
    return [f"u:{user.pk}"] + [f"g:{gid}" for gid in user.groups.values_list("id", flat=True)]


def principals_by_akte(akte_ids: Iterable[int], lead_groups: dict[int, int] | None = None) -> dict[int, set[str]]:
    """Who may see each Akte (and its documents), in three queries whatever the number of Akten."""
    akte_ids = list(akte_ids)
    if lead_groups is None:
        lead_groups = dict(Akte.objects.filter(pk__in=akte_ids).values_list("pk", "lead_department__group_id"))
    result: dict[int, set[str]] = {a: {f"g:{lead_groups[a]}"} for a in akte_ids}
    for akte_id, group_id in AkteGroupObjectPermission.objects.filter(
        content_object_id__in=akte_ids, permission__codename=VIEW
    ).values_list("content_object_id", "group_id"):
        result[akte_id].add(f"g:{group_id}")
    for akte_id, user_id in AkteUserObjectPermission.objects.filter(
        content_object_id__in=akte_ids, permission__codename=VIEW, user__in=readers().values("pk")
    ).values_list("content_object_id", "user_id"):
        result[akte_id].add(f"u:{user_id}")
    return result


def scanning_creators(user_ids: Iterable[int]) -> set[int]:
    """Of these users, the active ones holding the scan role (whose ingested documents they see)."""
    ids = {u for u in user_ids if u}
    if not ids:
        return set()
    return set(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True, groups__name=f"{ROLE_GROUP_PREFIX}{Role.SCAN}")
        .values_list("pk", flat=True)
    )


def document_principals_bulk(rows: Iterable[tuple[int, int, int | None, int]]) -> dict[int, tuple[str, ...]]:
    """Principals of many documents from `(document id, akte id, created_by id, lead department group id)` rows."""
    rows = list(rows)
    lead_groups = {akte_id: group_id for _, akte_id, _, group_id in rows}
    by_akte = principals_by_akte(lead_groups, lead_groups)
    scanners = scanning_creators(created_by for _, _, created_by, _ in rows)
    out = {}
    for doc_id, akte_id, created_by, _ in rows:
        principals = by_akte[akte_id]
        if created_by in scanners:
            principals = principals | {f"u:{created_by}"}
        out[doc_id] = tuple(sorted(principals))
    return out


def akte_principals(akte: Akte) -> list[str]:
    return sorted(principals_by_akte([akte.pk], {akte.pk: akte.lead_department.group_id})[akte.pk])


def document_principals(document: Document) -> list[str]:
    row = (document.pk, document.akte_id, document.created_by_id, document.akte.lead_department.group_id)
    return list(document_principals_bulk([row])[document.pk])


def documents_affected_by_user(user) -> QuerySet[Document]:
    """Documents whose principals can change when this user's roles or active flag change: what they ingested
    and what lies in Akten granted to them. (Membership is resolved at query time through `g:` principals.)"""
    granted = AkteUserObjectPermission.objects.filter(user=user).values("content_object_id")
    return Document.objects.filter(Q(created_by=user) | Q(akte__in=granted))
