"""Aktenplan (file plan), Akte (case file), Vorgang, Dokument with its versions and pages, Hold (Löschsperre)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .aktenzeichen import Aktenzeichen, AktenzeichenError, validate_kennzeichen
from .retention import FristBeginn


class Aussonderungsart(models.TextChoices):
    A = "A", "archivwürdig"
    B = "B", "bewerten"
    V = "V", "vernichten"


class EffectiveRule:
    """A unit's retention rule after inheritance: years (None = dauernd), start point, Aussonderungsart."""

    __slots__ = ("aussonderungsart", "department_id", "permanent", "start", "years")

    def __init__(self, years, permanent, start, aussonderungsart, department_id):
        self.years, self.permanent, self.start = years, permanent, start
        self.aussonderungsart, self.department_id = aussonderungsart, department_id


class AktenplanUnit(models.Model):
    """A unit of the file plan. Unset rule fields are inherited from the parent."""

    kennzeichen = models.CharField(
        max_length=100, unique=True, validators=[validate_kennzeichen], verbose_name="Kennzeichen"
    )
    title = models.CharField(max_length=300, verbose_name="Titel")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="übergeordnete Einheit",
    )
    retention_years = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name="Aufbewahrungsfrist (Jahre)")
    retention_permanent = models.BooleanField(
        default=False, help_text="dauernd aufbewahren", verbose_name="dauernd aufbewahren"
    )
    retention_start = models.CharField(
        max_length=30, choices=FristBeginn.CHOICES, blank=True, verbose_name="Fristbeginn"
    )
    aussonderungsart = models.CharField(
        max_length=1, choices=Aussonderungsart.choices, blank=True, verbose_name="Aussonderungsart"
    )
    department = models.ForeignKey(
        "dms.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aktenplan_units",
        help_text="Federführung neuer Akten unter dieser Einheit (wird vererbt)",
        verbose_name="federführende Organisationseinheit",
    )

    class Meta:
        ordering = ["kennzeichen"]
        verbose_name = "Aktenplaneinheit"
        verbose_name_plural = "Aktenplan"

    def __str__(self) -> str:
        return f"{self.kennzeichen} {self.title}"

    def clean(self):
        if self.retention_permanent and self.retention_years is not None:
            raise ValidationError("a rule is either N years or dauernd, not both")

    def effective_rule(self) -> EffectiveRule:
        years = permanent = start = art = dept = None
        unit = self
        while unit is not None:
            if years is None and permanent is None:
                if unit.retention_permanent:
                    permanent = True
                elif unit.retention_years is not None:
                    years = unit.retention_years
            start = start or unit.retention_start or None
            art = art or unit.aussonderungsart or None
            dept = dept or unit.department_id
            unit = unit.parent
        return EffectiveRule(years, bool(permanent), start or FristBeginn.ZDA, art or Aussonderungsart.B, dept)


class Vertraulichkeit(models.TextChoices):
    OFFEN = "offen", "offen"
    INTERN = "intern", "intern"
    VERTRAULICH = "vertraulich", "vertraulich"
    VS_NFD = "vs-nfd", "VS – Nur für den Dienstgebrauch"


class AkteState(models.TextChoices):
    OFFEN = "offen", "offen"
    ZDA = "zdA", "zu den Akten"
    ANGEBOTEN = "angeboten", "angeboten"
    BEWERTET_A = "bewertet_A", "bewertet: archivwürdig"
    BEWERTET_V = "bewertet_V", "bewertet: vernichten"
    ABGABE_AUSSTEHEND = "abgabe_ausstehend", "abgegeben, Import ausstehend"
    ABGEGEBEN = "abgegeben", "abgegeben"
    VERNICHTET = "vernichtet", "vernichtet"


# An Akte in these states is in a disposal run or gone: read-only for everyone (akten/aussonderung/services.py).
DISPOSAL_STATES = (
    AkteState.ANGEBOTEN,
    AkteState.BEWERTET_A,
    AkteState.BEWERTET_V,
    AkteState.ABGABE_AUSSTEHEND,
    AkteState.ABGEGEBEN,
    AkteState.VERNICHTET,
)


