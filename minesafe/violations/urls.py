"""Pages of the violations area."""

from django.urls import path  # noqa: F401

app_name = "violations"

urlpatterns: list = []
