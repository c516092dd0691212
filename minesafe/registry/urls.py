from django.urls import path

from minesafe.registry import dossier, forms, views
from minesafe.registry.models import DisasterAppraisal, Licence, SupervisionAssignment, WorkingFace

app_name = "registry"


def child_routes(prefix: str, model: type, form_class: type, title: str, name: str) -> list:
    """Add / edit / delete routes of one kind of object hanging off a mine."""
    return [
        path(
            f"mines/<int:pk>/{prefix}/add/",
            dossier.MineChildCreateView.as_view(
                model=model, form_class=form_class, title=f"新增{title}"
            ),
            name=f"{name}_add",
        ),
        path(
            f"{prefix}/<int:pk>/edit/",
            dossier.MineChildEditView.as_view(
                model=model, form_class=form_class, title=f"编辑{title}"
            ),
            name=f"{name}_edit",
        ),
        path(
            f"{prefix}/<int:pk>/delete/",
            dossier.MineChildDeleteView.as_view(model=model),
            name=f"{name}_delete",
        ),
    ]


urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("mines/", views.mine_list, name="mine_list"),
    path("mines/export.xlsx", views.mine_export, name="mine_export"),
    path("mines/import/", views.mine_import, name="mine_import"),
    path("mines/import/template.xlsx", views.import_template, name="import_template"),
    path("mines/<int:pk>/", dossier.mine_detail, name="mine_detail"),
    path("mines/<int:pk>/edit/", dossier.MineEditView.as_view(), name="mine_edit"),
    path("mines/<int:pk>/class/", dossier.ClassOverrideView.as_view(), name="mine_class"),
    path("mines/<int:pk>/status/", dossier.StatusChangeView.as_view(), name="mine_status"),
    *child_routes("working-faces", WorkingFace, forms.WorkingFaceForm, "工作面", "working_face"),
    *child_routes("licences", Licence, forms.LicenceForm, "证照", "licence"),
    *child_routes("appraisals", DisasterAppraisal, forms.AppraisalForm, "灾害鉴定", "appraisal"),
    *child_routes(
        "assignments", SupervisionAssignment, forms.AssignmentForm, "监管责任", "assignment"
    ),
    path("licences/", views.licence_list, name="licence_list"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/add/", views.EnterpriseCreateView.as_view(), name="enterprise_add"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseEditView.as_view(), name="enterprise_edit"),
    path("rules/", views.rules_page, name="rules"),
]
