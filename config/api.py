from django.urls import path
from rest_framework.routers import DefaultRouter

from akten.api.document_views import DocumentViewSet
from akten.api.views import AkteViewSet
from scan_ingest.api.views import DocumentScanView

router = DefaultRouter()
router.register("akten", AkteViewSet, basename="akte")
router.register("documents", DocumentViewSet, basename="document")
urlpatterns = [path("documents/<str:pk>/scan/", DocumentScanView.as_view(), name="document-scan"), *router.urls]
