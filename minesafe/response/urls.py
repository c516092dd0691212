"""Pages of the graded alarm response."""

from django.urls import path  # noqa: F401

app_name = "response"

urlpatterns: list = []
