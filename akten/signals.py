"""Löschsperre wins over every delete path: services, admin, cascades, and queryset bulk deletes (which send
pre_delete per object because receivers are connected). One delete operation checks each Akte once. And a user's
access change (kernel signal `dms.services.user_access_changed`) re-indexes the documents whose principals name
the user."""

import threading

from django.db import connection
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from dms.outbox import outbox_enqueue
from dms.services import user_access_changed

from .access import documents_affected_by_user
from .models import Akte, Document, DocumentVersion, Hold, Page, Vorgang


class HeldError(Exception):
    """An Akte under a Löschsperre (legal hold), or something inside it, was about to be deleted."""


def _akte_id_of(instance, cache: dict | None = None):
    """The Akte an object lies in (None for objects outside Akten); `cache` maps version/document ids."""
    cache = {} if cache is None else cache
    if isinstance(instance, Akte):
        return instance.pk
    if isinstance(instance, (Vorgang, Document)):
        return instance.akte_id
    if isinstance(instance, DocumentVersion):
        key = ("document", instance.document_id)
        if key not in cache:
            cache[key] = Document.objects.filter(pk=instance.document_id).values_list("akte_id", flat=True).first()
        return cache[key]
    if isinstance(instance, Page):
        key = ("version", instance.version_id)
        if key not in cache:
            cache[key] = (
                DocumentVersion.objects.filter(pk=instance.version_id)
                .values_list("document__akte_id", flat=True)
                .first()
            )
        return cache[key]
    return None


def assert_not_held(akte_id) -> None:
    """Raise HeldError if the Akte has an active hold. Inside a transaction the Akte row is locked first, so a
    hold being placed concurrently either is seen here or waits for this delete (and then finds no Akte)."""
    akten = Akte.objects.filter(pk=akte_id)
    if connection.in_atomic_block:
        akten = akten.select_for_update()
    az = akten.values_list("aktenzeichen", flat=True).first()
    holds = list(Hold.objects.filter(akte_id=akte_id, released_at__isnull=True).values_list("id", "reason"))
    if holds:
        reasons = "; ".join(f"#{hid}: {reason}" for hid, reason in holds)
        raise HeldError(f"Akte {az} is under Löschsperre ({reasons}) and cannot be deleted")


_memo = threading.local()  # (atomic block, memo) of this thread's current delete operation


def _delete_cache() -> dict:
    """Memo for one delete operation: Django runs each delete in its own atomic block and sends every pre_delete
    inside it, so the memo lives exactly as long as that block (a new block, a new memo; nothing survives a
    rollback to skip a later check)."""
    block = _current_atomic_block()
    if block is None:
        return {}
    state = getattr(_memo, "state", None)
    if state is None or state[0] is not block:
        state = _memo.state = (block, {})
    return state[1]


def _current_atomic_block():
    """The innermost `transaction.atomic` block of the default connection, None outside one. Django has no public
    way to tell one atomic block from the next, so this reads `connection.atomic_blocks` (a private list, stable
    since Django 1.6); it is the only use of it in the project."""
    if not connection.in_atomic_block:
        return None
    return connection.atomic_blocks[-1]


@receiver(pre_delete, sender=Akte)
@receiver(pre_delete, sender=Vorgang)
@receiver(pre_delete, sender=Document)
@receiver(pre_delete, sender=DocumentVersion)
@receiver(pre_delete, sender=Page)
def refuse_delete_under_hold(sender, instance, **kwargs):
    cache = _delete_cache()
    akte_id = _akte_id_of(instance, cache)
    if akte_id is None or ("checked", akte_id) in cache:
        return
    assert_not_held(akte_id)
    cache[("checked", akte_id)] = True


@receiver(pre_delete, sender=Hold)
def refuse_delete_of_active_hold(sender, instance, **kwargs):
    if instance.released_at is None:
        raise HeldError(f"an active Löschsperre (#{instance.pk}) cannot be deleted; release it instead")


@receiver(user_access_changed)
def reindex_user_documents(sender, user, **kwargs):
    """`akten.access.documents_affected_by_user`: the documents whose indexed principals depend on the user."""
    outbox_enqueue(document_ids=documents_affected_by_user(user).values_list("id", flat=True).distinct())