class Akte(models.Model):
    """Case file. Aktenzeichen = unit Kennzeichen + '-' + running part; the retention end is stored and indexed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UUID")
    aktenzeichen = models.CharField(max_length=150, unique=True, verbose_name="Aktenzeichen")
    unit = models.ForeignKey(
        AktenplanUnit, on_delete=models.PROTECT, related_name="akten", verbose_name="Aktenplaneinheit"
    )
    title = models.CharField("Betreff", max_length=500)
    lead_department = models.ForeignKey(
        "dms.Department",
        on_delete=models.PROTECT,
        related_name="akten",
        verbose_name="federführende Organisationseinheit",
    )
    vertraulichkeit = models.CharField(
        max_length=20, choices=Vertraulichkeit.choices, default=Vertraulichkeit.INTERN, verbose_name="Vertraulichkeit"
    )
    state = models.CharField(
        max_length=20, choices=AkteState.choices, default=AkteState.OFFEN, db_index=True, verbose_name="Zustand"
    )
    opened_on = models.DateField(null=True, blank=True, verbose_name="angelegt am")
    zda_date = models.DateField("z.d.A.", null=True, blank=True)
    fristbeginn_event = models.DateField(
        null=True,
        blank=True,
        help_text="Datum des Ereignisses, wenn die Frist mit einem Ereignis beginnt",
        verbose_name="Ereignis für den Fristbeginn",
    )
    aussonderungsart = models.CharField(
        max_length=1,
        choices=Aussonderungsart.choices,
        blank=True,
        help_text="gilt statt der Aussonderungsart der Aktenplaneinheit",
        verbose_name="Aussonderungsart",
    )
    aufbewahrungsende = models.DateField(null=True, blank=True, db_index=True, verbose_name="Aufbewahrungsende")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")

    class Meta:
        verbose_name = "Akte"
        verbose_name_plural = "Akten"
        ordering = ["aktenzeichen"]
        indexes = [
            models.Index(fields=["state", "aufbewahrungsende"]),
            models.Index(fields=["lead_department", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.aktenzeichen} {self.title}"

    @property
    def in_disposal(self) -> bool:
        """In a disposal run (offered, evaluated, awaiting the archive's import) or already gone: read-only."""
        return self.state in DISPOSAL_STATES

    def clean(self):
        try:
            az = Aktenzeichen.parse(self.aktenzeichen)
        except AktenzeichenError as exc:
            raise ValidationError({"aktenzeichen": str(exc)}) from None
        if self.unit_id and self.unit.kennzeichen not in az.prefixes():
            raise ValidationError(
                {"aktenzeichen": f"{self.aktenzeichen!r} does not belong to Aktenplan unit {self.unit.kennzeichen}"}
            )

    @property
    def effective_aussonderungsart(self) -> str:
        return self.aussonderungsart or self.unit.effective_rule().aussonderungsart

    @property
    def active_holds(self):
        return self.holds.filter(released_at__isnull=True)


class Vorgang(models.Model):
    """Optional sub-level of an Akte (a procedure within the case)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UUID")
    akte = models.ForeignKey(Akte, on_delete=models.CASCADE, related_name="vorgaenge", verbose_name="Akte")
    title = models.CharField(max_length=500, verbose_name="Betreff")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")

    class Meta:
        verbose_name = "Vorgang"
        verbose_name_plural = "Vorgänge"

    def __str__(self) -> str:
        return self.title


class Document(models.Model):
    """Dokument: lives in an Akte (optionally in a Vorgang); its content is in versions. Written only through the
    document service (`akten/documents.py`). The tables keep their names from when documents lived in `dms`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UUID")
    akte = models.ForeignKey(Akte, on_delete=models.CASCADE, related_name="documents", verbose_name="Akte")
    vorgang = models.ForeignKey(
        Vorgang, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name="Vorgang"
    )
    # Copy of akte.lead_department so list and search filters are plain indexed queries
    # (docs/architecture.md, "Permissions").
    department = models.ForeignKey(
        "dms.Department", on_delete=models.PROTECT, related_name="documents", verbose_name="Organisationseinheit"
    )
    title = models.CharField(max_length=500, verbose_name="Titel")
    document_type = models.CharField(max_length=100, blank=True, verbose_name="Dokumentart")
    date = models.DateField(null=True, blank=True, verbose_name="Datum")
    source = models.CharField(
        max_length=1000, blank=True, help_text="Pfad der Quelldatei in ihrer Erfassung", verbose_name="Herkunft"
    )
    source_pages = models.CharField(
        max_length=40,
        blank=True,
        help_text="erste–letzte Seite, wenn ein Stapelscan geteilt wurde",
        verbose_name="Seiten der Vorlage",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="erfasst von",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")
    # Set by `akten.documents.document_merge`: the pages live on in that document's newer version; this one stays
    # in its Akte for the record (rows, objects, audit) but leaves lists, search and the review queue. Both lie in
    # one Akte, so they go together when the Aussonderung removes it.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name="zusammengeführt in",
    )
    merged_at = models.DateTimeField(null=True, blank=True, verbose_name="zusammengeführt am")

    class Meta:
        verbose_name = "Dokument"
        verbose_name_plural = "Dokumente"
        db_table = "dms_document"
        indexes = [
            models.Index(fields=["department", "akte"], name="dms_documen_departm_adfd8c_idx"),
            models.Index(fields=["created_by"], name="dms_documen_created_cb685f_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class DocumentVersion(models.Model):
    """A version: the original (bit-exact), the archival rendition (PDF/A) and the scan record (Transfervermerk)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions", verbose_name="Dokument")
    number = models.PositiveIntegerField(default=1, verbose_name="Nummer")
    original = models.ForeignKey(
        "dms.StoredObject", on_delete=models.PROTECT, related_name="+", verbose_name="Original"
    )
    rendition = models.ForeignKey(
        "dms.StoredObject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Lesefassung (PDF/A)",
    )
    scan_record = models.ForeignKey(
        "dms.StoredObject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Scanprotokoll (Transfervermerk)",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")

    class Meta:
        verbose_name = "Dokumentversion"
        verbose_name_plural = "Dokumentversionen"
        db_table = "dms_documentversion"
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_version_number")]

    def __str__(self):
        return f"{self.document} – Version {self.number}"

    def stored_objects(self) -> list:
        return [o for o in (self.original, self.rendition, self.scan_record) if o is not None]


class Page(models.Model):
    """One page of a version with its OCR (or embedded) text, for page-level search hits."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="pages", verbose_name="Version")
    number = models.PositiveIntegerField(verbose_name="Seite")
    text = models.TextField(blank=True, verbose_name="Text")
    confidence = models.FloatField(null=True, blank=True, verbose_name="Erkennungsgüte (OCR)")
    blank = models.BooleanField(default=False, verbose_name="leere Seite")

    class Meta:
        verbose_name = "Seite"
        verbose_name_plural = "Seiten"
        db_table = "dms_page"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="uniq_page_number")]

    def __str__(self):
        return f"Seite {self.number} von {self.version}"


class Hold(models.Model):
    """Löschsperre (legal hold) on an Akte: while active, nothing in the Akte can be deleted. Holds stack."""

    akte = models.ForeignKey(Akte, on_delete=models.CASCADE, related_name="holds", verbose_name="Akte")
    reason = models.CharField(max_length=500, verbose_name="Grund")
    reference = models.CharField(
        max_length=200,
        blank=True,
        verbose_name="Bezug",
        help_text="z. B. Az. des Gerichtsverfahrens (VG 2 K 123/24); ältere Sperren tragen ihn im Grund",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="gesetzt von"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="gesetzt am")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aufgehoben von",
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name="aufgehoben am")
    release_reason = models.CharField(max_length=500, blank=True, verbose_name="Grund der Aufhebung")

    class Meta:
        verbose_name = "Löschsperre"
        verbose_name_plural = "Löschsperren"
        indexes = [models.Index(fields=["akte", "released_at"])]

    def __str__(self) -> str:
        state = "aktiv" if self.released_at is None else "aufgehoben"
        return f"Löschsperre #{self.pk} ({state}): {self.reason}"

    @property
    def active(self) -> bool:
        return self.released_at is None

    @property
    def described(self) -> str:
        """Reason with the reference, as protocols and messages name the hold. (Holds placed before the reference
        field carry it in the reason already, as "(Bezug: …)".)"""
        return f"{self.reason} (Bezug: {self.reference})" if self.reference else self.reason


