from django.urls import path
from rest_framework.routers import DefaultRouter

from scan_ingest.api.views import DocumentScanView
from web.caseworker.api import AkteWriteViewSet, BatchView, DocumentWriteViewSet

router = DefaultRouter()
router.register("akten", AkteWriteViewSet, basename="akte")  # read (akten.api) + writes (web.caseworker.api)
router.register("documents", DocumentWriteViewSet, basename="document")
urlpatterns = [
    path("documents/<str:pk>/scan/", DocumentScanView.as_view(), name="document-scan"),
    path("batches/<str:pk>/", BatchView.as_view(), name="batch-detail"),
    *router.urls,
]
