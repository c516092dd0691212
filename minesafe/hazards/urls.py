"""Pages of the hazards area (under /hazards/)."""

from django.urls import path

from minesafe.hazards import reports, rules, views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="hazard_list"),
    path("add/", views.HazardCreateView.as_view(), name="hazard_add"),
    path("export.xlsx", reports.export, name="hazard_export"),
    path("board/", reports.board, name="board"),
    path("stats/", reports.stats, name="stats"),
    path("catalogue/", reports.catalogue, name="catalogue"),
    path("notifications/", reports.notifications, name="notifications"),
    path("proposals/", reports.proposals, name="proposals"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/fixes/", views.FixesView.as_view(), name="hazard_fixes"),
    *(
        path(
            f"<int:pk>/steps/{step.name}/",
            views.HazardStepView.as_view(step=step.name),
            name=f"step_{step.name}",
        )
        for step in rules.GENERAL_LOOP.steps
        if step.name not in rules.AUTOMATIC_STEPS
    ),
    path("<int:pk>/supervise/", views.SuperviseView.as_view(), name="hazard_supervise"),
    path("<int:pk>/photos/add/", views.PhotoAddView.as_view(), name="photo_add"),
    path("<int:pk>/notice.pdf", reports.notice, name="hazard_notice"),
    path("photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("suggestions/<int:pk>/decide/", views.DecideView.as_view(), name="suggestion_decide"),
]
