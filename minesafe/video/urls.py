"""Pages of the video area (under /video/): coverage, channel register, AI findings (MON-7)."""

from django.urls import path

from minesafe.video import views

app_name = "video"

urlpatterns = [
    path("", views.coverage_overview, name="overview"),
    path("mines/<int:pk>/", views.mine_coverage, name="coverage_detail"),
    path("channels/", views.channel_list, name="channel_list"),
    path("channels/add/", views.ChannelCreateView.as_view(), name="channel_add"),
    path("channels/<int:pk>/edit/", views.ChannelEditView.as_view(), name="channel_edit"),
    path("channels/import/", views.ChannelImportView.as_view(), name="channel_import"),
    path("channels/template.xlsx", views.channel_template, name="channel_template"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/snapshot/", views.finding_snapshot, name="finding_snapshot"),
    path("findings/<int:pk>/confirm/", views.FindingConfirmView.as_view(), name="finding_confirm"),
    path("findings/<int:pk>/reject/", views.FindingRejectView.as_view(), name="finding_reject"),
]
