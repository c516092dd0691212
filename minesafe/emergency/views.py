"""Pages of the evacuation orders (MON-8, EMG-2, issue 6 §6): the order list with state counts,
the issue form (from a warning or an alarm case, with the affected mines pre-selected), the
order page (per-mine confirmations, positioning checks, spot checks), the mine's inbox with its
confirmation form, weather warnings, and in-app notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_POST, require_safe

from minesafe.core.filters import render_controls
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.transitions import open_steps, steps_of
from minesafe.core.views import (
    WorkflowStepView,
    add_errors,
    get_scoped,
    is_htmx,
    paginate,
    parse_id,
    pk_model,
    query_without,
    require,
)
from minesafe.core.workflow import Refusal
from minesafe.emergency import forms, rules
from minesafe.emergency.choices import (
    CHECK_COLORS,
    LEVEL_COLORS,
    STATE_COLORS,
    OrderReason,
    TargetState,
)
from minesafe.emergency.filters import OrderFilterSet, WarningFilterSet
from minesafe.emergency.models import (
    CONFIRM,
    SPOT_CHECK,
    EvacuationOrder,
    OrderTarget,
    WeatherWarning,
    alarm_case_model,
)
from minesafe.emergency.services import checks, common, orders, weather
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic
from minesafe.registry.models import Mine


def _colors() -> dict[str, Any]:
    return {
        "state_colors": STATE_COLORS,
        "check_colors": CHECK_COLORS,
        "level_colors": LEVEL_COLORS,
    }


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return parse_id(value)


# --- orders -------------------------------------------------------------------------------


@login_required
@require_safe
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders in jurisdiction with filters (``?mine=`` one mine's) and the count of mines in each
    state (MON-8)."""
    user = request.user
    targets = OrderTarget.objects.restrict(user, VIEW)
    filterset = OrderFilterSet(
        request.GET, EvacuationOrder.objects.restrict(user, VIEW), request=request
    )
    orders = filterset.qs.select_related("warning", "issuer_mine", "issuer_org").order_by(
        "-issued_at", "-pk"
    )
    page = paginate(request, orders)
    counts = {
        row["state"]: row["n"] for row in targets.values("state").annotate(n=Count("pk")).order_by()
    }
    mine_rows: dict[int, list[OrderTarget]] = {}
    for target in targets.filter(order__in=[o.pk for o in page]).select_related("mine"):
        mine_rows.setdefault(target.order_id, []).append(target)
    context = {
        "page": page,
        "rows": [(o, mine_rows.get(o.pk, [])) for o in page],
        "counts": [(value, label, counts.get(value, 0)) for value, label in TargetState.choices],
        "spot_count": targets.filter(checks.needs_spot_check()).count(),
        "filter_controls": render_controls(filterset.form),
        "query": query_without(request, "page"),
        "can_issue": can(user, EvacuationOrder, ADD),
        "now": timezone.now(),
        **_colors(),
    }
    template = "emergency/_order_table.html" if is_htmx(request) else "emergency/order_list.html"
    return render(request, template, context)


