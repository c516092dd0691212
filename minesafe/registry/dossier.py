"""The mine dossier, 一矿一册 (REG-1 … REG-9): the page with its change history, and the edits
made from it (the register fields, the supervision class, the production status, and the working
faces, licences, appraisals and assignments hanging off a mine)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, JSONField, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.views import View
from django.views.decorators.http import require_safe

from minesafe.core.context import audit_reason
from minesafe.core.models import AuditAction, AuditEntry
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, can, may
from minesafe.core.templatetags.minesafe import audit_changes, name_related
from minesafe.core.views import (
    ScopedFormView,
    get_scoped,
    html_rows,
    pk_model,
    require,
    shows_audit_history,
)
from minesafe.localtime import local_date
from minesafe.registry import forms, services
from minesafe.registry.choices import (
    CLASS_COLORS,
    CLASS_FACTOR_LABELS,
    LICENCE_COLORS,
    STATUS_COLORS,
    KeyMineFlag,
    LicenceWarning,
)
from minesafe.registry.models import (
    CLASSIFY,
    DisasterAppraisal,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)


@login_required
@require_safe
@pk_model(Mine)
@shows_audit_history
def mine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The mine dossier, 一矿一册 (REG-1 … REG-9) with its change history."""
    user = request.user
    mine = (
        Mine.objects.restrict(user, VIEW)
        .select_related("enterprise", "county", "supervisor", "inspectorate")
        .filter(pk=pk)
        .first()
    )
    if mine is None:
        raise Http404("对象不存在或不在您的管辖范围内")
    today = local_date()
    licences = list(mine.licences.all())
    appraisals = list(mine.appraisals.all())
    factors = mine.class_factors.get("factors", [])
    context = {
        "mine": mine,
        "chain": mine.enterprise.chain(),
        "key_flags": [(f, KeyMineFlag(f).label) for f in mine.key_flags()],
        "factors": [
            {**f, "label": CLASS_FACTOR_LABELS.get(f["name"], f["name"]), "display": _shown(f)}
            for f in factors
        ],
        "forced_by": mine.class_factors.get("forced_by", []),
        "faces": mine.working_faces.all(),
        "licences": [(lic, lic.warning(today)) for lic in licences],
        "licence_colors": LICENCE_COLORS,
        "licence_labels": dict(LicenceWarning.choices),
        "licence_flags": services.licence_flags(mine, today, licences),
        "grade_overrides": mine.grade_overrides(appraisals),
        "appraisals": appraisals,
        "status_changes": mine.status_changes.all(),
        "assignments": mine.assignments.all(),
        "history": _history_rows(
            AuditEntry.objects.restrict(user, VIEW)
            .filter(mine=mine)
            .order_by("-time", "-id")[:HISTORY_ROWS]
        ),
        "status_color": STATUS_COLORS.get(mine.status),
        "class_color": CLASS_COLORS.get(mine.supervision_class),
        "links": mine_links(mine),
        "perms": {
            "edit": may(user, mine, CHANGE),
            "classify": may(user, mine, CLASSIFY),
            "status": can(user, StatusChange, ADD),
            "faces": can(user, WorkingFace, ADD),
            "licences": can(user, Licence, ADD),
            "appraisals": can(user, DisasterAppraisal, ADD),
            "assignments": can(user, SupervisionAssignment, ADD),
        },
    }
    return render(request, "registry/mine_detail.html", context)


#: Everything about one mine elsewhere on the platform: (label, URL name, how the page is told the
#: mine: "pk" in the path or "?mine=" on a list). Each list named here filters on ``mine``.
MINE_LINKS: tuple[tuple[str, str, str], ...] = (
    ("实时监测", "monitoring:mine_live", "pk"),
    ("报警记录", "monitoring:alarm_list", "?mine="),
    ("报警处置", "response:case_list", "?mine="),
    ("隐患", "hazards:hazard_list", "?mine="),
    ("执法检查及文书", "enforcement:inspection_list", "?mine="),
    ("执法报告", "enforcement:mine_reports", "pk"),
    ("三违", "violations:violation_list", "?mine="),
    ("应急撤人", "emergency:order_list", "?mine="),
    ("人员定位", "positioning:detail", "pk"),
    ("视频监控", "video:coverage_detail", "pk"),
    ("视频通道", "video:channel_list", "?mine="),
    ("证照", "registry:licence_list", "?mine="),
)


def mine_links(mine: Mine) -> list[tuple[str, str]]:
    """(label, URL) of every page about ``mine`` (the dossier's 相关信息 links)."""
    links = []
    for label, name, how in MINE_LINKS:
        if how == "pk":
            links.append((label, reverse(name, args=[mine.pk])))
        else:
            links.append((label, f"{reverse(name)}{how}{mine.pk}"))
    return links


HISTORY_ROWS = 200  # the dossier shows the latest changes; the full trail stays in the audit log
HISTORY_FIELDS = ("time", "username", "action", "content_type", "object_repr")
HISTORY_ROW = (
    '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}：{}</td><td class="changes">{}</td>'
    "<td>{}</td></tr>"
)
CHANGE_LINE = '<div>{}：<span class="old">{}</span> → <span class="new">{}</span></div>'


