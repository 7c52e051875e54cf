"""The Scanstelle at /scanstelle/ (namespace `scan`, mounted by config/urls.py)."""

from django.urls import path

from . import views

app_name = "scan"
urlpatterns = [
    path("", views.start, name="start"),
    path("hochladen/", views.upload, name="upload"),
    path("stapel/<int:pk>/", views.batch_detail, name="batch"),
    path("stapel/<int:pk>/zeile/", views.batch_row, name="batch_row"),
    path("pruefung/", views.review_list, name="review_list"),
    path("pruefung/<int:doc_id>/", views.review_page, name="review"),
    path("pruefung/<int:doc_id>/seiten/<int:page>/", views.review_page_image, name="review_page_image"),
    path("pruefung/<int:doc_id>/annehmen/", views.review_accept_view, name="review_accept"),
    path("pruefung/<int:doc_id>/drehen/", views.review_rotate_view, name="review_rotate"),
    path("pruefung/<int:doc_id>/ocr/", views.review_reocr_view, name="review_reocr"),
    path("pruefung/<int:doc_id>/ersetzen/", views.review_replace_view, name="review_replace"),
    path("pruefung/<int:doc_id>/metadaten/", views.review_metadata_view, name="review_metadata"),
    path("pruefung/<int:doc_id>/teilen/", views.review_split_view, name="review_split"),
    path("pruefung/<int:doc_id>/zusammenfuehren/", views.review_merge_view, name="review_merge"),
]
