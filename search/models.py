"""Indexing outbox: written in the same transaction as the change, drained by the one indexer."""
from django.db import models


class OutboxEntry(models.Model):
    class Op(models.TextChoices):
        UPSERT = "upsert"
        DELETE = "delete"

    document_id = models.BigIntegerField(db_index=True)
    op = models.CharField(max_length=10, choices=Op.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
