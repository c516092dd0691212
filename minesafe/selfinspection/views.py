"""Pages of self-inspection campaigns (HAZ-8): campaigns with progress, a mine's report form,
signing, review, checklist templates and their Excel import."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_safe

from minesafe.core.context import audit_reason
from minesafe.core.scoping import ADD, VIEW, can
from minesafe.core.transitions import steps_of
from minesafe.core.views import (
    WorkflowStepView,
    add_errors,
    download,
    get_scoped,
    is_htmx,
    paginate,
    parse_id,
    pk_model,
    require,
)
from minesafe.localtime import local_date
from minesafe.selfinspection import excel, forms, rules, services
from minesafe.selfinspection.choices import (
    REPORT_COLORS,
    RESULT_COLORS,
    AnswerResult,
    ReportStatus,
    TemplateKind,
)
from minesafe.selfinspection.models import (
    ANSWER,
    IMPORT,
    REVIEW,
    SIGN,
    Campaign,
    CampaignReport,
    ChecklistItem,
    ChecklistTemplate,
)


def _reports(request: HttpRequest) -> QuerySet[CampaignReport]:
    return CampaignReport.objects.restrict(request.user, VIEW).select_related(
        "mine", "campaign", "campaign__template"
    )


def _progress_rows(reports: QuerySet[CampaignReport], today: dt.date) -> list[dict[str, Any]]:
    """Per mine: answered items of the template, status, overdue (HAZ-8 campaign progress)."""
    rows = []
    # Items are counted per template apart: joining answers and items in one query multiplies
    # the rows (answers × items per report), which took seconds on a county's campaign.
    annotated = list(
        reports.annotate(answered=Count("answers", distinct=True)).order_by("mine__code")
    )
    templates = {r.campaign.template_id for r in annotated}
    totals = dict(
        ChecklistItem.objects.filter(section__template__in=templates)
        .values_list("section__template")
        .annotate(n=Count("pk"))
    )
    for report in annotated:
        total = totals.get(report.campaign.template_id, 0)
        rows.append(
            {
                "report": report,
                "answered": min(report.answered, total),
                "total": total,
                "overdue": rules.is_overdue(report.status, report.campaign.deadline, today),
            }
        )
    return rows


def _status_counts(reports: QuerySet[CampaignReport]) -> dict[str, int]:
    counts = dict(reports.values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in ReportStatus.values}


@login_required
@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns in the user's view, with counts per status and overdue reports (HAZ-8)."""
    today = local_date()
    campaigns = Campaign.objects.restrict(request.user, VIEW).select_related(
        "template", "organization"
    )
    reports = _reports(request)
    rows = []
    page = paginate(request, campaigns)
    for campaign in page:
        mine_reports = reports.filter(campaign=campaign)
        counts = _status_counts(mine_reports)
        overdue = sum(
            counts[s] for s in rules.EDITABLE if rules.is_overdue(s, campaign.deadline, today)
        )
        rows.append({"campaign": campaign, "counts": counts, "overdue": overdue})
    context = {
        "rows": rows,
        "page": page,
        "can_add": can(request.user, Campaign, ADD),
        "lacking": services.mines_lacking_inspection(request.user, today),
        "months": rules.frequency_months(today),
        "statuses": ReportStatus.choices,
    }
    return render(request, "selfinspection/campaign_list.html", context)


@login_required
@require_safe
@pk_model(Campaign)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One campaign: each mine's progress (answered / signed / accepted), overdue reports."""
    campaign = get_scoped(Campaign, request.user, VIEW, pk=pk)
    today = local_date()
    reports = _reports(request).filter(campaign=campaign)
    rows = _progress_rows(reports, today)
    counts = _status_counts(reports)
    chart = [
        {"name": label, "value": counts[value], "color": REPORT_COLORS[value]}
        for value, label in ReportStatus.choices
    ]
    context = {
        "campaign": campaign,
        "rows": rows,
        "counts": counts,
        "overdue": sum(r["overdue"] for r in rows),
        "chart": chart,
        "report_colors": REPORT_COLORS,
        "statuses": ReportStatus.choices,
    }
    return render(request, "selfinspection/campaign_detail.html", context)


