"""Pages of 三违 records (VIO-1), under ``/violations/``."""

from django.urls import path

from minesafe.violations import views

app_name = "violations"

urlpatterns = [
    path("", views.violation_list, name="violation_list"),
    path("export.xlsx", views.violation_export, name="violation_export"),
    path("add/", views.ViolationCreateView.as_view(), name="violation_add"),
    path("<int:pk>/", views.violation_detail, name="violation_detail"),
    path("<int:pk>/edit/", views.ViolationEditView.as_view(), name="violation_edit"),
    path("statistics/", views.statistics, name="statistics"),
    path("repeat-offenders/", views.repeat_offenders, name="repeat_offenders"),
    path("notification/", views.notification, name="notification"),
    path("leader-checks/", views.leader_check_list, name="leader_check_list"),
    path("leader-checks/add/", views.LeaderCheckCreateView.as_view(), name="leader_check_add"),
    path("leader-checks/missed/", views.leader_checks_missed, name="leader_checks_missed"),
]