class HoldRequestState(models.TextChoices):
    OPEN = "offen", "offen"
    PLACED = "gesetzt", "Löschsperre gesetzt"
    DECLINED = "abgelehnt", "abgelehnt"


class HoldRequest(models.Model):
    """A caseworker's request to the archive for a Löschsperre (legal hold) on an Akte, with the reason and a
    reference (court case, audit); the archivist places the hold (`hold_place`) or declines with a reason."""

    akte = models.ForeignKey(Akte, on_delete=models.CASCADE, related_name="hold_requests", verbose_name="Akte")
    reason = models.CharField("Grund", max_length=500)
    reference = models.CharField("Bezug", max_length=200, blank=True, help_text="z. B. Az. des Gerichtsverfahrens")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="beantragt von"
    )
    requested_at = models.DateTimeField("beantragt am", auto_now_add=True)
    state = models.CharField(
        "Stand", max_length=20, choices=HoldRequestState.choices, default=HoldRequestState.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="entschieden von",
    )
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)
    decision_reason = models.CharField("Begründung der Entscheidung", max_length=500, blank=True)
    hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="Löschsperre"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "Antrag auf Löschsperre"
        verbose_name_plural = "Anträge auf Löschsperre"

    def __str__(self) -> str:
        return f"Antrag #{self.pk} auf Löschsperre für {self.akte.aktenzeichen} ({self.get_state_display()})"


