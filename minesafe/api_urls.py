"""The REST API under ``/api/``: token auth, scoped resources, OpenAPI schema and local docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from minesafe.registry import api as registry_api

router = DefaultRouter()
router.register("mines", registry_api.MineViewSet, basename="mine")
router.register("enterprises", registry_api.EnterpriseViewSet, basename="enterprise")
router.register("organisations", registry_api.OrganizationViewSet, basename="organisation")
router.register("working-faces", registry_api.WorkingFaceViewSet, basename="working-face")
router.register("licences", registry_api.LicenceViewSet, basename="licence")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("rules/project-approval/", registry_api.project_approval, name="api-project-approval"),
    path("rules/accident-grade/", registry_api.accident_grade, name="api-accident-grade"),
    *router.urls,
]
