"""The caseworker's URLs, mounted by config/urls.py under two namespaces: `akten` (/akten/) and `search`
(/suche/). The edit actions (edits.py) add their paths to `akten_patterns`."""

from django.urls import path

from . import akten, documents, edits, search

akten_patterns = [
    path("", akten.my_akten, name="my_akten"),
    path("<int:pk>/", akten.akte_detail, name="akte_detail"),
    path("<int:pk>/dokumente/<int:doc_id>/", documents.document_page, name="document"),
    path("<int:pk>/dokumente/<int:doc_id>/inhalt/", documents.document_content, name="document_content"),
    path("<int:pk>/dokumente/<int:doc_id>/seiten/<int:page>/", documents.page_image, name="page_image"),
    *edits.urlpatterns,
]

search_patterns = [
    path("", search.search_page, name="search"),
    path("speichern/", search.search_save, name="save"),
    path("gespeichert/<int:pk>/loeschen/", search.search_delete, name="saved_delete"),
]
