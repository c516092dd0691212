"""Pages of the enforcement area under ``/enforcement/``."""

from django.urls import path

from minesafe.enforcement import pages, views

app_name = "enforcement"

urlpatterns = [
    path("", pages.index, name="index"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/add/", views.InspectionCreateView.as_view(), name="inspection_add"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", views.InspectionEditView.as_view(), name="inspection_edit"),
    path(
        "inspections/<int:pk>/steps/<slug:name>/",
        views.InspectionStepView.as_view(),
        name="inspection_step",
    ),
    path(
        "inspections/<int:pk>/findings/add/", views.FindingCreateView.as_view(), name="finding_add"
    ),
    path("inspections/<int:pk>/quiz/add/", views.QuizCreateView.as_view(), name="quiz_add"),
    path(
        "inspections/<int:pk>/violations/add/",
        views.ViolationCreateView.as_view(),
        name="violation_add",
    ),
    path(
        "inspections/<int:pk>/checklist/", views.ChecklistLoadView.as_view(), name="checklist_load"
    ),
    path("checklist/<int:pk>/toggle/", views.checklist_toggle, name="checklist_toggle"),
    path("inspections/<int:pk>/sign/", views.SignView.as_view(), name="inspection_sign"),
    path("inspections/<int:pk>/decide/", views.DecideView.as_view(), name="inspection_decide"),
    path("inspections/<int:pk>/documents/", views.document_issue, name="document_issue"),
    path("inspections/<int:pk>/close-recheck/", views.recheck_close, name="recheck_close"),
    path("inspections/<int:pk>/experts/draw/", views.expert_draw, name="expert_draw"),
    path("documents/<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("decisions/<int:pk>/review/", views.ReviewView.as_view(), name="decision_review"),
    path("reviews/", views.review_list, name="review_list"),
    path("workers/stopped/", views.stopped_workers, name="stopped_workers"),
    path("quizzes/<int:pk>/retrain/", views.quiz_retrain, name="quiz_retrain"),
    path("plans/", pages.plan_list, name="plan_list"),
    path("plans/<int:pk>/", pages.plan_detail, name="plan_detail"),
    path("plan-entries/<int:pk>/edit/", pages.PlanEntryEditView.as_view(), name="plan_entry_edit"),
    path("draws/", pages.draw_list, name="draw_list"),
    path("draws/<int:pk>/", pages.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/verify/", pages.draw_verify, name="draw_verify"),
    path("officers/", pages.officer_list, name="officer_list"),
    path("experts/", pages.expert_list, name="expert_list"),
    path("experts/add/", pages.ExpertCreateView.as_view(), name="expert_add"),
    path("experts/<int:pk>/edit/", pages.ExpertEditView.as_view(), name="expert_edit"),
    path("managers/", pages.manager_list, name="manager_list"),
    path("managers/<int:pk>/", pages.manager_detail, name="manager_detail"),
    path("referrals/", pages.referral_list, name="referral_list"),
    path("referrals/add/", pages.ReferralCreateView.as_view(), name="referral_add"),
    path("referrals/<int:pk>/answer/", pages.ReferralAnswerView.as_view(), name="referral_answer"),
    path("notices/", pages.notice_list, name="notice_list"),
    path("mines/<int:pk>/reports/", pages.mine_reports, name="mine_reports"),
    path("analysis/", pages.analysis, name="analysis"),
    path("analysis/file/", pages.analysis_file, name="analysis_file"),
    path("analysis.pdf", pages.analysis_pdf, name="analysis_pdf"),
    path("analysis.xlsx", pages.analysis_xlsx, name="analysis_xlsx"),
]
