"""Index rebuilds (the outbox the indexer drains is in the kernel: `dms.models.OutboxEntry`)."""

from django.db import models


class ReindexRun(models.Model):
    """A rebuild of the index into a new generation (tantivy directory / Elasticsearch index), resumable from
    `last_document_id`; the live index is swapped only when it is complete."""

    generation = models.CharField(max_length=100, unique=True)
    last_document_id = models.BigIntegerField(default=0)
    indexed = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.generation


class ReindexCatchup(models.Model):
    """A document changed in the live index while a rebuild was under way: re-read before the swap."""

    run = models.ForeignKey(ReindexRun, on_delete=models.CASCADE, related_name="catchup")
    document_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "document_id"], name="uniq_catchup_doc")]

    def __str__(self):
        return f"{self.run} Dokument {self.document_id}"
