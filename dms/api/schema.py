"""OpenAPI schema: besides its own answers every operation documents those DRF gives on the way: 401 without valid
credentials, 429 while the client address is locked out after failed logins (django-axes), 404 where the path
names an object, 400 where query parameters are checked. The schemathesis run against a live server
(tests/test_api_schema_live.py) holds the schema to what the endpoints really return."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Grund, auf Deutsch")

    class Meta:
        ref_name = "Fehler"


# Each rejected parameter names itself with the reason, e.g. {"offset": "-1 ist nicht erlaubt, …"}.
INVALID_PARAMETERS = {
    "type": "object",
    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        where = {parameter["in"] for parameter in operation.get("parameters", [])}
        extra = {
            "401": (ErrorSerializer, "Nicht angemeldet, oder Token ungültig bzw. widerrufen"),
            "429": (
                ErrorSerializer,
                ("Zu viele fehlgeschlagene Anmeldungen von dieser Adresse; vorübergehend gesperrt"),
            ),
        }
        if "path" in where:
            extra["404"] = (ErrorSerializer, "Nicht vorhanden, oder für den Benutzer nicht sichtbar")
        if "query" in where:
            extra["400"] = (INVALID_PARAMETERS, "Ungültiger Parameter; der Schlüssel nennt ihn, der Wert den Grund")
        for code, (serializer, description) in extra.items():
            if code not in operation["responses"]:
                response = self._get_response_for_code(serializer, code)
                operation["responses"][code] = {**response, "description": description}
        return operation
