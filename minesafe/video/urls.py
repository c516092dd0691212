"""Pages of the video area (under /video/)."""

from django.urls import path  # noqa: F401

app_name = "video"

urlpatterns: list = []
