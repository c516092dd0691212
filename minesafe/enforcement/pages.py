"""Pages around the records: overview, plans and progress, draws, expert pool, manager scores,
referrals, public notices and reports (ENF-1, ENF-2, ENF-4, ENF-7 … ENF-10, PER-9)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from minesafe.accounts.choices import GOVERNMENT_ROLES
from minesafe.citations import cite
from minesafe.core import sealing
from minesafe.core.context import audit_reason
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.views import download, get_scoped, paginate, pk_model, plain_text, require
from minesafe.enforcement import forms, pdf, planning, reports, rules, services
from minesafe.enforcement.choices import (
    REFERRAL_COLORS,
    STEP_COLORS,
    ReferralState,
    ReviewStatus,
)
from minesafe.enforcement.models import (
    DRAW,
    AnalysisReport,
    Decision,
    Document,
    Draw,
    Expert,
    Inspection,
    ManagerScore,
    OfficerCertificate,
    Plan,
    PlanEntry,
    QuizResult,
    Referral,
)
from minesafe.enforcement.views import ServiceFormView, _fail, acts_on
from minesafe.localtime import local_date
from minesafe.registry.models import Mine


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The enforcement desk: what is due today for the user's role."""
    user = request.user
    today = local_date()
    inspections = Inspection.objects.restrict(user).select_related("mine", "organization")
    government = user.role in GOVERNMENT_ROLES or user.is_superuser
    context = {
        "upcoming": inspections.filter(signed_by__isnull=True, planned_on__gte=today).order_by(
            "planned_on"
        )[:10],
        "rechecks": inspections.filter(recheck_of__isnull=False, signed_by__isnull=True).order_by(
            "planned_on"
        )[:10],
        "recent": inspections.filter(signed_by__isnull=False).order_by("-finished_at")[:10],
        "pending_reviews": Decision.objects.restrict(user)
        .filter(review_status=ReviewStatus.PENDING)
        .count()
        if government
        else 0,
        "overdue_referrals": Referral.objects.restrict(user)
        .filter(answered_on__isnull=True, due_on__lt=today)
        .count(),
        "stopped": QuizResult.objects.restrict(user).filter(stopped=True).count(),
        "government": government,
        "step_colors": STEP_COLORS,
    }
    return render(request, "enforcement/index.html", context)


# --- plans (ENF-1, ENF-10) -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    """ENF-1: the annual plans the user may see; a body generates its own plan for a year."""
    require(request.user, Plan, VIEW)
    form = forms.PlanForm(request.POST or None, initial={"year": local_date().year})
    status = 200
    if request.method == "POST":
        require(request.user, Plan, ADD)
        if request.user.organization_id is None:
            form.add_error(None, "只有监管监察机构人员可以生成执法计划")
        if form.is_valid():
            plan = planning.generate_plan(request.user.organization, form.cleaned_data["year"])
            messages.success(request, f"已生成 {plan}")
            return HttpResponseRedirect(plan.get_absolute_url())
        status = 400
    plans = Plan.objects.restrict(request.user).select_related("organization")
    context = {"plans": plans, "form": form, "can_add": can(request.user, Plan, ADD)}
    return render(request, "enforcement/plan_list.html", context, status=status)


def _cited(reasons: Any) -> list[str]:
    """Stored reasons as users read them: sources cited officially, whenever they were stored."""
    return [cite(f"{r.get('text', '')}（{r.get('source', '')}）") for r in reasons or []]


@login_required
@require_safe
@pk_model(Plan)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-1: a plan's mines with their checks and reasons, and monthly progress (planned vs
    done) per mine and per inspector."""
    plan = get_scoped(Plan, request.user, VIEW, pk=pk)
    entries = list(
        PlanEntry.objects.restrict(request.user)
        .filter(plan=plan)
        .select_related("mine", "inspector")
    )
    for entry in entries:
        entry.cited_reasons = _cited(entry.reasons)
    context = {
        "plan": plan,
        "entries": entries,
        "progress": planning.plan_progress(plan, entries),
        "months": range(1, 13),
        "can_edit": Plan.objects.restrict(request.user, CHANGE).filter(pk=pk).exists(),
    }
    return render(request, "enforcement/plan_detail.html", context)


class PlanEntryEditView(ServiceFormView):
    """ENF-1: a person adjusts the generated plan for one mine, with a reason."""

    model = PlanEntry
    form_class = forms.PlanEntryForm
    action = CHANGE
    title = "调整计划"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> PlanEntry:
        return get_scoped(PlanEntry, request.user, CHANGE, pk=kwargs["pk"])

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> PlanEntry:
        """The adjustment's reason is the reason of its audit entry, as in the API."""
        with audit_reason(form.cleaned_data["edited_reason"]):
            return form.save()


