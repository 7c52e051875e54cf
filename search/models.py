"""Index rebuilds (the outbox the indexer drains is in the kernel: `dms.models.OutboxEntry`)."""

from django.conf import settings
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


class SavedSearch(models.Model):
    """A search a user keeps: the search page's URL parameters (words, filters, date range, sort), listed on the
    user's start page. Private to its owner; running it searches with the owner's access at that moment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches", verbose_name="Benutzer"
    )
    name = models.CharField("Name", max_length=200)
    params = models.CharField(
        "Suchparameter", max_length=2000, help_text="Abfrage der Suchseite (q, Filter, Sortierung)"
    )
    created_at = models.DateTimeField("angelegt", auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "gespeicherte Suche"
        verbose_name_plural = "gespeicherte Suchen"
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="uniq_saved_search_name")]

    def __str__(self):
        return self.name