# django-guardian with direct foreign keys: per-Akte grants as indexed joins instead of generic object_pk casts.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class AkteUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Akte, on_delete=models.CASCADE, verbose_name="Akte")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "Berechtigung einer Person an einer Akte"
        verbose_name_plural = "Berechtigungen von Personen an Akten"


class AkteGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Akte, on_delete=models.CASCADE, verbose_name="Akte")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "Berechtigung einer Gruppe an einer Akte"
        verbose_name_plural = "Berechtigungen von Gruppen an Akten"


# -- Aussonderung (disposal) ---------------------------------------------------------------------------------


class DisposalRunState(models.TextChoices):
    PROPOSED = "proposed", "vorgeschlagen"
    OFFERED = "offered", "angeboten (0501)"
    EVALUATED = "evaluated", "bewertet (0502)"
    APPROVED = "approved", "freigegeben"
    EXECUTING = "executing", "in Durchführung"
    AWAITING_IMPORT = "awaiting_import", "abgegeben, Importbestätigung ausstehend"
    DONE = "done", "abgeschlossen"
    CANCELLED = "cancelled", "abgebrochen"


class DisposalRun(models.Model):
    """One Aussonderung: proposed → offered → evaluated → approved (four eyes) → executing → awaiting_import
    (0503 written, waiting for the archive's 0506) → done; or cancelled. Its uuid is the xdomea ProzessID of the
    0501, 0502 and the first 0503 (a resent 0503 has its own, see DisposalTransfer)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UUID")
    state = models.CharField(
        max_length=20, choices=DisposalRunState.choices, default=DisposalRunState.PROPOSED, verbose_name="Zustand"
    )
    as_of = models.DateField(verbose_name="Stichtag")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="vorgeschlagen von"
    )
    proposed_at = models.DateTimeField(auto_now_add=True, verbose_name="vorgeschlagen am")
    offered_at = models.DateTimeField(null=True, blank=True, verbose_name="angeboten am")
    offer_file = models.CharField(max_length=1000, blank=True, verbose_name="Anbietung (0501)")
    offer_sha256 = models.CharField(max_length=64, blank=True, verbose_name="SHA-256 der Anbietung")
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Bewertung eingelesen von",
    )
    evaluated_at = models.DateTimeField(null=True, blank=True, verbose_name="bewertet am")
    evaluation_file = models.CharField(max_length=1000, blank=True, verbose_name="Bewertung (0502)")
    evaluation_sha256 = models.CharField(max_length=64, blank=True, verbose_name="SHA-256 der Bewertung")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="freigegeben von",
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name="freigegeben am")
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="durchgeführt von",
    )
    executing_at = models.DateTimeField(null=True, blank=True, verbose_name="Durchführung begonnen am")
    transfer_file = models.CharField(max_length=1000, blank=True, verbose_name="Abgabe (0503)")
    transfer_sha256 = models.CharField(max_length=64, blank=True, verbose_name="SHA-256 der Abgabe")
    done_at = models.DateTimeField(null=True, blank=True, verbose_name="abgeschlossen am")
    protocol = models.JSONField(
        null=True,
        blank=True,
        help_text="das Vernichtungsprotokoll (maschinenlesbar)",
        verbose_name="Vernichtungsprotokoll",
    )
    protocol_sha256 = models.CharField(max_length=64, blank=True, verbose_name="SHA-256 des Protokolls")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="abgebrochen von",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name="abgebrochen am")
    cancel_reason = models.CharField("Grund des Abbruchs", max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "Aussonderung"
        verbose_name_plural = "Aussonderungen"

    def __str__(self) -> str:
        return f"Aussonderung {self.pk} ({self.state})"


class DisposalItemState(models.TextChoices):
    OFFERED = "offered", "angeboten"
    EVALUATED = "evaluated", "bewertet"
    NOT_EVALUATED = "not_evaluated", "nicht bewertet"
    SKIPPED_HOLD = "skipped_hold", "Löschsperre: übersprungen"
    REMOVING = "removing", "Inhalte entfernt, Objekte werden gelöscht"
    DESTROYED = "destroyed", "vernichtet"
    TRANSFERRED = "transferred", "abgegeben"
    AWAITING_IMPORT = "awaiting_import", "abgegeben, Import ausstehend"
    IMPORT_FAILED = "import_failed", "Import im Archiv fehlgeschlagen"
    IMPORT_CONFIRMED = "import_confirmed", "Import bestätigt, wird gelöscht"
    CANCELLED = "cancelled", "abgebrochen"


class DisposalTransfer(models.Model):
    """One 0503 of a run: the first carries the run's ProzessID, a resend (objects the archive reported as failed)
    a new one, so the archive's 0506/0507 name exactly the 0503 they answer. `akte_uuids` are the objects in it."""

    run = models.ForeignKey(
        "DisposalRun", on_delete=models.PROTECT, related_name="transfers", verbose_name="Aussonderung"
    )
    number = models.PositiveIntegerField(verbose_name="Nummer")
    prozess_id = models.UUIDField(unique=True, verbose_name="ProzessID")
    akte_uuids = models.JSONField(default=list, verbose_name="Akten (UUID)")
    file = models.CharField(max_length=1000, blank=True, verbose_name="Datei")
    sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text="gesetzt, sobald die ZIP-Datei geschrieben und erfasst ist",
        verbose_name="SHA-256",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="erstellt von"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erstellt am")
    received_at = models.DateTimeField(
        null=True, blank=True, help_text="0507: das Archiv hat sie empfangen", verbose_name="empfangen am"
    )

    class Meta:
        ordering = ["run", "number"]
        verbose_name = "Abgabe (0503)"
        verbose_name_plural = "Abgaben (0503)"
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="uniq_disposal_transfer")]

    def __str__(self) -> str:
        return f"0503 Nr. {self.number} der Aussonderung {self.run_id}"


