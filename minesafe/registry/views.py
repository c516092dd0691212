"""Pages of the register: county overview, mine list, import/export, enterprises, licences and
the rules page. The mine dossier and its edits are in :mod:`minesafe.registry.dossier`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from minesafe.citations import cite
from minesafe.core.filters import render_controls
from minesafe.core.roles import MINE_ROLES
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.views import (
    ScopedFormView,
    download,
    export_url,
    get_scoped,
    html_rows,
    is_htmx,
    paginate,
    pk_model,
    query_without,
    require,
    sort_queryset,
)
from minesafe.localtime import local_date
from minesafe.registry import excel, excel_import, forms, rules, services
from minesafe.registry.choices import (
    CLASS_COLORS,
    LICENCE_COLORS,
    STATUS_COLORS,
    AccidentGrade,
    GasGrade,
    LicenceWarning,
    MineStatus,
    SupervisionClass,
)
from minesafe.registry.filters import (
    EnterpriseFilterSet,
    LicenceFilterSet,
    MineFilterSet,
)
from minesafe.registry.models import (
    IMPORT,
    Enterprise,
    Licence,
    Mine,
)

MINE_SORTS = {
    "code": "code",
    "name": "name",
    "enterprise": "enterprise__name",
    "county": "county__name",
    "status": "status",
    "class": "supervision_class",
    "capacity": "capacity",
    "gas": "gas_grade",
}


def _mines(request: HttpRequest) -> QuerySet[Mine]:
    return Mine.objects.restrict(request.user, VIEW).select_related("enterprise", "county")


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The county overview: counts by status and class, licence warnings, charts (REG-3, REG-4).
    A mine's staff have their own home page; a one-mine "county overview" would only mislead."""
    if request.user.role in MINE_ROLES:
        return HttpResponseRedirect(reverse("home"))
    return render(request, "registry/overview.html", overview_context(request))


def overview_context(request: HttpRequest) -> dict[str, Any]:
    """What the county overview shows (also the regulator's home page)."""
    mines = Mine.objects.restrict(request.user, VIEW)
    today = local_date()
    by_status = dict(mines.values_list("status").annotate(n=Count("pk")))
    by_class = dict(mines.values_list("supervision_class").annotate(n=Count("pk")))
    by_gas = dict(mines.values_list("gas_grade").annotate(n=Count("pk")))
    licences = (
        Licence.objects.restrict(request.user, VIEW)
        .filter(valid_until__lte=today + timezone.timedelta(days=90))
        .select_related("mine")
        .order_by("valid_until")
    )
    warnings = Counter(rules.licence_warning(lic.valid_until, today) for lic in licences)
    charts = {
        "status": [
            {"name": label, "value": by_status.get(value, 0)} for value, label in MineStatus.choices
        ],
        "classes": {
            "labels": SupervisionClass.labels,
            "values": [by_class.get(v, 0) for v in SupervisionClass.values],
        },
        "gas": [
            {"name": label, "value": by_gas.get(value, 0)} for value, label in GasGrade.choices
        ],
    }
    context = {
        "total": mines.count(),
        "producing": by_status.get(MineStatus.PRODUCING, 0),
        "class_c": by_class.get(SupervisionClass.C, 0),
        "key_mines": mines.filter(Mine.key_mine_q()).count(),
        "warnings": {w: warnings.get(w, 0) for w in ("expired", "30", "90")},
        "licences": [(lic, rules.licence_warning(lic.valid_until, today)) for lic in licences[:15]],
        "charts": charts,
        "class_counts": [
            (v, label, by_class.get(v, 0), CLASS_COLORS[v]) for v, label in SupervisionClass.choices
        ],
        "status_counts": [
            (v, label, by_status.get(v, 0), STATUS_COLORS[v]) for v, label in MineStatus.choices
        ],
    }
    return context


def _filtered_mines(request: HttpRequest) -> tuple[MineFilterSet, QuerySet[Mine], str]:
    filterset = MineFilterSet(request.GET or None, queryset=_mines(request), request=request)
    queryset, sort = sort_queryset(filterset.qs, request.GET.get("sort"), MINE_SORTS, "code")
    return filterset, queryset, sort