def _history_rows(entries: QuerySet[AuditEntry]) -> SafeString:
    """The dossier's change history (up to 200 rows) as HTML, built in Python.

    Through the template engine these rows (a date filter, a lazy label, the content type and
    the changed fields per row) were most of the dossier's cost per request. Rows are read as
    tuples, content types come from Django's in-process cache rather than a join; the cells are
    those the template drew (local time, labels from ``audit_changes``, values localized and
    escaped).
    """
    actions = {value: str(label) for value, label in AuditAction.choices}
    types: dict[int, tuple[ContentType, str]] = {}
    rows = []
    # Only an update's changes are shown: a creation's snapshot is not read or decoded.
    shown = Case(When(action=AuditAction.UPDATE, then="changes"), output_field=JSONField())
    read = list(entries.values_list(*HISTORY_FIELDS[:5], shown, "reason"))
    for type_id in {row[3] for row in read} - types.keys():
        content_type = ContentType.objects.get_for_id(type_id)
        types[type_id] = (content_type, str(content_type.name))
    updates = [
        SimpleNamespace(content_type=types[type_id][0], changes=changes)
        for _, _, action, type_id, _, changes, _ in read
        if action == AuditAction.UPDATE
    ]
    related: dict[Any, str] = {}  # the objects the changes name, one query per kind
    name_related(updates, related)
    for when, username, action, type_id, object_repr, changes, reason in read:
        content_type, type_name = types[type_id]
        lines = ""
        if action == AuditAction.UPDATE:
            entry = SimpleNamespace(content_type=content_type, changes=changes)
            lines = html_rows(
                CHANGE_LINE,
                (
                    (label, formats.localize(old), formats.localize(new))
                    for label, old, new in audit_changes(entry, related)
                ),
                sep="",
            )
        rows.append(
            (
                timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
                username,
                actions.get(action, action),
                type_name,
                object_repr,
                lines,
                reason,
            )
        )
    return html_rows(HISTORY_ROW, rows)


def _shown(factor: dict[str, Any]) -> Any:
    """A classification factor's value as the dossier shows it (labels, 是/否)."""
    value = factor["value"]
    if isinstance(value, bool):
        return "是" if value else "否"
    try:
        choices = dict(Mine._meta.get_field(factor["name"]).flatchoices)
    except FieldDoesNotExist:
        return value
    return choices.get(value, value)


class MineEditView(ScopedFormView):
    model = Mine
    form_class = forms.MineForm
    action = CHANGE
    title = "编辑煤矿档案"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Mine:
        return get_scoped(Mine, request.user, CHANGE, pk=kwargs["pk"])

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}


class ClassOverrideView(ScopedFormView):
    """REG-4: only a regulator changes a supervision class, always with a reason."""

    model = Mine
    form_class = forms.ClassOverrideForm
    action = CLASSIFY
    title = "调整监管类别"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Mine:
        return get_scoped(Mine, request.user, CLASSIFY, pk=kwargs["pk"])


class StatusChangeView(ScopedFormView):
    """REG-7: change the production status with a reason; resumption needs acceptance."""

    model = StatusChange
    pk_model = Mine
    form_class = forms.StatusChangeForm
    action = ADD
    title = "变更生产状态"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> StatusChange:
        mine = get_scoped(Mine, request.user, CHANGE, pk=kwargs["pk"])
        require(request.user, StatusChange, ADD)
        return StatusChange(mine=mine, old_status=mine.status, changed_on=local_date())

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "mine": instance.mine}

    def save(self, form: Any) -> Mine:
        change = form.save(commit=False)
        change.changed_by = str(self.request.user)
        change.save()
        mine = change.mine
        mine.status = change.new_status
        mine.save()
        services.check_licences(mine, timezone.now())
        return mine


class MineChildCreateView(ScopedFormView):
    """Add a working face, licence, appraisal or assignment to a mine the user may edit."""

    pk_model = Mine
    action = ADD

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Any:
        mine = get_scoped(Mine, request.user, VIEW, pk=kwargs["pk"])
        require(request.user, self.model, ADD)
        return self.model(mine=mine)

    def success_url(self, obj: Any) -> str:
        return str(obj.mine.get_absolute_url())

    def save(self, form: Any) -> Any:
        obj = form.save()
        if isinstance(obj, DisasterAppraisal):
            obj.mine.apply_appraisals()
            obj.mine.save()
        if isinstance(obj, Licence):
            services.check_licences(obj.mine, timezone.now())
        return obj


class MineChildEditView(MineChildCreateView):
    pk_model = None
    action = CHANGE

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Any:
        return get_scoped(self.model, request.user, CHANGE, pk=kwargs["pk"])


class MineChildDeleteView(LoginRequiredMixin, View):
    """Delete an object hanging off a mine (POST only), with the reason on the audit row."""

    model: Any = None
    action = DELETE
    pk_model = None

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_scoped(self.model, request.user, DELETE, pk=pk)
        mine = obj.mine
        with audit_reason(request.POST.get("reason", "").strip() or "删除"):
            obj.delete()
        if isinstance(obj, Licence):
            services.check_licences(mine, timezone.now())
        messages.success(request, f"已删除：{obj}")
        return HttpResponseRedirect(mine.get_absolute_url())
