"""Pages of the monitoring area (``/monitoring/``)."""

from django.urls import path

from minesafe.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.alarm_list, name="alarm_list"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm_detail"),
]
