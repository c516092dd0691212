"""Pages of the selfinspection area."""

from django.urls import path  # noqa: F401

app_name = "selfinspection"

urlpatterns: list = []
