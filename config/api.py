from rest_framework.routers import DefaultRouter

from akten.api.views import AkteViewSet
from dms.api.views import DocumentViewSet

router = DefaultRouter()
router.register("akten", AkteViewSet, basename="akte")
router.register("documents", DocumentViewSet, basename="document")
urlpatterns = router.urls
