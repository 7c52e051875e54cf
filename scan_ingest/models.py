"""Ingest jobs: a batch (one run of `ingest` over a path), its items (one source file or manifest row each) and
the documents each item produced. Rows are written by the one writer process only."""

from django.conf import settings
from django.db import models


class IngestBatch(models.Model):
    """One ingest of a path. An unfinished batch with the same parameters is resumed by the next run."""

    class State(models.TextChoices):
        QUEUED = "queued", "wartet"
        RUNNING = "running", "läuft"
        DONE = "done", "fertig"
        FAILED = "failed", "mit Fehlern"

    path = models.CharField(max_length=1000)
    manifest = models.CharField(max_length=1000, blank=True)
    akte = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=20, blank=True)
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="hash of the run's parameters")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    machine = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    source_label = models.CharField(
        max_length=100,
        blank=True,
        default="Kommandozeile",
        help_text="where the files came from (Upload, Eingangsordner)",
    )
    into_closed = models.BooleanField(default=False, help_text="legacy documents may go into closed (z.d.A.) Akten")
    background = models.BooleanField(default=False, help_text="run by the ingest worker (batch_submit), not a command")
    spool = models.CharField(max_length=1000, blank=True, help_text="spool folder of a submitted batch")
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    run_started_at = models.DateTimeField(null=True, blank=True, help_text="start of the current run (progress rate)")
    failure = models.TextField(blank=True, help_text="why the batch as a whole could not run (German)")
    runs = models.PositiveIntegerField(default=0, help_text="how often the batch was started (resumes + 1)")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["operator", "-id"], name="ingest_batch_operator_id"),
            models.Index(fields=["state", "background"], name="ingest_batch_state_bg"),
        ]

    def __str__(self) -> str:
        return f"Ingest #{self.pk} {self.path} ({self.state})"


class IngestItem(models.Model):
    """One source file of a batch (a manifest row names one); processed page by page, then split into documents."""

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        ERROR = "error"

    batch = models.ForeignKey(IngestBatch, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=1100, help_text="source, plus the manifest line when a manifest names it")
    seq = models.PositiveIntegerField(help_text="order of the item in its batch")
    source = models.CharField(max_length=1000, help_text="path relative to the ingest PATH (ZIP: member name)")
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    routing = models.CharField(max_length=64, blank=True, help_text="hash of what decides Akte and metadata")
    pages = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    skipped_blank_pages = models.JSONField(
        default=list,
        blank=True,
        help_text="pages of all-blank parts between separator sheets: in no document, listed for review",
    )

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "key"], name="uniq_ingest_item_key")]

    def __str__(self):
        return self.source


class IngestDocument(models.Model):
    """A document an item produced (several for a batch scan with separator sheets).

    `storing` is written (and committed) before the document's objects go to the object store; the rows that
    make the document visible then flip it to `stored` in one transaction. A `storing` row found on resume
    names objects that may have been put without rows: they are removed before the document is redone."""

    class Status(models.TextChoices):
        STORING = "storing"
        STORED = "stored"
        DUPLICATE = "duplicate"
        ERROR = "error"

    item = models.ForeignKey(IngestItem, on_delete=models.CASCADE, related_name="documents")
    source_pages = models.CharField(max_length=40, blank=True)
    aktenzeichen = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=500, blank=True)
    department = models.CharField(max_length=20, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField(blank=True)
    document = models.ForeignKey("akten.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    pending_objects = models.JSONField(default=list, blank=True, help_text="sha256 of objects being put")
    qa_state = models.CharField(max_length=20, blank=True)
    mean_confidence = models.FloatField(null=True, blank=True)
    review_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="why the document needs review (pages left out as blank, low OCR "
        "confidence, ...); what the review queue lists",
    )
    review_hints = models.JSONField(
        default=list,
        blank=True,
        help_text="what else a person should look at (pages turned or straightened, split from a batch scan, a "
        "title that is only the file name); listed in the review queue, not a QA failure",
    )
    review_open = models.BooleanField(default=False, help_text="in the review queue: needs a look, not accepted yet")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_checks = models.JSONField(default=list, blank=True, help_text="what the reviewer checked on acceptance")

    class Meta:
        ordering = ["item__seq", "id"]
        indexes = [models.Index(fields=["review_open", "-id"], name="ingest_doc_review_queue")]
        constraints = [models.UniqueConstraint(fields=["item", "source_pages"], name="uniq_ingest_doc_pages")]

    def __str__(self):
        return f"{self.item.source} ({self.status})"
