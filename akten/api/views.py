"""Read API over the permission-filtered selectors; nothing here builds its own permission filter."""
from rest_framework import viewsets

from akten.selectors import akte_list_for

from .serializers import AkteDetailSerializer, AkteSerializer


class AkteViewSet(viewsets.ReadOnlyModelViewSet):
    """Akten the caller may view (lead department or a grant)."""

    def get_queryset(self):
        qs = akte_list_for(user=self.request.user).select_related("lead_department", "unit").order_by("aktenzeichen")
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    def get_serializer_class(self):
        return AkteDetailSerializer if self.action == "retrieve" else AkteSerializer
