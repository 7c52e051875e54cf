from rest_framework import serializers

from akten.models import Document


class DocumentSerializer(serializers.ModelSerializer):
    aktenzeichen = serializers.CharField(source="akte.aktenzeichen")
    department = serializers.CharField(source="department.code")

    class Meta:
        model = Document
        fields = [
            "id",
            "uuid",
            "aktenzeichen",
            "title",
            "document_type",
            "date",
            "department",
            "source",
            "source_pages",
            "created_at",
        ]


class StoredObjectSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes")
    media_type = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    pages = serializers.IntegerField(source="page_count", help_text="Seiten der Version")
    original = StoredObjectSerializer()
    rendition = StoredObjectSerializer(allow_null=True, help_text="das PDF/A; fehlt bei Originalen ohne Rendition")
    has_scan_record = serializers.SerializerMethodField(help_text="ob ein Scanprotokoll (Transfervermerk) vorliegt")

    def get_has_scan_record(self, version) -> bool:
        return version.scan_record_id is not None


class DocumentDetailSerializer(DocumentSerializer):
    """Ein Dokument zum Nachverfolgen aus einem Fachverfahren: Ablage (Akte, Vorgang), Versionen mit ihren Dateien
    (SHA-256, Größe, Typ) und Seitenzahlen."""

    akte_id = serializers.IntegerField()
    vorgang = serializers.CharField(source="vorgang.title", allow_null=True, default=None)
    pages = serializers.SerializerMethodField(help_text="Seiten der aktuellen Version")
    versions = VersionSerializer(many=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "akte_id", "vorgang", "pages", "versions"]

    def get_pages(self, document) -> int:
        versions = list(document.versions.all())
        return max(versions, key=lambda v: v.number).page_count if versions else 0
