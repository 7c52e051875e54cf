"""Pick the search backend from DMS_SEARCH_URL: `tantivy://PATH` or `elasticsearch+http(s)://host:9200[/index]`.
Each backend module exports one name, `SearchBackend`; instances are cached per URL."""

import functools
import importlib
from urllib.parse import parse_qsl, unquote, urlparse

from .base import SearchBackend, SearchError

BACKENDS = {
    "tantivy": "search.backends.tantivy",
    "elasticsearch+http": "search.backends.elasticsearch",
    "elasticsearch+https": "search.backends.elasticsearch",
}


def backend_from_url(url: str) -> SearchBackend:
    parsed = urlparse(url)
    module_path = BACKENDS.get(parsed.scheme)
    if module_path is None:
        raise SearchError(
            f"unknown search URL scheme {parsed.scheme!r} in DMS_SEARCH_URL (expected {', '.join(BACKENDS)})"
        )
    backend = importlib.import_module(module_path).SearchBackend
    options = dict(parse_qsl(parsed.query))
    if parsed.scheme == "tantivy":
        path = unquote(parsed.netloc + parsed.path)
        if not path:
            raise SearchError(f"DMS_SEARCH_URL {url!r} names no index directory (tantivy:///path/to/index)")
        return backend(path=path, **options)
    scheme = parsed.scheme.split("+", 1)[1]
    host = f"{scheme}://{parsed.hostname}:{parsed.port or 9200}"
    if parsed.username:
        options.setdefault("username", unquote(parsed.username))
        options.setdefault("password", unquote(parsed.password or ""))
    index = parsed.path.strip("/") or "eakte-documents"
    return backend(hosts=host, index=index, **options)


@functools.lru_cache(maxsize=8)
def _cached(url: str) -> SearchBackend:
    return backend_from_url(url)


def get_backend() -> SearchBackend:
    from django.conf import settings

    return _cached(settings.DMS_SEARCH_URL)


def reset_backends() -> None:
    """Forget cached backends (tests give each test its own index directory)."""
    _cached.cache_clear()


__all__ = ["SearchBackend", "SearchError", "backend_from_url", "get_backend", "reset_backends"]
