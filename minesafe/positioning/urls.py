"""Pages of the positioning area (under /positioning/)."""

from django.urls import path  # noqa: F401

app_name = "positioning"

urlpatterns: list = []
