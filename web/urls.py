from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.start, name="start"),
    path("kein-arbeitsbereich/", views.no_workspace, name="no_workspace"),
]
