"""Search writes and the search entry point: the single indexer (outbox drain), immediate removal, and
permission-trimmed search. Reindex and drift checks live in `search/sync.py`."""

from django.db import connection, transaction

from akten.access import user_principals
from dms.models import Department, OutboxEntry

from .backends import get_backend
from .indexdoc import index_docs_for
from .parser import query_from_text
from .query import Filter, SearchResult
from .sync import reindex_note_changes

MAX_LIMIT = 1000  # hits per page; totals and facets always cover every visible match
# Deepest hit reachable by paging: offset + limit at most Elasticsearch's default index.max_result_window (a
# larger window is an error there). The engines collect offset + limit hits, so an unbounded offset is an
# unbounded allocation (tantivy aborts the process).
MAX_WINDOW = 10_000


def _pending_batch(batch_size: int) -> list[OutboxEntry]:
    qs = OutboxEntry.objects.order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return list(qs[:batch_size])


def outbox_drain(*, batch_size: int = 500) -> int:
    """The single indexer: apply pending outbox rows in id order. An upsert rebuilds the entry from the database
    (principals included); a delete, or a document that no longer exists, removes the entry. Rows are deleted
    only after the index change is committed, so a crash leaves them pending. Returns the rows applied."""
    backend = get_backend()
    applied = 0
    with backend.writing():
        while True:
            with transaction.atomic():
                rows = _pending_batch(batch_size)
                if not rows:
                    return applied
                last_op = {}
                for row in rows:
                    last_op[row.document_id] = row.op
                docs = index_docs_for([d for d, op in last_op.items() if op == OutboxEntry.Op.UPSERT])
                present = {d.document_id for d in docs}
                reindex_note_changes(document_ids=list(last_op))
                backend.apply(upsert=docs, remove=[d for d in last_op if d not in present])
                OutboxEntry.objects.filter(pk__in=[r.pk for r in rows]).delete()
                applied += len(rows)


def index_remove_documents(*, document_ids) -> None:
    """Remove documents from the index at once (disposal): no search may return them from now on."""
    ids = list(document_ids)
    reindex_note_changes(document_ids=ids)
    get_backend().remove(ids)


def search_documents(
    *,
    user,
    query: str,
    department: str | None = None,
    limit: int = 10,
    offset: int = 0,
    filters=(),
    sort: str = "relevance",
    date_from=None,
    date_to=None,
) -> SearchResult:
    """Search as `user`: parse the people's syntax, restrict to the user's principals inside the query (so
    `total` and facets count only visible documents), optionally to one department by code, to further
    `filters` (Filter values, e.g. from the search page's facet links), to documents dated `date_from` ..
    `date_to`; `sort` is one of search.query.SORTS."""
    if not 0 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit: {limit} ist nicht erlaubt, erlaubt sind 0 bis {MAX_LIMIT} Treffer je Seite")
    if not 0 <= offset <= MAX_WINDOW - limit:
        raise ValueError(
            f"offset: {offset} ist nicht erlaubt, erlaubt sind 0 bis {MAX_WINDOW - limit} (offset + limit "
            f"höchstens {MAX_WINDOW}); weiter hinten liegende Treffer bitte durch eine genauere Suche "
            "erreichen"
        )
    extra = list(filters)
    if department:
        if not Department.objects.filter(code=department).exists():
            raise ValueError(f"unknown department {department!r}")
        extra.append(Filter("dept", department))
    search_query, errors = query_from_text(
        query,
        principals=user_principals(user),
        filters=extra,
        limit=limit,
        offset=offset,
        sort=sort,
        date_from=date_from,
        date_to=date_to,
    )
    result = get_backend().search(search_query)
    result.errors = errors
    return result