MINE_COLUMNS = [
    ("code", "煤矿编码"),
    ("name", "煤矿名称"),
    ("enterprise", "主体企业"),
    ("county", "县区"),
    ("status", "生产状态"),
    ("class", "监管类别"),
    ("gas", "瓦斯等级"),
    ("capacity", "产能(万吨/年)"),
]


def _sort_columns(request: HttpRequest, sort: str) -> list[tuple[str, str, str]]:
    """(label, link, arrow) per column: a click sorts by it, a second click reverses."""
    base = query_without(request, "page", "sort")
    columns = []
    for key, label in MINE_COLUMNS:
        target = f"-{key}" if sort == key else key
        arrow = "▲" if sort == key else "▼" if sort == f"-{key}" else ""
        columns.append((label, f"?{base}&sort={target}".replace("?&", "?"), arrow))
    return columns


# What a row of the mine list shows; the list loads only these columns (no JSON fields).
MINE_ROW_FIELDS = (
    "code",
    "name",
    "status",
    "supervision_class",
    "gas_grade",
    "capacity",
    "enterprise__name",
    "county__name",
)
MINE_ROW = (
    '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
    '<td><span class="badge {}">{}</span></td><td><span class="badge {}">{}</span></td>'
    "<td>{}</td><td>{}</td></tr>"
)


def _mine_rows(mines: Any) -> SafeString:
    """The 50 rows of a list page as HTML, built in Python rather than by the template engine.

    Resolving eight variables, two badges and two filters per row through templates was about
    40 % of the list's cost per request (docs/web-performance.md); the cells are the same
    (escaped as templates escape, badges as the ``badge`` tag draws them, capacity localized).
    """
    return html_rows(
        MINE_ROW,
        (
            (
                mine.code,
                mine.get_absolute_url(),
                mine.name,
                mine.enterprise.name,
                mine.county.name,
                STATUS_COLORS.get(mine.status) or "grey",
                mine.get_status_display(),
                CLASS_COLORS.get(mine.supervision_class) or "grey",
                mine.get_supervision_class_display(),
                mine.get_gas_grade_display(),
                formats.localize(mine.capacity),
            )
            for mine in mines
        ),
    )


@login_required
@require_safe
def mine_list(request: HttpRequest) -> HttpResponse:
    """The register with filters, sorting and pages; htmx swaps only the table (REG-1)."""
    filterset, queryset, sort = _filtered_mines(request)
    page = paginate(request, queryset.only(*MINE_ROW_FIELDS))
    htmx = is_htmx(request)
    context = {
        "filter_controls": "" if htmx else render_controls(filterset.form),
        "rows": _mine_rows(page),
        "page": page,
        "sort": sort,
        "query": query_without(request, "page"),
        "columns": _sort_columns(request, sort),
        "can_import": can(request.user, Mine, IMPORT),
        "export_url": export_url(request, "registry:mine_export"),
        "htmx": htmx,
    }
    template = "registry/_mine_table.html" if htmx else "registry/mine_list.html"
    return render(request, template, context)


