"""Pages of self-inspection campaigns (HAZ-8), under ``/self-inspection/``."""

from django.urls import path

from minesafe.selfinspection import views

app_name = "selfinspection"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("campaigns/add/", views.CampaignCreateView.as_view(), name="campaign_add"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/answer/", views.ReportAnswerView.as_view(), name="report_answer"),
    path("reports/<int:pk>/sign/", views.ReportSignView.as_view(), name="report_sign"),
    path("reports/<int:pk>/review/", views.ReportReviewView.as_view(), name="report_review"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/import/", views.TemplateImportView.as_view(), name="template_import"),
    path("templates/import/template.xlsx", views.template_download, name="template_download"),
]
