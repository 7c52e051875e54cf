"""Departments, roles, documents with versions and pages, stored objects, audit events."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Sachbearbeitung"
    SCAN = "scan", "Scanstelle"
    ARCHIVIST = "archivist", "Archiv"
    ADMIN = "admin", "Administration"


ROLE_GROUP_PREFIX = "role:"
DEPARTMENT_GROUP_PREFIX = "dept:"


class Department(models.Model):
    """Organisationseinheit: a department (code `63`, name `Bauordnungsamt`), backed by a Group of its members."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="department")

    class Meta:
        ordering = ["code"]
        verbose_name = "Organisationseinheit"
        verbose_name_plural = "Organisationseinheiten"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StoredObject(models.Model):
    """One immutable, content-addressed object in the object store (`sha256/ab/cd/<hash>`)."""

    sha256 = models.CharField(max_length=64, unique=True)
    key = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class Document(models.Model):
    """Dokument: lives in an Akte (optionally in a Vorgang); its content is in versions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    akte = models.ForeignKey("akten.Akte", on_delete=models.CASCADE, related_name="documents")
    vorgang = models.ForeignKey(
        "akten.Vorgang", on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    # Copy of akte.lead_department so list and search filters are plain indexed queries
    # (docs/architecture.md, "Permissions").
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=500)
    document_type = models.CharField(max_length=100, blank=True)
    date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=1000, blank=True, help_text="Path of the source file in its ingest")
    source_pages = models.CharField(max_length=40, blank=True, help_text="first-last, for batch-scan splits")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["department", "akte"]), models.Index(fields=["created_by"])]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class DocumentVersion(models.Model):
    """A version: the original (bit-exact), the archival rendition (PDF/A) and the scan record (Transfervermerk)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    original = models.ForeignKey(StoredObject, on_delete=models.PROTECT, related_name="+")
    rendition = models.ForeignKey(StoredObject, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scan_record = models.ForeignKey(StoredObject, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_version_number")]

    def __str__(self):
        return f"{self.document} – Version {self.number}"

    def stored_objects(self) -> list[StoredObject]:
        return [o for o in (self.original, self.rendition, self.scan_record) if o is not None]


class Page(models.Model):
    """One page of a version with its OCR (or embedded) text, for page-level search hits."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    blank = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="uniq_page_number")]

    def __str__(self):
        return f"Seite {self.number} von {self.version}"


class AuditEvent(models.Model):
    """Append-only, hash-chained record of a write or a read of document content (docs/architecture.md, "Audit")."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}".rstrip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("AuditEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("AuditEvent is append-only")


class AuditHead(models.Model):
    """Singleton row locked while appending so concurrent writers chain one after another."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return "Kopf der Audit-Kette"