# --- draws (ENF-2) ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def draw_list(request: HttpRequest) -> HttpResponse:
    """ENF-2: draws of the user's body, and a new weighted random draw."""
    require(request.user, Draw, VIEW)
    form = forms.DrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(request.user, Draw, DRAW)
        if request.user.organization_id is None:
            form.add_error(None, "只有监管监察机构人员可以抽取")
        if form.is_valid():
            try:
                draw = planning.make_draw(
                    organization=request.user.organization,
                    user=request.user,
                    now=timezone.now(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"已抽取 {len(draw.targets)} 座煤矿，检查前对煤矿保密")
                return HttpResponseRedirect(draw.get_absolute_url())
        status = 400
    draws = Draw.objects.restrict(request.user).select_related("organization", "drawn_by")
    context = {
        "draws": paginate(request, draws),
        "form": form,
        "can_draw": can(request.user, Draw, DRAW),
    }
    return render(request, "enforcement/draw_list.html", context, status=status)


@login_required
@require_safe
@pk_model(Draw)
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-2: a draw's seed, inputs and targets, with the re-run check (verify)."""
    draw = get_scoped(Draw, request.user, VIEW, pk=pk)
    ids = [row["mine"] for row in draw.inputs]
    names = dict(Mine.objects.restrict(request.user).filter(pk__in=ids).values_list("pk", "name"))
    rows = [{**row, "name": names.get(row["mine"], "—")} for row in draw.inputs]
    ok, again = planning.verify_draw(draw) if "verify" in request.GET else (None, [])
    context = {
        "draw": draw,
        "rows": rows,
        "targets": [names.get(t, "—") for t in draw.targets],
        "verified": ok,
        "again": [names.get(t, "—") for t in again],
        "inspections": Inspection.objects.restrict(request.user).filter(draw=draw),
    }
    return render(request, "enforcement/draw_detail.html", context)


# --- expert pool (ENF-8) ---------------------------------------------------------------------


@login_required
@require_safe
def expert_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Expert, VIEW)
    experts = Expert.objects.restrict(request.user).select_related(
        "organization", "employer_mine", "employer_enterprise"
    )
    context = {"experts": experts, "can_add": can(request.user, Expert, ADD)}
    return render(request, "enforcement/expert_list.html", context)


class ExpertCreateView(ServiceFormView):
    model = Expert
    form_class = forms.ExpertForm
    action = ADD
    title = "新增专家"

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Expert:
        require(request.user, Expert, ADD)
        return Expert(organization=request.user.organization)

    def save(self, form: Any) -> Expert:
        if form.instance.organization_id is None:
            raise ValidationError("只有监管监察机构人员可以维护专家库")
        return form.save()

    def success_url(self, obj: Any) -> str:
        return reverse("enforcement:expert_list")


class ExpertEditView(ExpertCreateView):
    action = CHANGE
    title = "编辑专家"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Expert:
        return get_scoped(Expert, request.user, CHANGE, pk=kwargs["pk"])


