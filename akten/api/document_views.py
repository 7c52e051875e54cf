"""Documents: metadata list/detail and the audited, streamed and hash-checked download of their content."""

from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError

from akten.content import ContentRefused
from akten.downloads import content_response
from akten.models import DocumentVersion
from akten.selectors import document_list_for

from .document_serializers import DocumentDetailSerializer, DocumentSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("akte", str, description="nur Dokumente der Akte mit diesem Aktenzeichen")]
    )
)
class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[^/]+"  # any id reaches the view, so a malformed one is the API's JSON 404 too
    serializer_class = DocumentSerializer

    def get_serializer_class(self):
        return DocumentDetailSerializer if self.action == "retrieve" else DocumentSerializer

    def get_queryset(self):
        qs = document_list_for(user=self.request.user).select_related("akte", "department").order_by("id")
        if self.action == "retrieve":
            versions = (
                DocumentVersion.objects.select_related("original", "rendition")
                .annotate(page_count=Count("pages"))
                .order_by("number")
            )
            qs = qs.select_related("vorgang").prefetch_related(Prefetch("versions", queryset=versions))
        if self.action == "list":  # a merged-away document (`document_merge`) is listed no more, still retrievable
            qs = qs.filter(merged_into__isnull=True)
        akte = self.request.query_params.get("akte")
        return qs.filter(akte__aktenzeichen=akte) if akte and self.action == "list" else qs

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "which",
                str,
                enum=["rendition", "original"],
                description="rendition: das PDF/A (Vorgabe); original: wie erfasst",
            )
        ],
        responses={
            (200, "application/pdf"): bytes,
            (200, "*/*"): bytes,
            500: OpenApiResponse(
                description="Inhalt fehlt im Speicher oder wurde verändert; "
                "nicht ausgeliefert, der Vorfall ist protokolliert"
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        """The archival PDF/A (default) or the original, streamed (HTTP Range supported) and re-checked against its
        SHA-256; every read is written to the audit trail, and missing or altered content is refused."""
        which = request.query_params.get("which", "rendition")
        if which not in ("rendition", "original"):
            raise ValidationError({"which": f"{which[:40]!r} ist nicht erlaubt, erlaubt sind rendition und original"})
        document = self.get_object()  # a 404 also for an id that is no number (it was a 500)
        try:
            return content_response(request, document=document, which=which)
        except ContentRefused:
            raise ContentUnavailable() from None


class ContentUnavailable(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = (
        "Der Inhalt des Dokuments fehlt im Speicher oder wurde verändert; er wird nicht ausgeliefert. "
        "Der Vorfall ist protokolliert."
    )
    default_code = "content_unavailable"
