from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from agents.knowledge.views import CollectionViewSet, DocumentViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("collections", CollectionViewSet, basename="knowledge-collection")
router.register(
    r"collections/(?P<collection_pk>\d+)/documents", DocumentViewSet, basename="knowledge-document"
)

urlpatterns: list[URLPattern | URLResolver] = [path("", include(router.urls))]
