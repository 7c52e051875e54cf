"""Every API list is paged: `?limit=` (default 100, at most 1000) and `?offset=` (at most MAX_OFFSET). An offset
past the bound is a 400 naming the field, never a database error from an out-of-range number."""
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def get_offset(self, request) -> int:
        value = request.query_params.get(self.offset_query_param)
        if value is None:
            return 0
        try:
            offset = int(value)
        except ValueError:
            raise ValidationError({"offset": f"{value[:40]!r} ist keine ganze Zahl"}) from None
        if not 0 <= offset <= MAX_OFFSET:
            raise ValidationError({"offset": f"{offset} ist nicht erlaubt, erlaubt sind 0 bis {MAX_OFFSET}"})
        return offset
