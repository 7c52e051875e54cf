"""Documents: metadata list/detail and the audited download of their content."""
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound

from dms.models import Document
from dms.selectors import document_list_for
from dms.services import document_content_read

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
        """The archival PDF/A (default) or the original; every read is written to the audit trail."""
        which = request.query_params.get("which", "rendition")
        if which not in ("rendition", "original"):
            raise NotFound("which must be 'rendition' or 'original'")
        try:
            document = self.get_queryset().get(pk=pk)
        except Document.DoesNotExist:
            raise NotFound() from None
        obj, data = document_content_read(document=document, user=request.user, which=which)
        response = HttpResponse(data, content_type=obj.media_type)
        response["Content-Disposition"] = f'inline; filename="{document.uuid}"'
        response["X-Content-SHA256"] = obj.sha256
        return response
