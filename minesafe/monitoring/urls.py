"""Pages of the monitoring area (``/monitoring/``)."""

from django.urls import path

from minesafe.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.alarm_list, name="alarm_list"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm_detail"),
    path("board/", views.board, name="board"),
    path("mines/<int:pk>/live/", views.mine_live, name="mine_live"),
    path("points/<int:pk>/history/", views.point_history, name="point_history"),
    path("points/<int:pk>/history/data/", views.point_history_data, name="point_history_data"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
]
