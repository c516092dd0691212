"""Pages of the hazards area."""

from django.urls import path  # noqa: F401

app_name = "hazards"

urlpatterns: list = []