# --- officers' enforcement certificates (ENF-4) --------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@acts_on(OfficerCertificate, ADD)
def officer_list(request: HttpRequest) -> HttpResponse:
    """ENF-4: the officers of the user's body and the bodies below it with their enforcement
    certificate numbers (documents need two certified officers); a post registers or corrects
    one officer's certificate."""
    require(request.user, OfficerCertificate, VIEW)
    status = 200
    if request.method == "POST":
        require(request.user, OfficerCertificate, ADD)
        form = forms.CertificateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            with audit_reason("登记执法证"):
                OfficerCertificate.objects.update_or_create(
                    user=data["user"],
                    defaults={k: data[k] for k in ("number", "issued_by", "valid_until")},
                )
            messages.success(request, f"已登记 {data['user']} 的执法证号 {data['number']}")
            return HttpResponseRedirect(reverse("enforcement:officer_list"))
        status = 400
    else:
        chosen = request.GET.get("user", "")
        form = forms.CertificateForm(
            user=request.user, initial={"user": chosen} if chosen.isdigit() else {}
        )
    people = list(forms.officers(request.user).select_related("organization"))
    certificates = {
        c.user_id: c
        for c in OfficerCertificate.objects.restrict(request.user).filter(user__in=people)
    }
    context = {
        "rows": [(person, certificates.get(person.pk)) for person in people],
        "can_add": can(request.user, OfficerCertificate, ADD),
        "form": form,
    }
    return render(request, "enforcement/officer_list.html", context, status=status)


# --- manager scoring (PER-9) -----------------------------------------------------------------


@login_required
@require_safe
def manager_list(request: HttpRequest) -> HttpResponse:
    """PER-9: managers with points in the cycle; 12 points ⇒ removal proposal."""
    today = local_date()
    since = rules.cycle_start(today, today)
    visible = ManagerScore.objects.restrict(request.user)
    people = visible.values("id_number", "person_name").annotate(total=Sum("points")).order_by()
    cycle = dict(
        ManagerScore.objects.filter(
            id_number__in=[p["id_number"] for p in people], scored_on__gte=since
        )
        .values_list("id_number")
        .annotate(total=Sum("points"))
    )
    rows = []
    for person in people:
        points = cycle.get(person["id_number"], 0)
        latest = visible.filter(id_number=person["id_number"]).first()
        rows.append(
            {
                "name": person["person_name"],
                "points": points,
                "removal": rules.removal_due(points, today),
                "latest": latest,
            }
        )
    rows.sort(key=lambda r: -r["points"])
    return render(request, "enforcement/manager_list.html", {"rows": rows, "since": since})


@login_required
@require_safe
@pk_model(ManagerScore)
def manager_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """PER-9: one manager's history, following the identity number across mines. Rows at mines
    outside the user's jurisdiction count in the total but are not shown."""
    score = get_scoped(ManagerScore, request.user, VIEW, pk=pk)
    today = local_date()
    record = services.manager_record(score.id_number, today)
    rows = (
        ManagerScore.objects.restrict(request.user)
        .filter(id_number=score.id_number)
        .select_related("mine", "inspection")
    )
    shown = sum(r.points for r in rows if r.scored_on >= record.cycle_from)
    context = {
        "score": score,
        "record": record,
        "rows": rows,
        "elsewhere": record.points_in_cycle - shown,
    }
    return render(request, "enforcement/manager_detail.html", context)


# --- referrals (ENF-7) -----------------------------------------------------------------------


@login_required
@require_safe
def referral_list(request: HttpRequest) -> HttpResponse:
    """ENF-7: referrals tracked until answered; overdue ones flagged."""
    require(request.user, Referral, VIEW)
    today = local_date()
    referrals = Referral.objects.restrict(request.user).select_related("mine")
    rows = [(r, rules.referral_state(r.due_on, r.answered_on, today)) for r in referrals]
    context = {
        "rows": rows,
        "labels": dict(ReferralState.choices),
        "colors": REFERRAL_COLORS,
        "can_add": can(request.user, Referral, ADD),
    }
    return render(request, "enforcement/referral_list.html", context)


class ReferralCreateView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralForm
    action = ADD
    title = "移送案件"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Referral:
        require(request.user, Referral, ADD)
        return Referral(sent_on=local_date())

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> Referral:
        referral = form.save(commit=False)
        referral.due_on = services.referral_due(referral.target, referral.sent_on)
        referral.save()
        return referral

    def success_url(self, obj: Any) -> str:
        return reverse("enforcement:referral_list")


class ReferralAnswerView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralAnswerForm
    action = CHANGE
    title = "登记回复"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Referral:
        return get_scoped(Referral, request.user, CHANGE, pk=kwargs["pk"])

    def success_url(self, obj: Any) -> str:
        return reverse("enforcement:referral_list")