class OrderCreateView(LoginRequiredMixin, View):
    """Issue an order (MON-8) — from a weather warning (``?warning=``) or an alarm case
    (``?case=``) with the mines pre-selected — or, for mine staff, their own mine's order
    (EMG-2)."""

    model = EvacuationOrder
    action = ADD

    def setup_order(self, request: HttpRequest) -> dict[str, Any]:
        require(request.user, EvacuationOrder, ADD)
        user = request.user
        mines = Mine.objects.restrict(user).order_by("name", "pk")
        warning = case = None
        proposed: list[tuple[Mine, str]] = []
        warning_id = _int_param(request, "warning")
        if warning_id is not None:
            warning = WeatherWarning.objects.restrict(user).filter(pk=warning_id).first()
            if warning is not None:
                proposed = weather.proposed_mines(warning, user)
        case_id = _int_param(request, "case")
        if case_id is not None:
            AlarmCase = alarm_case_model()

            case = (
                AlarmCase.objects.restrict(user).select_related("mine").filter(pk=case_id).first()
            )
            if case is not None:
                proposed = [(case.mine, f"报警处置 #{case.pk}：{case.get_kind_display()}")]
        return {"mines": mines, "warning": warning, "case": case, "proposed": proposed}

    def initial(self, setup: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        table = common.policy_at(now)
        deadline = timezone.localtime(rules.default_deadline(now, table)).replace(
            second=0, microsecond=0
        )
        initial: dict[str, Any] = {"deadline": deadline, "scope": "whole"}
        warning, case = setup["warning"], setup["case"]
        if warning is not None:
            initial["reason"] = OrderReason.WEATHER
            initial["text"] = (
                f"{warning.issuer}发布{warning}（{timezone.localtime(warning.valid_from):%m月%d日%H:%M}"
                f"至{timezone.localtime(warning.valid_to):%m月%d日%H:%M}），请立即停止作业，"
                "撤出井下全部人员，并在期限前确认撤出人数。"
            )
        elif case is not None:
            initial["reason"] = OrderReason.ALARM
            initial["text"] = (
                f"{case.mine.name}{case.get_kind_display()}报警，请立即撤出受威胁区域人员。"
            )
        if setup["proposed"]:
            initial["mines"] = [m.pk for m, _ in setup["proposed"]]
        elif self.request.user.mine_id:
            initial["mines"] = [self.request.user.mine_id]
            initial["reason"] = initial.get("reason", OrderReason.OTHER)
        return initial

    def render(
        self, request: HttpRequest, form: Any, setup: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "bases": {m.pk: basis for m, basis in setup["proposed"]},
            "self_issued": request.user.mine_id is not None and not request.user.is_superuser,
            **setup,
        }
        return render(request, "emergency/order_form.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        setup = self.setup_order(request)
        form = forms.OrderForm(initial=self.initial(setup, timezone.now()), mines=setup["mines"])
        return self.render(request, form, setup)

    def post(self, request: HttpRequest) -> HttpResponse:
        setup = self.setup_order(request)
        form = forms.OrderForm(request.POST, mines=setup["mines"])
        if form.is_valid():
            data = form.cleaned_data
            bases = {m.pk: basis for m, basis in setup["proposed"]}
            try:
                order = orders.issue_order(
                    user=request.user,
                    mines=list(data["mines"]),
                    reason=data["reason"],
                    text=data["text"],
                    deadline=data["deadline"],
                    now=timezone.now(),
                    warning=setup["warning"],
                    alarm_case=setup["case"],
                    scope=data["scope"],
                    areas=form.area_list(),
                    bases=bases,
                )
            except (Refusal, ValidationError) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"撤人指令{order.number}已下达")
                return HttpResponseRedirect(order.get_absolute_url())
        return self.render(request, form, setup, status=400)


@login_required
@require_safe
@pk_model(EvacuationOrder)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The order and its mines (only those the user may see): confirmations, positioning
    checks with the people listed, spot checks."""
    order = get_scoped(EvacuationOrder, request.user, VIEW, pk=pk)
    user = request.user
    targets = (
        OrderTarget.objects.restrict(user, VIEW)
        .filter(order=order)
        .select_related("mine")
        .prefetch_related("spot_checks", "events")
        .order_by("mine__name", "pk")
    )
    role = "admin" if user.is_superuser else user.role
    may_lift = (
        not order.is_lifted
        and EvacuationOrder.objects.restrict(user, CHANGE).filter(pk=order.pk).exists()
        and rules.may_lift(role, order.issuer_kind, user.mine_id, [t.mine_id for t in targets])
    )
    context = {
        "order": order,
        "targets": targets,
        "may_lift": may_lift,
        "lift_form": forms.LiftForm(),
        "may_spot": can(user, OrderTarget, SPOT_CHECK),
        "spot_form": forms.SpotCheckForm(),
        "may_confirm": set(
            OrderTarget.objects.restrict(user, CONFIRM)
            .filter(order=order)
            .values_list("pk", flat=True)
        ),
        **_colors(),
    }
    return render(request, "emergency/order_detail.html", context)


class ActionView(LoginRequiredMixin, View):
    """A POST-only action: 404 outside jurisdiction, 403 without the right, 400 with the
    Chinese reason for bad input or a step not allowed now; otherwise back to the page."""

    model: Any = OrderTarget
    action = VIEW
    title = ""

    def make_form(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def perform(self, obj: Any, form: Any) -> str:
        raise NotImplementedError

    def back(self, obj: Any) -> str:
        return str(obj.get_absolute_url())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_scoped(self.model, request.user, self.action, pk=pk)
        form = self.make_form(request)
        if form.is_valid():
            try:
                done = self.perform(obj, form)
            except Refusal as refusal:
                if refusal.forbidden:
                    raise PermissionDenied(refusal.message) from refusal
                add_errors(form, refusal)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(self.back(obj))
        context = {"form": form, "title": self.title, "back": self.back(obj)}
        return render(request, "emergency/action_error.html", context, status=400)


class OrderLiftView(ActionView):
    model = EvacuationOrder
    action = CHANGE
    title = "解除撤人指令"

    def make_form(self, request: HttpRequest) -> Any:
        return forms.LiftForm(request.POST)

    def perform(self, obj: Any, form: Any) -> str:
        orders.lift(obj, self.request.user, timezone.now(), form.cleaned_data["reason"])
        return "撤人指令已解除"


class TargetStepView(WorkflowStepView):
    """A step of the mine on its part of an order (``rules.TARGET_WORKFLOW``) on the spine's
    page view; the target page's forms post here, so there is nothing to GET."""

    model = OrderTarget
    action = CONFIRM
    template_name = "emergency/action_error.html"
    http_method_names = ["post"]

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"back": obj.get_absolute_url()}


class ReceiveView(TargetStepView):
    form_class = forms.ReceiveForm
    title = "签收撤人指令"

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        orders.receive(obj, request.user, timezone.now())
        return "已签收"


