"""Pages of the emergency area (under /emergency/)."""

from django.urls import path  # noqa: F401

app_name = "emergency"

urlpatterns: list = []