@login_required
@require_safe
def mine_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as Excel; the same scope and filters as the list."""
    _, queryset, _ = _filtered_mines(request)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return download(excel.export_mines(queryset), f"mines-{stamp}.xlsx")


@login_required
@require_safe
def import_template(request: HttpRequest) -> HttpResponse:
    return download(excel.template_workbook(), "mine-register-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def mine_import(request: HttpRequest) -> HttpResponse:
    """Excel import: one bad row imports nothing and answers a per-row, per-column report."""
    require(request.user, Mine, IMPORT)
    result = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的Excel文件")
            status = 400
        else:
            result = excel_import.import_mines(upload, request.user)
            if result.ok:
                messages.success(
                    request, f"导入成功：新增 {result.created} 座，更新 {result.updated} 座"
                )
                return HttpResponseRedirect(reverse("registry:mine_list"))
            status = 400
    return render(request, "registry/mine_import.html", {"result": result}, status=status)


class EnterpriseCreateView(ScopedFormView):
    """Regulators register an enterprise (so its first mine can be imported)."""

    model = Enterprise
    form_class = forms.EnterpriseForm
    action = ADD
    title = "新增企业"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Enterprise:
        require(request.user, Enterprise, ADD)
        division = request.user.organization.division if request.user.organization_id else None
        return Enterprise(division=division)

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}


class EnterpriseEditView(EnterpriseCreateView):
    action = CHANGE
    title = "编辑企业"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Enterprise:
        return get_scoped(Enterprise, request.user, CHANGE, pk=kwargs["pk"])


@login_required
@require_safe
def enterprise_list(request: HttpRequest) -> HttpResponse:
    base = Enterprise.objects.restrict(request.user, VIEW).annotate(mine_count=Count("mines"))
    filterset = EnterpriseFilterSet(request.GET or None, queryset=base, request=request)
    page = paginate(request, filterset.qs.order_by("path"))
    context = {"filter": filterset, "page": page, "can_add": can(request.user, Enterprise, ADD)}
    return render(request, "registry/enterprise_list.html", context)


@login_required
@require_safe
@pk_model(Enterprise)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_scoped(Enterprise, request.user, VIEW, pk=pk)
    mines = _mines(request).filter(enterprise__path__startswith=enterprise.path)
    children = Enterprise.objects.restrict(request.user, VIEW).filter(parent=enterprise)
    context = {
        "enterprise": enterprise,
        "can_edit": Enterprise.objects.restrict(request.user, CHANGE).filter(pk=pk).exists(),
        "chain": enterprise.chain(),
        "children": children,
        "mines": mines,
        "status_colors": STATUS_COLORS,
        "class_colors": CLASS_COLORS,
    }
    return render(request, "registry/enterprise_detail.html", context)


@login_required
@require_safe
def licence_list(request: HttpRequest) -> HttpResponse:
    """Licences with their expiry warnings (REG-3)."""
    base = (
        Licence.objects.restrict(request.user, VIEW).select_related("mine").order_by("valid_until")
    )
    filterset = LicenceFilterSet(request.GET or None, queryset=base, request=request)
    page = paginate(request, filterset.qs)
    today = local_date()
    rows = [(lic, lic.warning(today)) for lic in page]
    producing = (
        _mines(request)
        .filter(status__in=[MineStatus.PRODUCING, MineStatus.TRIAL])
        .prefetch_related("licences")
    )
    chosen = filterset.form.cleaned_data.get("mine") if filterset.is_valid() else None
    if chosen is not None:  # the page filtered to one mine shows that mine's flags only
        producing = producing.filter(pk=chosen.pk)
    unlicensed = [(m, f) for m in producing if (f := services.licence_flags(m, today))]
    context = {
        "unlicensed": unlicensed,
        "unlicensed_basis": (
            f"依据{cite(services.SOURCE)}，生产或联合试运转期间无有效证照属无证生产，"
            "已提请隐患台账认定为重大隐患。"
        ),
        "filter": filterset,
        "page": page,
        "rows": rows,
        "licence_colors": LICENCE_COLORS,
        "licence_labels": dict(LicenceWarning.choices),
    }
    return render(request, "registry/licence_list.html", context)


@login_required
@require_safe
def rules_page(request: HttpRequest) -> HttpResponse:
    """REG-8 and ACC-2 calculators: the same functions as the CLI and the API."""
    approval_form = forms.ProjectApprovalForm(request.GET if "kind" in request.GET else None)
    accident_form = forms.AccidentGradeForm(request.GET if "deaths" in request.GET else None)
    approval = accident = None
    status = 200
    if approval_form.is_bound:
        if approval_form.is_valid():
            approval = rules.project_approval(
                **{
                    **approval_form.cleaned_data,
                    "capacity": float(approval_form.cleaned_data["capacity"]),
                }
            )
        else:
            status = 400
    if accident_form.is_bound:
        if accident_form.is_valid():
            data = accident_form.cleaned_data
            accident = rules.accident_grade(
                deaths=data["deaths"],
                serious_injuries=data["serious_injuries"],
                direct_loss=float(data["direct_loss"]),
            )
        else:
            status = 400
    context = {
        "approval_form": approval_form,
        "accident_form": accident_form,
        "approval": approval,
        "accident": accident,
        "accident_label": AccidentGrade(accident.grade).label if accident else "",
    }
    return render(request, "registry/rules.html", context, status=status)
