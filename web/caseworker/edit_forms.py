"""Forms of the caseworker's everyday edits (web/caseworker/edits.py). German labels; an error names the field and
the reason. The rules themselves are in the services (akten/casework.py, akten/services.py, akten/documents.py);
these forms only parse input and offer the choices the one access rule allows."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from akten import access
from akten.models import Akte, AktenplanUnit, AkteState, Vertraulichkeit, Vorgang
from dms.models import Department

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATE_HELP = "TT.MM.JJJJ"


def _date_field(label: str, *, required: bool = False, help_text: str = DATE_HELP) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "TT.MM.JJJJ", "inputmode": "numeric"}),
        error_messages={"invalid": f"{label}: bitte ein Datum im Format TT.MM.JJJJ angeben, z. B. 31.01.2026."},
    )


def _required(label: str) -> dict:
    return {"required": f"{label}: bitte ausfüllen."}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: AktenplanUnit) -> str:
        return f"{unit.kennzeichen} {unit.title}"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department: Department) -> str:
        return f"{department.code} {department.name}"


class AkteCreateForm(forms.Form):
    unit = UnitChoiceField(
        label="Aktenplan",
        queryset=AktenplanUnit.objects.order_by("kennzeichen"),
        help_text="Das Aktenzeichen wird vergeben: Kennzeichen-Jahr/laufende Nummer.",
        error_messages={**_required("Aktenplan"), "invalid_choice": "Aktenplan: diese Einheit gibt es nicht."},
    )
    title = forms.CharField(label="Betreff", max_length=500, error_messages=_required("Betreff"))
    lead_department = DepartmentChoiceField(
        label="Federführung",
        queryset=Department.objects.none(),
        error_messages={
            **_required("Federführung"),
            "invalid_choice": "Federführung: in dieser Organisationseinheit dürfen Sie keine Akte anlegen.",
        },
    )
    vertraulichkeit = forms.ChoiceField(
        label="Vertraulichkeit", choices=Vertraulichkeit.choices, initial=Vertraulichkeit.INTERN
    )
    opened_on = _date_field("Angelegt am", help_text="TT.MM.JJJJ; leer: heute. Ältere Papierakten: das alte Datum.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = access.departments_for_new_akte(user).order_by("code")
        self.fields["lead_department"].queryset = departments
        if len(departments) == 1:
            self.fields["lead_department"].initial = departments[0].pk


class VorgangForm(forms.Form):
    title = forms.CharField(label="Titel des Vorgangs", max_length=500, error_messages=_required("Titel"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): cleans each, returns the list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.tif,.tiff,.png,.jpg,.jpeg,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            if not data:
                return super().clean(None, initial)
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Dateien",
        help_text="PDF, TIFF, PNG, JPEG oder ZIP; die Erfassung (Texterkennung, PDF/A) läuft im Hintergrund.",
        error_messages={
            "required": "Dateien: bitte mindestens eine Datei wählen.",
            "empty": "Dateien: die Datei ist leer.",
            "invalid": "Dateien: keine Datei übertragen (Formular ohne multipart/form-data?).",
        },
    )
    vorgang = forms.ModelChoiceField(
        label="Vorgang",
        queryset=Vorgang.objects.none(),
        required=False,
        empty_label="– ohne Vorgang –",
        help_text="Wenn die Erfassung fertig ist, ordnet ein Klick die neuen Dokumente diesem Vorgang zu.",
        error_messages={"invalid_choice": "Vorgang: gehört nicht zu dieser Akte."},
    )

    def __init__(self, *args, akte: Akte, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vorgang"].queryset = akte.vorgaenge.order_by("created_at")
        if not self.fields["vorgang"].queryset.exists():
            del self.fields["vorgang"]


class DocumentEditForm(forms.Form):
    title = forms.CharField(label="Titel", max_length=500, error_messages=_required("Titel"))
    date = _date_field("Datum", help_text="Datum des Schriftstücks, TT.MM.JJJJ; leer: ohne Datum.")
    document_type = forms.CharField(
        label="Dokumentart", max_length=100, required=False, help_text="z. B. Bescheid, Antrag, Schreiben"
    )
    reason = forms.CharField(label="Anlass der Änderung", max_length=500, required=False)

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(f"Datum: {value:%d.%m.%Y} liegt in der Zukunft.")
        return value


def move_targets(user, current: Akte, limit: int = 200) -> list[tuple[str, list[tuple[str, str]]]]:
    """Where a document may go: the current Akte and the other open Akten the user may change (newest first, at
    most `limit`), each without Vorgang and with each of its Vorgänge. Values `a<id>` and `v<id>`."""
    akten = list(
        access.akten_changeable(user)
        .filter(state=AkteState.OFFEN)
        .exclude(pk=current.pk)
        .order_by("-created_at")[:limit]
    )
    akten = [current, *akten] if current.state == AkteState.OFFEN else akten
    vorgaenge: dict[int, list[Vorgang]] = {}
    for v in Vorgang.objects.filter(akte__in=akten).order_by("created_at"):
        vorgaenge.setdefault(v.akte_id, []).append(v)
    groups = []
    for akte in akten:
        options = [(f"a{akte.pk}", f"{akte.aktenzeichen} – ohne Vorgang")]
        options += [(f"v{v.pk}", f"{akte.aktenzeichen} › {v.title}") for v in vorgaenge.get(akte.pk, [])]
        groups.append((f"{akte.aktenzeichen} {akte.title}", options))
    return groups


class DocumentMoveForm(forms.Form):
    target = forms.ChoiceField(
        label="Ziel",
        required=False,
        help_text="Akte und Vorgang; angeboten werden offene Akten, die Sie ändern dürfen.",
    )
    aktenzeichen = forms.CharField(
        label="oder Aktenzeichen", max_length=150, required=False, help_text="z. B. 63.10-2026/0001 (ohne Vorgang)"
    )
    reason = forms.CharField(label="Anlass", max_length=500, required=False)

    def __init__(self, *args, user, akte: Akte, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["target"].choices = [("", "– bitte wählen –"), *move_targets(user, akte)]

    def clean(self):
        data = super().clean()
        az = (data.get("aktenzeichen") or "").strip()
        if az:
            akte = access.akten_changeable(self.user).filter(aktenzeichen=az).first()
            if akte is None:
                raise forms.ValidationError(
                    f"Aktenzeichen {az}: keine Akte, die Sie ändern dürfen (gibt es sie, und ist sie Ihre?)."
                )
            data["akte"], data["vorgang"] = akte, None
            return data
        target = data.get("target") or ""
        if not target:
            raise forms.ValidationError(
                "Ziel: bitte eine Akte oder einen Vorgang wählen oder ein Aktenzeichen angeben."
            )
        if target.startswith("v"):
            vorgang = Vorgang.objects.select_related("akte").get(pk=int(target[1:]))
            data["akte"], data["vorgang"] = vorgang.akte, vorgang
        else:
            data["akte"], data["vorgang"] = Akte.objects.get(pk=int(target[1:])), None
        return data


class AkteCloseForm(forms.Form):
    on = _date_field(
        "z.d.A. zum",
        required=True,
        help_text="TT.MM.JJJJ; bei alten Papierakten das historische Datum. Nicht vor dem jüngsten Dokument.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Begründung",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Begründung"),
    )


ACCESS_LEVEL_CHOICES = [("view", "lesen"), ("change", "lesen und ändern"), ("none", "kein Zugriff (entziehen)")]


class AccessForm(forms.Form):
    department = DepartmentChoiceField(label="Organisationseinheit", queryset=Department.objects.none(), required=False)
    username = forms.CharField(label="oder Person (Benutzername)", max_length=150, required=False)
    level = forms.ChoiceField(label="Zugriff", choices=ACCESS_LEVEL_CHOICES, initial="view")

    def __init__(self, *args, akte: Akte, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.exclude(pk=akte.lead_department_id).order_by("code")

    def clean(self):
        data = super().clean()
        department, username = data.get("department"), (data.get("username") or "").strip()
        if bool(department) == bool(username):
            raise forms.ValidationError("Bitte entweder eine Organisationseinheit oder eine Person angeben.")
        if username:
            users = get_user_model().objects.filter(username=username)
            if data.get("level") != "none":  # a grant goes to an active user; a revoke also to a deactivated one
                users = users.filter(is_active=True)
            user = users.first()
            if user is None:
                self.add_error("username", f"Person: keinen aktiven Benutzer {username!r} gefunden.")
            data["user"] = user
        return data


class HoldRequestForm(forms.Form):
    reason = forms.CharField(
        label="Grund",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Warum die Akte nicht ausgesondert werden darf (z. B. anhängige Klage).",
        error_messages=_required("Grund"),
    )
    reference = forms.CharField(label="Bezug", max_length=200, required=False, help_text="z. B. Az. des Gerichts")
