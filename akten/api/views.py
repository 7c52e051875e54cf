"""Read API over the permission-filtered selectors; nothing here builds its own permission filter."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from akten.models import AkteState
from akten.selectors import akte_list_for

from .serializers import AkteDetailSerializer, AkteSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("state", str, enum=AkteState.values, description="nur Akten in diesem Zustand")]
    )
)
class AkteViewSet(viewsets.ReadOnlyModelViewSet):
    """Akten the caller may view (lead department or a grant)."""

    lookup_value_regex = "[^/]+"  # any id reaches the view, so a malformed one is the API's JSON 404 too

    def get_queryset(self):
        qs = akte_list_for(user=self.request.user).select_related("lead_department", "unit").order_by("aktenzeichen")
        state = self.request.query_params.get("state")
        if state is not None and self.action == "list":
            if state not in AkteState.values:
                raise ValidationError(
                    {"state": f"{state[:40]!r} ist kein Zustand; erlaubt sind {', '.join(AkteState.values)}"}
                )
            qs = qs.filter(state=state)
        return qs

    def get_serializer_class(self):
        return AkteDetailSerializer if self.action == "retrieve" else AkteSerializer
