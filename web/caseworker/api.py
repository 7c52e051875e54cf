"""The write API for Fachverfahren: create an Akte and a Vorgang, close and reopen an Akte, upload documents into
an Akte (background ingest; follow the batch), edit a document's metadata and move it. The same audited services
and the same access rule as the caseworker's pages (web/caseworker/edits.py). Answers: 201/202/200 with the object;
400 with a German `detail` naming the field and the reason (and `errors` per field); 403 with a German `detail`
when the access rule refuses; 404 for what the caller may not see."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from akten import access
from akten.api.document_views import DocumentViewSet
from akten.api.serializers import AkteDetailSerializer
from akten.api.views import AkteViewSet
from akten.casework import akte_open, akte_reopen, vorgang_create
from akten.documents import DocumentAccessDenied, DocumentError, document_move, document_update
from akten.models import AktenplanUnit, Vertraulichkeit, Vorgang
from akten.services import AccessDenied, AkteError, akte_close
from dms.models import Department
from scan_ingest.models import IngestBatch
from scan_ingest.selectors import batch_progress, batch_result
from scan_ingest.submit import SubmitError, batch_submit

from .edits import UPLOAD_LABEL


class EditErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Grund, auf Deutsch (nennt Feld bzw. Objekt)")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="bei ungültiger Eingabe: je Feld die Gründe",
    )

    class Meta:
        ref_name = "Bearbeitungsfehler"


ERRORS = {
    400: OpenApiResponse(EditErrorSerializer, description="Ungültige Eingabe oder im Zustand der Akte nicht möglich"),
    403: OpenApiResponse(EditErrorSerializer, description="Die Zugriffsregel erlaubt das diesem Benutzer nicht"),
}


def _field_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for field, value in errors.items():
        name = f"{prefix}{field}"
        if isinstance(value, dict):
            flat.update(_field_errors(value, f"{name}."))
        else:
            flat[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


def _valid(serializer_class, request, **kwargs) -> dict:
    """The request body checked by the serializer; else a 400 whose detail names each field and its reason."""
    serializer = serializer_class(data=request.data, **kwargs)
    if serializer.is_valid():
        return serializer.validated_data
    errors = _field_errors(serializer.errors)
    detail = "; ".join(
        f"{'Eingabe' if field == 'non_field_errors' else field}: {' '.join(reasons)}"
        for field, reasons in errors.items()
    )
    raise _Refusal(400, f"Ungültige Eingabe – {detail}", errors)


class _Refusal(Exception):
    def __init__(self, code: int, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.code, self.detail, self.errors = code, detail, errors


def _answer(call):
    """Run a service call; its refusals become the documented 403/400 with the German message."""
    try:
        return call()
    except _Refusal as exc:
        body = {"detail": exc.detail, **({"errors": exc.errors} if exc.errors else {})}
        return Response(body, status=exc.code)
    except (AccessDenied, DocumentAccessDenied) as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    except (AkteError, DocumentError, SubmitError) as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)


def _require_change(user, akte, what: str) -> None:
    if not access.akte_changeable(user, akte):
        raise AccessDenied(
            f"Sie dürfen in Akte {akte.aktenzeichen} {what}: nur die Sachbearbeitung der federführenden "
            f"Organisationseinheit ({akte.lead_department.code}) oder wer ein Änderungsrecht hat"
        )


# -- request and answer bodies ----------------------------------------------------------------------------------


class AkteCreateSerializer(serializers.Serializer):
    kennzeichen = serializers.CharField(max_length=100, help_text="Kennzeichen der Aktenplaneinheit, z. B. 63.10")
    title = serializers.CharField(max_length=500, help_text="Betreff")
    department = serializers.CharField(
        max_length=20,
        required=False,
        help_text="Federführung (Code der Organisationseinheit); ohne Angabe die einzige des Benutzers",
    )
    vertraulichkeit = serializers.ChoiceField(choices=Vertraulichkeit.choices, default=Vertraulichkeit.INTERN)
    opened_on = serializers.DateField(required=False, allow_null=True, help_text="angelegt am; ohne Angabe heute")


class VorgangCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, help_text="Titel des Vorgangs")


class VorgangSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vorgang
        fields = ["id", "uuid", "akte", "title", "created_at"]


class CloseSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, allow_null=True, help_text="z.d.A.-Datum; auch historisch, nicht vor dem jüngsten Dokument"
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Begründung (wird protokolliert)")


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        help_text="PDF, TIFF, PNG, JPEG oder ZIP; jede Datei wird ein Dokument der Akte",
    )


class BatchDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="das neue Dokument; leer bei einem Fehler")
    source = serializers.CharField(help_text="Dateiname")
    status = serializers.CharField(help_text="stored, duplicate oder error")
    reason = serializers.CharField(allow_null=True, help_text="Grund bei einem Fehler")


class BatchSerializer(serializers.Serializer):
    """Eine hochgeladene Sendung: Stand der Erfassung im Hintergrund und, wenn fertig, die entstandenen Dokumente."""

    id = serializers.IntegerField()
    aktenzeichen = serializers.CharField(source="akte")
    state = serializers.CharField(help_text="queued, running, done oder failed")
    state_label = serializers.CharField(help_text="wartet, läuft, fertig, mit Fehlern")
    pages_done = serializers.IntegerField()
    pages_total = serializers.IntegerField(allow_null=True)
    finished = serializers.BooleanField()
    documents = BatchDocumentSerializer(many=True, help_text="erst wenn fertig")
    url = serializers.URLField(help_text="hier den Stand abfragen (GET)")


def _batch_data(request, batch: IngestBatch) -> dict:
    progress = batch_progress(batch)
    documents = [] if progress["active"] else batch_result(batch)["documents"]
    return {
        "id": batch.pk,
        "akte": batch.akte,
        "state": progress["state"],
        "state_label": progress["word"],
        "pages_done": progress["done"],
        "pages_total": progress["total"],
        "finished": not progress["active"],
        "documents": [{k: d.get(k) for k in ("id", "source", "status", "reason")} for d in documents],
        "url": reverse("batch-detail", kwargs={"pk": batch.pk}, request=request),
    }


class DocumentPatchSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    date = serializers.DateField(required=False, allow_null=True, help_text="Datum des Schriftstücks")
    document_type = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Dokumentart")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Anlass der Änderung")


class MoveSerializer(serializers.Serializer):
    aktenzeichen = serializers.CharField(max_length=150, help_text="Ziel-Akte (eine offene, die Sie ändern dürfen)")
    vorgang = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text="Vorgang der Ziel-Akte (id)"
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


# -- views --------------------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary="Akte anlegen",
        description="Legt eine Akte unter einer Aktenplaneinheit an; das nächste Aktenzeichen wird vergeben.",
        request=AkteCreateSerializer,
        responses={201: AkteDetailSerializer, **ERRORS},
    )
)
class AkteWriteViewSet(mixins.CreateModelMixin, AkteViewSet):
    """Akten the caller may view, plus the writes on them."""

    def get_parsers(self):
        if getattr(self, "action", None) == "documents":
            return [MultiPartParser()]
        return super().get_parsers()

    def create(self, request, *args, **kwargs):
        def call():
            data = _valid(AkteCreateSerializer, request)
            unit = AktenplanUnit.objects.filter(kennzeichen=data["kennzeichen"].strip()).first()
            if unit is None:
                raise _Refusal(400, f"kennzeichen: keine Aktenplaneinheit {data['kennzeichen']!r}")
            allowed = access.departments_for_new_akte(request.user)
            if data.get("department"):
                department = Department.objects.filter(code=data["department"].strip()).first()
                if department is None:
                    raise _Refusal(400, f"department: keine Organisationseinheit {data['department']!r}")
            elif allowed.count() == 1:
                department = allowed.get()
            else:
                raise _Refusal(400, "department: bitte die federführende Organisationseinheit angeben")
            akte = akte_open(
                unit=unit,
                title=data["title"],
                lead_department=department,
                by=request.user,
                opened_on=data.get("opened_on"),
                vertraulichkeit=data["vertraulichkeit"],
            )
            return Response(AkteDetailSerializer(akte).data, status=status.HTTP_201_CREATED)

        return _answer(call)

    @extend_schema(
        summary="Akte z.d.A. verfügen",
        request=CloseSerializer,
        responses={200: AkteDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        akte = self.get_object()

        def call():
            data = _valid(CloseSerializer, request)
            closed = akte_close(akte=akte, by=request.user, on=data.get("date"))
            return Response(AkteDetailSerializer(closed).data)

        return _answer(call)

    @extend_schema(
        summary="Akte wieder öffnen",
        request=ReopenSerializer,
        responses={200: AkteDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        akte = self.get_object()

        def call():
            data = _valid(ReopenSerializer, request)
            return Response(AkteDetailSerializer(akte_reopen(akte=akte, by=request.user, reason=data["reason"])).data)

        return _answer(call)

    @extend_schema(
        summary="Vorgang anlegen",
        request=VorgangCreateSerializer,
        responses={201: VorgangSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def vorgaenge(self, request, pk=None):
        akte = self.get_object()

        def call():
            data = _valid(VorgangCreateSerializer, request)
            vorgang = vorgang_create(akte=akte, title=data["title"], by=request.user)
            return Response(VorgangSerializer(vorgang).data, status=status.HTTP_201_CREATED)

        return _answer(call)

    @extend_schema(
        summary="Dokumente hochladen",
        description="Nimmt Dateien an und erfasst sie im Hintergrund (Texterkennung, PDF/A). Antwort sofort (202) "
        "mit der Nummer des Stapels; seinen Stand unter `url` abfragen, bis `finished`.",
        request={"multipart/form-data": UploadSerializer},
        responses={202: BatchSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        akte = self.get_object()

        def call():
            _require_change(request.user, akte, "keine Dokumente hochladen")
            files = request.FILES.getlist("files")
            _valid(UploadSerializer, request)
            batch = batch_submit(
                files=[(f.name, f) for f in files], by=request.user, akte=akte, source_label=UPLOAD_LABEL
            )
            return Response(_batch_data(request, batch), status=status.HTTP_202_ACCEPTED)

        return _answer(call)


@extend_schema_view(
    partial_update=extend_schema(
        summary="Metadaten eines Dokuments ändern",
        description="Titel, Datum und Dokumentart; protokolliert, die Suche folgt.",
        request=DocumentPatchSerializer,
        responses={200: DocumentViewSet.serializer_class, **ERRORS},
    )
)
class DocumentWriteViewSet(mixins.UpdateModelMixin, DocumentViewSet):
    http_method_names = ["get", "patch", "post", "head", "options"]

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Nur PATCH ist möglich."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        document = self.get_object()

        def call():
            _require_change(request.user, document.akte, "keine Dokumente bearbeiten")
            data = dict(_valid(DocumentPatchSerializer, request))
            reason = data.pop("reason", "")
            if not data:
                raise _Refusal(400, "Keine Änderung angegeben: title, date oder document_type")
            with transaction.atomic():
                document_update(document=document, by=request.user, reason=reason, **data)
            document.refresh_from_db()
            return Response(DocumentViewSet.serializer_class(document).data)

        return _answer(call)

    @extend_schema(
        summary="Dokument verschieben",
        description="In einen anderen Vorgang oder eine andere Akte; wer es sehen darf und der Suchindex folgen.",
        request=MoveSerializer,
        responses={200: DocumentViewSet.serializer_class, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        document = self.get_object()

        def call():
            _require_change(request.user, document.akte, "keine Dokumente verschieben")
            data = _valid(MoveSerializer, request)
            target = access.akten_changeable(request.user).filter(aktenzeichen=data["aktenzeichen"].strip()).first()
            if target is None:
                raise _Refusal(400, f"aktenzeichen: keine Akte {data['aktenzeichen']!r}, die Sie ändern dürfen")
            vorgang = None
            if data.get("vorgang") is not None:
                vorgang = Vorgang.objects.filter(pk=data["vorgang"], akte=target).first()
                if vorgang is None:
                    raise _Refusal(400, f"vorgang: Akte {target.aktenzeichen} hat keinen Vorgang {data['vorgang']}")
            document_move(
                document=document, by=request.user, akte=target, vorgang=vorgang, reason=data.get("reason", "")
            )
            document.refresh_from_db()
            return Response(DocumentViewSet.serializer_class(document).data)

        return _answer(call)


class BatchView(GenericAPIView):
    """`GET /api/batches/{id}/`: the state of an upload the caller submitted."""

    serializer_class = BatchSerializer

    @extend_schema(summary="Stand eines hochgeladenen Stapels", operation_id="batches_retrieve")
    def get(self, request, pk: str):
        batch = (
            IngestBatch.objects.filter(pk=pk, operator=request.user, background=True).first()
            if pk.isdigit() and len(pk) < 10
            else None
        )
        if batch is None:
            raise NotFound("Stapel nicht gefunden (nur eigene Uploads sind abrufbar).")
        return Response(_batch_data(request, batch))
