from rest_framework import serializers

from akten.models import Akte, Hold


class HoldSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Hold
        fields = ["id", "reason", "created_by", "created_at"]


class AkteSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="lead_department.code")
    kennzeichen = serializers.CharField(source="unit.kennzeichen")
    aussonderungsart = serializers.CharField(source="effective_aussonderungsart")

    class Meta:
        model = Akte
        fields = [
            "id",
            "uuid",
            "aktenzeichen",
            "title",
            "department",
            "kennzeichen",
            "vertraulichkeit",
            "state",
            "opened_on",
            "zda_date",
            "aufbewahrungsende",
            "aussonderungsart",
        ]


class AkteDetailSerializer(AkteSerializer):
    holds = serializers.SerializerMethodField()

    class Meta(AkteSerializer.Meta):
        fields = [*AkteSerializer.Meta.fields, "holds"]

    def get_holds(self, akte) -> list[dict]:
        return HoldSerializer(akte.holds.filter(released_at__isnull=True), many=True).data
