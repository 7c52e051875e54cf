"""Löschsperre wins over every delete path: services, admin, cascades, and queryset bulk deletes (which send
pre_delete per object because receivers are connected)."""
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from dms.models import Document, DocumentVersion, Page

from .models import Akte, Hold, Vorgang


class HeldError(Exception):
    """An Akte under a Löschsperre (legal hold), or something inside it, was about to be deleted."""


def _akte_id_of(instance):
    if isinstance(instance, Akte):
        return instance.pk
    if isinstance(instance, (Vorgang, Document)):
        return instance.akte_id
    if isinstance(instance, DocumentVersion):
        return Document.objects.filter(pk=instance.document_id).values_list("akte_id", flat=True).first()
    if isinstance(instance, Page):
        return DocumentVersion.objects.filter(pk=instance.version_id).values_list("document__akte_id", flat=True).first()
    return None


def assert_not_held(akte_id) -> None:
    holds = list(Hold.objects.filter(akte_id=akte_id, released_at__isnull=True).values_list("id", "reason"))
    if holds:
        az = Akte.objects.filter(pk=akte_id).values_list("aktenzeichen", flat=True).first()
        reasons = "; ".join(f"#{hid}: {reason}" for hid, reason in holds)
        raise HeldError(f"Akte {az} is under Löschsperre ({reasons}) and cannot be deleted")


@receiver(pre_delete, sender=Akte)
@receiver(pre_delete, sender=Vorgang)
@receiver(pre_delete, sender=Document)
@receiver(pre_delete, sender=DocumentVersion)
@receiver(pre_delete, sender=Page)
def refuse_delete_under_hold(sender, instance, **kwargs):
    akte_id = _akte_id_of(instance)
    if akte_id is not None:
        assert_not_held(akte_id)


@receiver(pre_delete, sender=Hold)
def refuse_delete_of_active_hold(sender, instance, **kwargs):
    if instance.released_at is None:
        raise HeldError(f"an active Löschsperre (#{instance.pk}) cannot be deleted; release it instead")
