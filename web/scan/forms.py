"""Forms of the Scanstelle (validation once, here; batch_submit and the review service check their rules again)."""

from django import forms

from akten.aktenzeichen import Aktenzeichen, AktenzeichenError
from dms.models import Department
from scan_ingest.models import IngestBatch
from scan_ingest.review import CHECKS, ROTATIONS

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
ACCEPT = ".pdf,.tif,.tiff,.png,.jpg,.jpeg,.zip"
MAX_MANIFEST_BYTES = 5 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (`<input type=file multiple>`); each is checked like a single FileField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data] if data else []
        if not items:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class BatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Stand", required=False, choices=[("", "alle"), *[(v, label) for v, label in IngestBatch.State.choices]]
    )


class UploadForm(forms.Form):
    dateien = MultipleFileField(
        label="Dateien",
        help_text="Mehrere Dateien (PDF, TIFF, PNG, JPEG) oder ein ZIP-Archiv; Sie können sie auch hierher ziehen.",
        error_messages={"required": "Dateien: bitte mindestens eine Datei wählen."},
    )
    manifest = forms.FileField(
        label="Manifest (CSV, optional)",
        required=False,
        help_text="Spalten Datei; Aktenzeichen; Titel; Organisationseinheit; Datum; Dokumentart – für neue Akten "
        "auch Aktentitel, Laufzeit von/bis, z.d.A. (deutsche oder englische Spaltennamen).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    akte = forms.CharField(
        label="Ziel-Akte (Aktenzeichen)",
        required=False,
        max_length=150,
        help_text="Für Dateien ohne Manifestzeile und ohne Trennblatt, z. B. 63.10.02-1998/0042. Leer: Manifest "
        "oder Trennblätter bestimmen die Akte.",
    )
    organisationseinheit = forms.ModelChoiceField(
        label="Organisationseinheit neuer Akten",
        queryset=Department.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label="– aus dem Aktenplan –",
        help_text="Federführung für Akten, die das Einlesen neu anlegt.",
    )
    bestandsakte = forms.BooleanField(
        label="Bestandsakte: Dokumente auch in eine schon geschlossene (z.d.A.) Akte einlesen",
        required=False,
        help_text="Wird im Protokoll jedes Dokuments vermerkt. Akten in der Aussonderung nehmen nie Dokumente auf.",
    )

    def clean_akte(self):
        value = self.cleaned_data["akte"].strip()
        if not value:
            return ""
        try:
            return str(Aktenzeichen.parse(value))
        except AktenzeichenError as exc:
            raise forms.ValidationError(f"Ziel-Akte: {exc}") from None

    def clean_manifest(self):
        upload = self.cleaned_data.get("manifest")
        if not upload:
            return None
        if upload.size > MAX_MANIFEST_BYTES:
            raise forms.ValidationError("Manifest: höchstens 5 MB")
        return upload.read()


class AcceptForm(forms.Form):
    pruefpunkte = forms.MultipleChoiceField(
        label="Geprüft",
        choices=list(CHECKS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Prüfpunkte: bitte ankreuzen, was Sie geprüft haben."},
    )
    bemerkung = forms.CharField(label="Bemerkung (optional)", required=False, max_length=1000)


class RotateForm(forms.Form):
    seite = forms.IntegerField(min_value=1)
    grad = forms.TypedChoiceField(coerce=int, choices=[(d, f"{d}°") for d in ROTATIONS])


class MetadataForm(forms.Form):
    title = forms.CharField(label="Titel", max_length=500)
    date = forms.DateField(
        label="Datum",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="TT.MM.JJJJ",
        widget=forms.DateInput(format="%d.%m.%Y"),
    )
    document_type = forms.CharField(label="Dokumentart", required=False, max_length=100)


class ReplaceForm(forms.Form):
    seite = forms.IntegerField(label="Seite", min_value=1)
    nachscan = forms.FileField(
        label="Nachscan (eine Seite)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.tif,.tiff,.png,.jpg,.jpeg"}),
    )
