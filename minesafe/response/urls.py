"""Pages of the graded alarm response (under /response/)."""

from django.urls import path

from minesafe.response import views

app_name = "response"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/", views.CaseStepView.as_view(), name="case_step"),
    path("cases/<int:pk>/comment/", views.CaseCommentView.as_view(), name="case_comment"),
    path("cases/<int:pk>/assign/", views.CaseAssignView.as_view(), name="case_assign"),
    path("planned/", views.planned_list, name="planned_list"),
    path("planned/add/", views.PlannedWorkCreateView.as_view(), name="planned_add"),
    path("planned/<int:pk>/edit/", views.PlannedWorkEditView.as_view(), name="planned_edit"),
    path("planned/<int:pk>/cancel/", views.PlannedWorkCancelView.as_view(), name="planned_cancel"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/badge/", views.unread_badge, name="unread_badge"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
