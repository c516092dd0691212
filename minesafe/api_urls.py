"""The REST API under ``/api/``: token auth, scoped resources, OpenAPI schema and local docs.

Each area's ``api`` module registers its viewsets on the shared router (``register(router)``) and
lists its other routes in ``urlpatterns``, so a new area plugs in here with one line.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from minesafe.accounts import api as accounts_api
from minesafe.emergency import api as emergency_api
from minesafe.enforcement import api as enforcement_api
from minesafe.hazards import api as hazards_api
from minesafe.monitoring import api as monitoring_api
from minesafe.notifications import api as notifications_api
from minesafe.positioning import api as positioning_api
from minesafe.registry import api as registry_api
from minesafe.response import api as response_api
from minesafe.selfinspection import api as selfinspection_api
from minesafe.video import api as video_api
from minesafe.violations import api as violations_api

AREAS = (
    monitoring_api,
    response_api,
    hazards_api,
    selfinspection_api,
    violations_api,
    enforcement_api,
    positioning_api,
    emergency_api,
    video_api,
    notifications_api,
)

router = DefaultRouter()
router.register("mines", registry_api.MineViewSet, basename="mine")
router.register("enterprises", registry_api.EnterpriseViewSet, basename="enterprise")
router.register("organisations", registry_api.OrganizationViewSet, basename="organisation")
router.register("working-faces", registry_api.WorkingFaceViewSet, basename="working-face")
router.register("licences", registry_api.LicenceViewSet, basename="licence")
for area in AREAS:
    area.register(router)

urlpatterns = [
    path("auth/token/", accounts_api.TokenLoginView.as_view(), name="api-token"),
    path("auth/logout/", accounts_api.TokenLogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", accounts_api.TokenLogoutAllView.as_view(), name="api-logout-all"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("rules/project-approval/", registry_api.project_approval, name="api-project-approval"),
    path("rules/accident-grade/", registry_api.accident_grade, name="api-accident-grade"),
    *(route for area in AREAS for route in area.urlpatterns),
    *router.urls,
]
