from django.contrib import admin
from django.urls import include, path

from minesafe.home.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("minesafe.registry.urls")),
    path("monitoring/", include("minesafe.monitoring.urls")),
    path("response/", include("minesafe.response.urls")),
    path("hazards/", include("minesafe.hazards.urls")),
    path("self-inspection/", include("minesafe.selfinspection.urls")),
    path("violations/", include("minesafe.violations.urls")),
    path("enforcement/", include("minesafe.enforcement.urls")),
    path("positioning/", include("minesafe.positioning.urls")),
    path("emergency/", include("minesafe.emergency.urls")),
    path("video/", include("minesafe.video.urls")),
    path("notifications/", include("minesafe.notifications.urls")),
    path("accounts/", include("minesafe.accounts.urls")),
    path("api/", include("minesafe.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "minesafe.core.errors.permission_denied"