class DisposalMessage(models.Model):
    """An xdomea message written (`out`) or read (`in`) for a run, with its SHA-256: the same message read twice
    is refused (idempotency), and the run's history lists every message."""

    run = models.ForeignKey(
        "DisposalRun", on_delete=models.PROTECT, related_name="messages", verbose_name="Aussonderung"
    )
    transfer = models.ForeignKey(
        DisposalTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name="Abgabe",
    )
    kind = models.CharField("Nachricht", max_length=4)  # 0501 … 0507
    direction = models.CharField(
        max_length=3, choices=[("out", "gesendet"), ("in", "empfangen")], verbose_name="Richtung"
    )
    file = models.CharField(max_length=1000, verbose_name="Datei")
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="von"
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name="am")
    summary = models.JSONField(default=dict, blank=True, verbose_name="Zusammenfassung")

    class Meta:
        ordering = ["run", "at", "pk"]
        verbose_name = "xdomea-Nachricht"
        verbose_name_plural = "xdomea-Nachrichten"
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=models.Q(direction="in"), name="uniq_message_read")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_direction_display()}) {self.file}"


class DisposalItem(models.Model):
    """One Akte in a run. `state` records each idempotent execution step so a killed run resumes exactly."""

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="items", verbose_name="Aussonderung")
    akte = models.ForeignKey(Akte, on_delete=models.PROTECT, related_name="disposal_items", verbose_name="Akte")
    aktenzeichen = models.CharField(max_length=150, verbose_name="Aktenzeichen")
    akte_uuid = models.UUIDField(verbose_name="UUID der Akte")
    proposal = models.CharField(max_length=1, choices=Aussonderungsart.choices, verbose_name="Vorschlag")
    decision = models.CharField(max_length=1, choices=Aussonderungsart.choices, blank=True, verbose_name="Entscheidung")
    state = models.CharField(
        max_length=20, choices=DisposalItemState.choices, default=DisposalItemState.OFFERED, verbose_name="Zustand"
    )
    in_transfer = models.BooleanField(
        default=False, help_text="in der Abgabe (0503) enthalten", verbose_name="in der Abgabe"
    )
    transfer = models.ForeignKey(
        DisposalTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        help_text="the latest 0503 the Akte was sent in",
        verbose_name="Abgabe",
    )
    archive_id = models.CharField("Archivkennung", max_length=500, blank=True)
    import_error = models.TextField("Fehlermeldung des Archivs", blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name="Import bestätigt am")
    document_ids = models.JSONField(default=list, blank=True, verbose_name="Dokumente (IDs)")
    object_keys = models.JSONField(default=list, blank=True, verbose_name="Objektschlüssel")
    object_results = models.JSONField(default=dict, blank=True, verbose_name="Ergebnis je Objekt")
    note = models.TextField(blank=True, verbose_name="Vermerk")
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name="erledigt am")

    class Meta:
        verbose_name = "Akte einer Aussonderung"
        verbose_name_plural = "Akten einer Aussonderung"
        ordering = ["run", "aktenzeichen"]
        constraints = [models.UniqueConstraint(fields=["run", "akte"], name="uniq_disposal_item")]
        indexes = [models.Index(fields=["run", "state"])]

    def __str__(self):
        return f"{self.aktenzeichen} ({self.get_state_display()})"


