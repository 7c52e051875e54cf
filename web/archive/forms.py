"""Forms of the archive workspace (validation once, here; the services check their own rules again)."""

from django import forms
from django.conf import settings
from django.utils import timezone

from akten.models import Aussonderungsart

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class DueFilterForm(forms.Form):
    """The due list's filters, carried in the URL."""

    stichtag = forms.DateField(
        label="Fällig zum", required=False, input_formats=DATE_FORMATS, help_text="TT.MM.JJJJ; leer: heute"
    )
    einheit = forms.CharField(label="Aktenplan", required=False, max_length=100)
    oe = forms.CharField(label="Organisationseinheit", required=False, max_length=20)
    jahr = forms.IntegerField(label="Aufbewahrung endet im Jahr", required=False, min_value=1800, max_value=2999)
    art = forms.ChoiceField(label="Aussonderungsart", required=False, choices=[("", "alle"), *Aussonderungsart.choices])

    def clean_stichtag(self):
        return self.cleaned_data["stichtag"] or timezone.localdate()


class OfferForm(forms.Form):
    """Anbieten: every due Akte as of a date ("alle"), or the ones ticked in the due list ("auswahl")."""

    stichtag = forms.DateField(label="Fällig zum", input_formats=DATE_FORMATS)
    umfang = forms.ChoiceField(choices=[("alle", "alle"), ("auswahl", "Auswahl")], required=False)
    akten = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticked = self.data.getlist("akten") if hasattr(self.data, "getlist") else []
        self.fields["akten"].choices = [(v, v) for v in ticked if str(v).isdigit()]  # the service checks each

    def clean(self):
        data = super().clean()
        if data.get("umfang") == "auswahl" and not data.get("akten") and "akten" not in self.errors:
            raise forms.ValidationError("Auswahl anbieten: bitte mindestens eine Akte in der Liste ankreuzen.")
        return data

    def akte_ids(self) -> list[int] | None:
        """The ticked Akten for "Auswahl anbieten", else None (all due)."""
        return self.cleaned_data["akten"] if self.cleaned_data.get("umfang") == "auswahl" else None


class EvaluationUploadForm(forms.Form):
    datei = forms.FileField(
        label="Bewertungsverzeichnis (xdomea 0502)",
        help_text="Die Datei des Archivs: *.0502.xml oder das xdomea-ZIP mit genau einer solchen Datei.",
    )

    def clean_datei(self):
        f = self.cleaned_data["datei"]
        limit = settings.DMS_XDOMEA_MAX_BYTES
        if f.size > limit:
            raise forms.ValidationError(
                f"Die Datei {f.name} hat {f.size:n} Bytes; erlaubt sind höchstens {limit:n} (DMS_XDOMEA_MAX_BYTES)."
            )
        if not f.name.lower().endswith((".xml", ".zip")):
            raise forms.ValidationError(f"Die Datei {f.name} ist weder XML noch ZIP (erwartet: *.0502.xml oder *.zip).")
        return f


class HoldForm(forms.Form):
    grund = forms.CharField(label="Grund", max_length=300, widget=forms.TextInput(attrs={"size": 50}))
    referenz = forms.CharField(
        label="Bezug",
        max_length=200,
        required=False,
        help_text="z. B. gerichtliches Aktenzeichen (VG 2 K 123/24) oder Schreiben, das die Sperre verlangt",
    )


class HoldReleaseForm(forms.Form):
    grund = forms.CharField(
        label="Grund der Aufhebung",
        max_length=500,
        error_messages={"required": "bitte angeben, warum die Löschsperre aufgehoben wird"},
    )
