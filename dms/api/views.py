"""Documents: metadata list/detail and the audited, streamed and hash-checked download of their content."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound

from dms.content import ContentRefused
from dms.downloads import content_response
from dms.models import Document
from dms.selectors import document_list_for

from .serializers import DocumentSerializer


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentSerializer

    def get_queryset(self):
        qs = document_list_for(user=self.request.user).select_related("akte", "department").order_by("id")
        akte = self.request.query_params.get("akte")
        return qs.filter(akte__aktenzeichen=akte) if akte else qs

    @extend_schema(parameters=[OpenApiParameter("which", str, enum=["rendition", "original"])],
                   responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        """The archival PDF/A (default) or the original, streamed (HTTP Range supported) and re-checked against its
        SHA-256; every read is written to the audit trail, and missing or altered content is refused."""
        which = request.query_params.get("which", "rendition")
        if which not in ("rendition", "original"):
            raise NotFound("which must be 'rendition' or 'original'")
        try:
            document = self.get_queryset().get(pk=pk)
        except Document.DoesNotExist:
            raise NotFound() from None
        try:
            return content_response(request, document=document, which=which)
        except ContentRefused:
            raise ContentUnavailable() from None


class ContentUnavailable(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = ("Der Inhalt des Dokuments fehlt im Speicher oder wurde verändert; er wird nicht ausgeliefert. "
                      "Der Vorfall ist protokolliert.")
    default_code = "content_unavailable"
