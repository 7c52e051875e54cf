"""The project's URLs (the search page and API included), for the view tests."""

from config.urls import urlpatterns  # noqa: F401