class CampaignCreateView(LoginRequiredMixin, View):
    """A regulator launches a campaign over mines of its jurisdiction (HAZ-8)."""

    model = Campaign
    action = ADD

    def _form(self, request: HttpRequest) -> forms.CampaignForm:
        data = request.POST if request.method == "POST" else None
        initial = {"deadline": local_date() + dt.timedelta(days=30)}
        return forms.CampaignForm(data, user=request.user, initial=initial)

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request.user, Campaign, ADD)
        return self._render(request, self._form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        require(request.user, Campaign, ADD)
        form = self._form(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with audit_reason("发起自查自改活动"):
                    campaign = services.launch_campaign(
                        user=request.user,
                        name=data["name"],
                        template=data["template"],
                        mines=data["chosen"],
                        deadline=data["deadline"],
                        today=local_date(),
                        scope_mode=data["scope_mode"],
                        scope_note=form.scope_note(),
                        instructions=data["instructions"],
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"已发起，共{campaign.reports.count()}处煤矿")
                return HttpResponseRedirect(campaign.get_absolute_url())
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        return render(request, "selfinspection/campaign_form.html", {"form": form}, status=status)


def _posted(post: Any, item_id: int) -> Any:
    """What the user just typed for an item, shown again when the form comes back with errors."""
    prefix = f"item-{item_id}"
    if not post or f"{prefix}-result" not in post:
        return None
    return SimpleNamespace(
        result=post.get(f"{prefix}-result"),
        finding=post.get(f"{prefix}-finding", ""),
        place=post.get(f"{prefix}-place", ""),
    )


def post_item_ids(post: Any) -> list[int]:
    return [i for i in (_item_id(k) for k in post) if i is not None]


def _item_id(key: str) -> int | None:
    parts = key.split("-")
    return parse_id(parts[1]) if len(parts) >= 2 and parts[0] == "item" else None


def _sections(report: CampaignReport, post: Any = None) -> list[dict[str, Any]]:
    """The template's sections, each with its items and the report's answers to them."""
    answers: dict[int, Any] = services.answers_by_item(report)
    if post:
        answers.update({k: v for k, v in ((i, _posted(post, i)) for i in post_item_ids(post)) if v})
    sections: dict[int, dict[str, Any]] = {}
    for item in services.template_items(report):
        entry = sections.setdefault(
            item.section_id, {"section": item.section, "items": [], "answered": 0}
        )
        answer = answers.get(item.pk)
        entry["items"].append({"item": item, "answer": answer})
        entry["answered"] += answer is not None
    return list(sections.values())


def _report_context(request: HttpRequest, report: CampaignReport) -> dict[str, Any]:
    today = local_date()
    user = request.user
    editable = report.status in rules.EDITABLE
    visible = CampaignReport.objects.restrict(user, VIEW).filter(pk=report.pk)

    def allowed(action: str) -> bool:
        return visible.filter(pk__in=CampaignReport.objects.restrict(user, action)).exists()

    return {
        "report": report,
        "sections": _sections(report),
        "completeness": services.report_completeness(report),
        "transitions": steps_of(report.transitions.all(), rules.REPORT_WORKFLOW),
        "overdue": rules.is_overdue(report.status, report.campaign.deadline, today),
        "can_answer": editable and allowed(ANSWER),
        "can_sign": editable and allowed(SIGN),
        "can_review": report.status == ReportStatus.SIGNED and allowed(REVIEW),
        "report_colors": REPORT_COLORS,
        "result_colors": RESULT_COLORS,
        "results": AnswerResult.choices,
    }


@login_required
@require_safe
@pk_model(CampaignReport)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A mine's report: every item's answer, history, and the actions the user may take."""
    report = get_scoped(CampaignReport, request.user, VIEW, pk=pk)
    return render(request, "selfinspection/report_detail.html", _report_context(request, report))


class ReportAnswerView(LoginRequiredMixin, View):
    """The mine answers items, all at once or one section at a time with htmx (HAZ-8)."""

    model = CampaignReport
    action = ANSWER

    def _report(self, request: HttpRequest, pk: int) -> CampaignReport:
        report: CampaignReport = get_scoped(CampaignReport, request.user, ANSWER, pk=pk)
        return report

    def _section_id(self, request: HttpRequest) -> int | None:
        raw = request.GET.get("section") or request.POST.get("section") or ""
        return parse_id(raw)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(request, pk)
        return self._render(request, report, {}, self._section_id(request))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(request, pk)
        section = self._section_id(request)
        items = list(services.template_items(report))
        if section is not None:
            items = [i for i in items if i.section_id == section]
        answers, errors = forms.parse_answers(request.POST, items)
        if not errors:
            try:
                with audit_reason("填写自查结果"):
                    services.save_answers(report, answers)
            except ValidationError as exc:
                errors = {k: "；".join(v) for k, v in exc.message_dict.items()}
        if errors:
            return self._render(request, report, errors, section, status=400, post=request.POST)
        if is_htmx(request):
            return self._render(request, report, {}, section, saved=True)
        messages.success(request, f"已保存 {len(answers)} 项检查结果")
        return HttpResponseRedirect(report.get_absolute_url())

    def _render(
        self,
        request: HttpRequest,
        report: CampaignReport,
        errors: dict[str, str],
        section: int | None,
        status: int = 200,
        post: Any = None,
        saved: bool = False,
    ) -> HttpResponse:
        context = _report_context(request, report)
        if post is not None:
            context["sections"] = _sections(report, post)
        if section is not None:
            context["sections"] = [s for s in context["sections"] if s["section"].pk == section]
        for entry in context["sections"]:  # each error beside its item, counted per section
            entry["errors"] = 0
            for row in entry["items"]:
                row["error"] = errors.get(f"item-{row['item'].pk}")
                entry["errors"] += row["error"] is not None
        known = {f"item-{r['item'].pk}" for e in context["sections"] for r in e["items"]}
        context.update(
            {
                "other_errors": [m for k, m in errors.items() if k not in known],
                "saved": saved,
            }
        )
        template = (
            "selfinspection/_answer_sections.html"
            if is_htmx(request)
            else "selfinspection/report_answer.html"
        )
        return render(request, template, context, status=status)


class ReportStepView(WorkflowStepView):
    """A workflow step on one report (sign, review) on the spine's page view."""

    model = CampaignReport
    template_name = "selfinspection/report_step.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return _report_context(request, obj)


class ReportSignView(ReportStepView):
    """The mine manager signs a complete report; "hazard found" answers become hazards."""

    action = SIGN
    form_class = forms.SignForm
    title = "矿长签字上报"

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        made = services.sign_report(
            obj,
            user=request.user,
            signer_name=data["signer_name"],
            summary=data["summary"],
            now=timezone.now(),
        )
        return f"已签字上报，{made}条隐患已录入隐患台账"


class ReportReviewView(ReportStepView):
    """The regulator accepts a signed report or returns it with reasons."""

    action = REVIEW
    form_class = forms.ReviewForm
    title = "审核自查报告"

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.review_report(
            obj,
            user=request.user,
            decision=data["decision"],
            reason=data["reason"],
            now=timezone.now(),
        )
        return "已审核通过" if data["decision"] == ReportStatus.ACCEPTED else "已退回煤矿重做"


@login_required
@require_safe
def template_list(request: HttpRequest) -> HttpResponse:
    templates = (
        ChecklistTemplate.objects.restrict(request.user, VIEW)
        .annotate(n_items=Count("sections__items"))
        .order_by("kind", "name")
    )
    context = {"templates": templates, "can_import": can(request.user, ChecklistTemplate, IMPORT)}
    return render(request, "selfinspection/template_list.html", context)


@login_required
@require_safe
@pk_model(ChecklistTemplate)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(ChecklistTemplate, request.user, VIEW, pk=pk)
    sections = template.sections.prefetch_related("items")
    return render(
        request,
        "selfinspection/template_detail.html",
        {"template": template, "sections": sections},
    )


@login_required
@require_safe
def template_download(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind")
    kind = kind if kind in TemplateKind.values else TemplateKind.UNDERGROUND
    return download(excel.template_workbook(kind), f"checklist-{kind}.xlsx")


class TemplateImportView(LoginRequiredMixin, View):
    """Import a checklist from Excel; a bad row imports nothing (row/column report)."""

    model = ChecklistTemplate
    action = IMPORT

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request.user, ChecklistTemplate, IMPORT)
        return self._render(request, forms.TemplateImportForm(), None)

    def post(self, request: HttpRequest) -> HttpResponse:
        require(request.user, ChecklistTemplate, IMPORT)
        form = forms.TemplateImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, None, status=400)
        data = form.cleaned_data
        with audit_reason("导入检查表"):
            result = excel.import_checklist(
                data["file"], name=data["name"], kind=data["kind"], version=data["version"]
            )
        if result.ok:
            messages.success(request, "检查表导入成功")
            pk = result.detail["template"]
            return HttpResponseRedirect(reverse("selfinspection:template_detail", args=[pk]))
        return self._render(request, form, result, status=400)

    def _render(
        self, request: HttpRequest, form: Any, result: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "selfinspection/template_import.html",
            {"form": form, "result": result},
            status=status,
        )