# --- public notice and reports (ENF-4, ENF-9) ------------------------------------------------


@login_required
@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    """ENF-4 公示: penalty decisions and suspension orders issued, within the user's scope."""
    documents = (
        Document.objects.restrict(request.user)
        .filter(public=True)
        .select_related("inspection__mine", "organization")
    )
    return render(request, "enforcement/notice_list.html", {"page": paginate(request, documents)})


@login_required
@require_safe
@pk_model(Mine)
def mine_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-9: the three reports of one mine side by side."""
    mine = get_scoped(Mine, request.user, VIEW, pk=pk)
    context = {"mine": mine, **reports.three_reports(mine, request.user)}
    return render(request, "enforcement/mine_reports.html", context)


def _analysis(request: HttpRequest) -> reports.Analysis | None:
    require(request.user, Plan, VIEW)
    form = forms.MonthForm(request.GET)
    if not form.is_valid():
        return None
    year, month = reports.month_bounds(form.cleaned_data.get("month"), local_date())
    return reports.analyse(request.user, year, month)


@login_required
@require_safe
def analysis(request: HttpRequest) -> HttpResponse:
    """ENF-9: the monthly enforcement analysis page."""
    result = _analysis(request)
    if result is None:
        messages.error(request, "月份格式应为 YYYY-MM")
        return HttpResponseRedirect(reverse("enforcement:analysis"))
    month = f"{result.year}-{result.month:02d}"
    today = local_date()
    quarter = (result.month - 1) // 3 + 1
    context = {
        "a": result,
        "month": month,
        "quarter": quarter,
        "monthly": reports.filings(request.user, "monthly", result.year, result.month, today),
        "quarterly": reports.filings(request.user, "quarterly", result.year, quarter, today),
        "may_file": can(request.user, AnalysisReport, ADD),
    }
    return render(request, "enforcement/analysis.html", context)


@login_required
@require_POST
def analysis_file(request: HttpRequest) -> HttpResponse:
    """ENF-9: the user's body files its monthly or quarterly analysis (due by the 5th)."""
    require(request.user, AnalysisReport, ADD)
    form = forms.MonthForm(request.POST)
    period = request.POST.get("period", "")
    if (
        not form.is_valid()
        or not form.cleaned_data.get("month")
        or period
        not in (
            "monthly",
            "quarterly",
        )
    ):
        messages.error(request, "报告期不正确")
        return HttpResponseRedirect(reverse("enforcement:analysis"))
    month = form.cleaned_data["month"]
    year, number = reports.month_bounds(month, local_date())
    if period == "quarterly":
        number = (number - 1) // 3 + 1
    try:
        reports.file_report(request.user, period, year, number, timezone.now())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, "已报送执法分析")
    return HttpResponseRedirect(f"{reverse('enforcement:analysis')}?month={month}")


@login_required
@require_safe
def analysis_pdf(request: HttpRequest) -> HttpResponse:
    result = _analysis(request)
    if result is None:
        return plain_text("月份格式应为 YYYY-MM", status=400)
    chain = sealing.month_summary(result.year, result.month)
    body = pdf.render_analysis(result.title, result.sections(), chain)
    return download(body, f"analysis-{result.year}-{result.month:02d}.pdf", inline=True)


@login_required
@require_safe
def analysis_xlsx(request: HttpRequest) -> HttpResponse:
    result = _analysis(request)
    if result is None:
        return plain_text("月份格式应为 YYYY-MM", status=400)
    name = f"analysis-{result.year}-{result.month:02d}.xlsx"
    return download(reports.analysis_workbook(result), name)


@login_required
@require_POST
@acts_on(Draw, VIEW)
def draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-2: anyone who may see a draw may re-run it from its stored seed and inputs."""
    draw = get_scoped(Draw, request.user, VIEW, pk=pk)
    ok, _ = planning.verify_draw(draw)
    if ok:
        messages.success(request, "复核一致：以相同种子和输入重新抽取，结果与原抽取相同")
    else:
        _fail(request, ValidationError("复核不一致：抽取记录可能被篡改"))
    return HttpResponseRedirect(f"{draw.get_absolute_url()}?verify=1")
