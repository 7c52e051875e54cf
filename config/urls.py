from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web.caseworker.urls import akten_patterns, search_patterns

urlpatterns = [
    path("", include("web.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("aussonderung/", include("web.archive.urls")),
    path("scanstelle/", include("web.scan.urls")),
    path("akten/", include((akten_patterns, "akten"))),
    path("suche/", include((search_patterns, "search"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its init script as a file of its own (?script): no inline script under the CSP
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", title="eAkte API – Dokumentation"),
        name="api-docs",
    ),
    path("api/", include("config.api")),
    path("api/", include("search.api.urls")),
]

handler500 = "config.errors.server_error"
