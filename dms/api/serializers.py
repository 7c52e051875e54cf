from rest_framework import serializers

from dms.models import Document


class DocumentSerializer(serializers.ModelSerializer):
    aktenzeichen = serializers.CharField(source="akte.aktenzeichen")
    department = serializers.CharField(source="department.code")

    class Meta:
        model = Document
        fields = ["id", "uuid", "aktenzeichen", "title", "document_type", "date", "department", "source",
                  "source_pages", "created_at"]
