from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("minesafe.registry.urls")),
    path("accounts/", include("minesafe.accounts.urls")),
    path("api/", include("minesafe.api_urls")),
    path("admin/", admin.site.urls),
]