class Tombstone(models.Model):
    """What remains of a destroyed or transferred Akte: metadata, UUIDs, dates, SHA-256 of every removed object,
    the run and who decided (docs/architecture.md, "Audit": survives disposal)."""

    item = models.OneToOneField(
        DisposalItem, on_delete=models.PROTECT, related_name="tombstone", verbose_name="Eintrag der Aussonderung"
    )
    run = models.ForeignKey(
        DisposalRun, on_delete=models.PROTECT, related_name="tombstones", verbose_name="Aussonderung"
    )
    akte = models.OneToOneField(Akte, on_delete=models.PROTECT, related_name="tombstone", verbose_name="Akte")
    aktenzeichen = models.CharField(max_length=150, db_index=True, verbose_name="Aktenzeichen")
    akte_uuid = models.UUIDField(unique=True, verbose_name="UUID der Akte")
    title = models.CharField(max_length=500, verbose_name="Betreff")
    kennzeichen = models.CharField(max_length=100, verbose_name="Kennzeichen")
    department = models.CharField(max_length=220, verbose_name="Organisationseinheit")
    opened_on = models.DateField(null=True, blank=True, verbose_name="angelegt am")
    zda_date = models.DateField(null=True, blank=True, verbose_name="z.d.A.")
    aufbewahrungsende = models.DateField(null=True, blank=True, verbose_name="Aufbewahrungsende")
    disposition = models.CharField(
        max_length=20, choices=[("vernichtet", "vernichtet"), ("abgegeben", "abgegeben")], verbose_name="Verbleib"
    )
    decision = models.CharField(max_length=1, choices=Aussonderungsart.choices, verbose_name="Entscheidung")
    proposed_by = models.CharField(max_length=150, verbose_name="vorgeschlagen von")
    evaluated_by = models.CharField(max_length=150, verbose_name="bewertet von")
    approved_by = models.CharField(max_length=150, verbose_name="freigegeben von")
    executed_by = models.CharField(max_length=150, verbose_name="durchgeführt von")
    contents = models.JSONField(
        help_text="Vorgänge, Dokumente, Versionen und Objekt-Hashes, die entfernt wurden", verbose_name="Inhalt"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")

    class Meta:
        verbose_name = "Nachweis einer ausgesonderten Akte"
        verbose_name_plural = "Nachweise ausgesonderter Akten"
        ordering = ["aktenzeichen"]

    def __str__(self) -> str:
        return f"{self.aktenzeichen} ({self.disposition})"
