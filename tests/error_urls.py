"""The project's URLs plus views that fail on purpose, for the error-page tests (handler500 comes along)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import *  # noqa: F403  (urlpatterns and handler500)
from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("kaputt im Test")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-boom/", boom),
    path("api/test-boom/", boom),
    path("test-forbidden/", forbidden),
    *project_urlpatterns,
]
