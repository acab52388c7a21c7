from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from agents.lab import views

router = DefaultRouter()
router.include_root_view = False
router.register("quantization-jobs", views.QuantizationJobViewSet, basename="lab-quantization-job")
router.register("benchmark-jobs", views.BenchmarkJobViewSet, basename="lab-benchmark-job")

urlpatterns: list[URLPattern | URLResolver] = [
    path("results/", views.results, name="lab-results"),
    path("", include(router.urls)),
]
