from django.urls import path

from . import views

app_name = "akten"
urlpatterns = [
    path("", views.my_akten, name="my_akten"),
    path("<int:pk>/", views.akte_detail, name="akte_detail"),
    path("<int:pk>/dokumente/<int:doc_id>/", views.document_content, name="document_content"),
]
