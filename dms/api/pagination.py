"""Every API list is paged: `?limit=` (default 100; more than 1000 counts as 1000) and `?offset=` (at most
MAX_OFFSET). A parameter that is not a number or out of range is a 400 naming the field, never a silently used
default or a database error from an out-of-range number; the schema states the same bounds."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000


def _integer(request, name: str, minimum: int, maximum: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: f"{value[:40]!r} ist keine ganze Zahl"}) from None
    if number < minimum or (maximum is not None and number > maximum):
        allowed = f"{minimum} bis {maximum}" if maximum is not None else f"ab {minimum}"
        raise ValidationError({name: f"{number} ist nicht erlaubt, erlaubt sind {allowed}"})
    return number


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def get_limit(self, request) -> int:
        limit = _integer(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        return _integer(request, self.offset_query_param, 0, MAX_OFFSET) or 0

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Einträge je Seite (Vorgabe {self.default_limit}; mehr als {self.max_limit} gilt als "
                f"{self.max_limit})",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": "Anzahl der zu überspringenden Einträge",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]
