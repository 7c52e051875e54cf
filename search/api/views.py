"""`GET /api/search/?q=…[&department=CODE][&limit=N][&offset=N]`: the search command's JSON over HTTP,
trimmed to the requesting user."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from search.services import MAX_LIMIT, MAX_WINDOW, search_documents

HIT = inline_serializer(
    "SearchHit",
    {
        "document_id": serializers.IntegerField(),
        "aktenzeichen": serializers.CharField(),
        "title": serializers.CharField(),
        "department": serializers.CharField(),
        "source": serializers.CharField(),
        "source_pages": serializers.CharField(allow_null=True),
        "rank": serializers.IntegerField(help_text="1 for the best hit"),
        "snippet": serializers.CharField(help_text="HTML-escaped text with <b>…</b> highlights"),
        "page": serializers.IntegerField(allow_null=True),
        "akte_id": serializers.IntegerField(),
        "date": serializers.DateField(allow_null=True, help_text="Datum des Dokuments"),
        "document_type": serializers.CharField(help_text="Dokumentart"),
    },
)
RESULT = inline_serializer(
    "SearchResult",
    {
        "total": serializers.IntegerField(),
        "hits": HIT.__class__(many=True),
        "facets": serializers.DictField(child=serializers.ListField(child=serializers.DictField())),
    },
)


class SearchAPIView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description='Suchtext: Wörter, "Phrasen", -Ausschluss, az: dept: year: type:'),
            OpenApiParameter("department", str, description="nur Dokumente dieses Amts (Kennziffer, z. B. 63)"),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT},
                description=f"Treffer je Seite (Vorgabe 10, höchstens {MAX_LIMIT})",
            ),
            OpenApiParameter(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": MAX_WINDOW},
                description=f"zu überspringende Treffer; offset + limit höchstens {MAX_WINDOW}",
            ),
        ],
        responses={200: RESULT},
    )
    def get(self, request):
        """Documents the user may see that match `q` (words, "phrases", -exclusion, az: dept: year: type:)."""
        params = request.query_params
        try:
            result = search_documents(
                user=request.user,
                query=params.get("q", ""),
                department=params.get("department") or None,
                limit=_integer(params, "limit", 10),
                offset=_integer(params, "offset", 0),
            )
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(result.as_json())


def _integer(params, name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}: {value[:40]!r} ist keine ganze Zahl") from None
