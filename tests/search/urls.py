"""The project's URLs plus the search page and API, as the lead wires them into config (for the view tests)."""

from django.urls import include, path

from config.urls import urlpatterns as project

urlpatterns = [
    path("suche/", include("search.urls")),
    path("api/", include("search.api.urls")),
    *project,
]