class ConfirmView(TargetStepView):
    form_class = forms.ConfirmForm
    title = "确认撤离"

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        target = orders.confirm(
            obj,
            request.user,
            timezone.now(),
            people_out=data["people_out"],
            people_remaining=data["people_remaining"],
            exemptions=data["exemption_list"],
            note=data.get("note", ""),
        )
        return f"已确认撤离；人员定位核查：{target.get_check_result_display()}"


class SpotCheckView(ActionView):
    action = SPOT_CHECK
    title = "撤人抽查"

    def make_form(self, request: HttpRequest) -> Any:
        return forms.SpotCheckForm(request.POST)

    def back(self, obj: Any) -> str:
        return str(obj.order.get_absolute_url())

    def perform(self, obj: Any, form: Any) -> str:
        data = form.cleaned_data
        checks.spot_check(
            obj,
            self.request.user,
            timezone.now(),
            method=data["method"],
            compliant=data["compliant"],
            findings=data["findings"],
            people=form.people_list(),
            checked_at=data.get("checked_at"),
        )
        return (
            "抽查已记录"
            if data["compliant"]
            else "抽查已记录：未落实撤人，已登记三违和重大隐患候选"
        )


# --- the mine's inbox ---------------------------------------------------------------------


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """Orders waiting on the user's mine (mine staff) or every running target in jurisdiction."""
    targets = (
        OrderTarget.objects.restrict(request.user, VIEW)
        .select_related("order", "mine")
        .order_by("-order__issued_at", "mine__name", "pk")
    )
    show = request.GET.get("show", "open")
    if show != "all":
        targets = targets.filter(
            state__in=[
                TargetState.ISSUED,
                TargetState.RECEIVED,
                TargetState.OVERDUE,
                TargetState.MISMATCH,
            ]
        )
    context = {
        "page": paginate(request, targets),
        "show": show,
        "query": query_without(request, "page"),
        "now": timezone.now(),
        **_colors(),
    }
    return render(request, "emergency/inbox.html", context)


@login_required
@require_safe
@pk_model(OrderTarget)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One mine's part of an order, with its history and, for the mine, the confirmation form."""
    target = get_scoped(OrderTarget, request.user, VIEW, pk=pk)
    may_confirm = OrderTarget.objects.restrict(request.user, CONFIRM).filter(pk=pk).exists()
    steps = {step.name for step in open_steps(orders.TARGETS, target, request.user)}
    context = {
        "target": target,
        "order": target.order,
        "events": steps_of(target.events.all(), rules.TARGET_WORKFLOW),
        "spot_checks": target.spot_checks.all(),
        "may_receive": may_confirm and "receive" in steps,
        "may_confirm": may_confirm and "confirm" in steps and not target.order.is_lifted,
        "confirm_form": forms.ConfirmForm(),
        **_colors(),
    }
    return render(request, "emergency/target_detail.html", context)


# --- weather warnings ---------------------------------------------------------------------


@login_required
@require_safe
def warning_list(request: HttpRequest) -> HttpResponse:
    """Warnings affecting the user's area, newest first, with how many orders each led to."""
    filterset = WarningFilterSet(
        request.GET, WeatherWarning.objects.restrict(request.user, VIEW), request=request
    )
    warnings = filterset.qs.prefetch_related("divisions").order_by("-valid_from", "-pk")
    page = paginate(request, warnings)
    orders = EvacuationOrder.objects.restrict(request.user, VIEW)
    counts = {
        r["warning_id"]: r["n"]
        for r in orders.filter(warning__in=[w.pk for w in page])
        .values("warning_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    context = {
        "page": page,
        "rows": [(w, counts.get(w.pk, 0)) for w in page],
        "filter_controls": render_controls(filterset.form),
        "now": timezone.now(),
        "can_add": can(request.user, WeatherWarning, ADD),
        "can_issue": can(request.user, EvacuationOrder, ADD),
        "query": query_without(request, "page"),
        **_colors(),
    }
    return render(request, "emergency/warning_list.html", context)


class WarningCreateView(LoginRequiredMixin, View):
    model = WeatherWarning
    action = ADD

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request.user, WeatherWarning, ADD)
        form = forms.WarningForm(user=request.user)
        return render(request, "form.html", {"form": form, "title": "录入气象预警"})

    def post(self, request: HttpRequest) -> HttpResponse:
        require(request.user, WeatherWarning, ADD)
        form = forms.WarningForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            divisions = data.pop("divisions")
            try:
                warning = weather.record_warning(user=request.user, divisions=divisions, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "气象预警已录入，请核对拟下达撤人指令的煤矿")
                return HttpResponseRedirect(warning.get_absolute_url())
        return render(request, "form.html", {"form": form, "title": "录入气象预警"}, status=400)


# --- notices ------------------------------------------------------------------------------


@login_required
@require_safe
def notices(request: HttpRequest) -> HttpResponse:
    """The user's in-app notices about evacuation orders."""
    rows = notifications.inbox(request.user, Topic.EVACUATION)
    context = {"page": paginate(request, rows), "query": query_without(request, "page")}
    return render(request, "emergency/notices.html", context)


@login_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    notifications.mark_read(notifications.inbox(request.user, Topic.EVACUATION))
    return HttpResponseRedirect(reverse("emergency:notices"))
