"""`GET /api/documents/{id}/scan/`: how a visible document came in — its ingest batch, source file and pages, and
the quality check of its scan (passed or needs review, mean OCR confidence, the reasons). 404 for a document the
caller may not see or one that did not come through ingest."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from akten.selectors import document_list_for
from scan_ingest.models import IngestDocument


class ScanQualitySerializer(serializers.Serializer):
    """Erfassung eines Dokuments: Stapel, Quelldatei, Seiten und das Ergebnis der Qualitätsprüfung."""

    document_id = serializers.IntegerField()
    batch = serializers.IntegerField(source="item.batch_id", help_text="Nummer des Erfassungsstapels")
    source = serializers.CharField(source="item.source", help_text="Quelldatei, relativ zum Erfassungspfad")
    source_pages = serializers.CharField(
        allow_blank=True, help_text="Seiten der Quelldatei (von-bis) bei Trennblättern"
    )
    pages = serializers.IntegerField(allow_null=True, help_text="Seiten der Quelle, leer ausgelassene mitgezählt")
    qa_state = serializers.CharField(help_text="passed oder needs_review; leer bei älteren Erfassungen")
    mean_confidence = serializers.FloatField(allow_null=True, help_text="mittlere OCR-Sicherheit (0–100)")
    review_reasons = serializers.ListField(child=serializers.CharField(), help_text="warum zu prüfen")
    ingested_at = serializers.DateTimeField(source="item.batch.started_at")


class DocumentScanView(GenericAPIView):
    serializer_class = ScanQualitySerializer

    @extend_schema(operation_id="documents_scan_retrieve")
    def get(self, request, pk: str):
        if not pk.isdigit() or not document_list_for(user=request.user).filter(pk=pk).exists():
            raise NotFound()
        scan = (
            IngestDocument.objects.filter(document_id=pk, status=IngestDocument.Status.STORED)
            .select_related("item__batch")
            .order_by("-id")
            .first()
        )
        if scan is None:
            raise NotFound("Das Dokument wurde nicht über die Erfassung eingebracht.")
        return Response(self.get_serializer(scan).data)
