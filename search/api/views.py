"""`GET /api/search/?q=…[&department=CODE][&limit=N][&offset=N]`: the search command's JSON over HTTP,
trimmed to the requesting user."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from search.services import search_documents


class SearchAPIView(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str, required=True), OpenApiParameter("department", str),
                               OpenApiParameter("limit", int), OpenApiParameter("offset", int)])
    def get(self, request):
        """Documents the user may see that match `q` (words, "phrases", -exclusion, az: dept: year: type:)."""
        params = request.query_params
        try:
            result = search_documents(user=request.user, query=params.get("q", ""),
                                      department=params.get("department") or None,
                                      limit=int(params.get("limit", 10)), offset=int(params.get("offset", 0)))
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(result.as_json())
