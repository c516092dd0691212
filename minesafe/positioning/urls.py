"""Pages of the positioning area (under /positioning/)."""

from django.urls import path

from minesafe.positioning import views

app_name = "positioning"

urlpatterns = [
    path("", views.index, name="index"),
    path("mines/<int:pk>/", views.mine_page, name="detail"),
    path("mines/<int:pk>/descents/add/", views.DescentAddView.as_view(), name="descent_add"),
    path(
        "mines/<int:pk>/descents/import/", views.DescentImportView.as_view(), name="descent_import"
    ),
    path("mines/<int:pk>/displays/add/", views.DisplayAddView.as_view(), name="display_add"),
    path("descents/<int:pk>/edit/", views.DescentEditView.as_view(), name="descent_edit"),
    path("cards/<int:pk>/", views.card_page, name="card"),
]
