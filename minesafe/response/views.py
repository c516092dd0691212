"""Pages of the graded response (MON-4, issue 6 §1–§3): the case list with "my alarms", the case
page with its timeline and the actions of the loop, planned work, and in-app notifications with
an unread badge refreshed by htmx polling."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_POST, require_safe

from minesafe.core.context import audit_reason
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.transitions import steps_of
from minesafe.core.views import (
    ScopedFormView,
    WorkflowStepView,
    get_scoped,
    is_htmx,
    paginate,
    parse_id,
    pk_model,
    query_without,
    require,
)
from minesafe.monitoring.choices import LEVEL_COLORS
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic
from minesafe.response import forms, rules, services
from minesafe.response.choices import STATE_COLORS
from minesafe.response.filters import CaseFilterSet
from minesafe.response.models import ACT, COMMENT, AlarmCase, PlannedWork


def _colors() -> dict[str, Any]:
    return {
        "state_colors": STATE_COLORS,
        "level_colors": {int(k): v for k, v in LEVEL_COLORS.items()},
    }


@login_required
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    """All cases in jurisdiction with filters; ``waiting=me`` is "my alarms" (MON-4)."""
    cases = AlarmCase.objects.restrict(request.user, VIEW).select_related("mine", "assignee")
    filterset = CaseFilterSet(request.GET or None, queryset=cases, request=request)
    queryset = filterset.qs.order_by("-opened_at", "-pk")
    page = paginate(request, queryset)
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, "page"),
        "refresh_query": request.GET.urlencode(),
        "now": timezone.now(),
        "waiting_count": cases.filter(services.waiting_on(request.user)).count(),
        **_colors(),
    }
    template = "response/_case_table.html" if is_htmx(request) else "response/case_list.html"
    return render(request, template, context)


@login_required
@require_safe
@pk_model(AlarmCase)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case: its alarm, grouped children, timeline and the steps the user may take."""
    case = get_scoped(AlarmCase, request.user, VIEW, pk=pk)
    user = request.user
    may_act = AlarmCase.objects.restrict(user, ACT).filter(pk=pk).exists()
    context = {
        "case": case,
        "alarm": case.alarm,
        "alarm_open": case.alarm.closed_at is None,
        "children": case.children.select_related("alarm").order_by("opened_at", "pk")[:500],
        "timeline": _timeline(case, user),
        "steps": services.offered_steps(case, user) if may_act else [],
        "may_comment": can(user, AlarmCase, COMMENT),
        # MON-8/EMG-2: an alarm may call for an evacuation order (the emergency area's model).
        "may_evacuate": can(user, apps.get_model("emergency", "EvacuationOrder"), ADD),
        "may_assign": AlarmCase.objects.restrict(user, CHANGE).filter(pk=pk).exists(),
        "assign_form": forms.AssignForm(people=services.assignable(case, request.user)),
        "overdue": rules.is_overdue(case.deadline, timezone.now()) and case.is_open,
        **_colors(),
    }
    return render(request, "response/case_detail.html", context)


def _timeline(case: AlarmCase, user: Any) -> list[dict[str, Any]]:
    """History, comments and notifications of a case in time order."""
    rows = list(case.transitions.all())
    items: list[dict[str, Any]] = [
        {"at": row.at, "kind": "transition", "item": {**shown, "levels": _levels(row)}}
        for row, shown in zip(rows, steps_of(rows, rules.CASE_WORKFLOW), strict=True)
    ]
    items += [{"at": c.at, "kind": "comment", "item": c} for c in case.comments.all()]
    notes = notifications.about(case, user).select_related("recipient")
    items += [{"at": n.at, "kind": "notification", "item": n} for n in notes[:300]]
    return sorted(items, key=lambda entry: entry["at"])


def _levels(row: Any) -> str:
    """A change of level an entry made, in words (empty when it made none)."""
    if row.old_level and row.old_level != row.new_level:
        return f"等级 {row.old_level} → {row.new_level}"
    return ""


class CaseActionView(LoginRequiredMixin, View):
    """A POST-only action on one case: 404 outside jurisdiction, 403 without the right, 400 with
    the Chinese reason for bad input or an illegal step; otherwise back to the case page."""

    model: Any = AlarmCase
    action = ACT
    title = ""

    def make_form(self, request: HttpRequest, case: AlarmCase) -> Any:
        raise NotImplementedError

    def perform(self, case: AlarmCase, form: Any) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_scoped(AlarmCase, request.user, self.action, pk=pk)
        form = self.make_form(request, case)
        if form.is_valid():
            try:
                self.perform(case, form)
                return HttpResponseRedirect(case.get_absolute_url())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        context = {"case": case, "form": form, "title": self.title}
        return render(request, "response/action_error.html", context, status=400)


class CaseStepView(WorkflowStepView):
    """One step of the loop (acknowledge, dispose, feed back, verify, return, close) on the
    spine's page view; the case page's forms post here, so there is nothing to GET."""

    model = AlarmCase
    action = ACT
    form_class = forms.StepForm
    title = "报警处置"
    template_name = "response/action_error.html"
    http_method_names = ["post"]

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"case": obj}

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.take_step(obj, data["transition"], request.user, timezone.now(), data)
        return f"已{rules.CASE_WORKFLOW.step(data['transition']).label}"


class CaseCommentView(CaseActionView):
    action = COMMENT
    title = "评论"

    def make_form(self, request: HttpRequest, case: AlarmCase) -> Any:
        return forms.CommentForm(request.POST)

    def perform(self, case: AlarmCase, form: Any) -> None:
        services.add_comment(case, self.request.user, form.cleaned_data["text"], timezone.now())


class CaseAssignView(CaseActionView):
    action = CHANGE
    title = "指派"

    def make_form(self, request: HttpRequest, case: AlarmCase) -> Any:
        return forms.AssignForm(request.POST, people=services.assignable(case, request.user))

    def perform(self, case: AlarmCase, form: Any) -> None:
        data = form.cleaned_data
        services.assign(case, self.request.user, data["assignee"], timezone.now(), data["reason"])
        messages.success(self.request, f"已指派给{data['assignee']}")


# --- planned work -----------------------------------------------------------------------------


@login_required
@require_safe
def planned_list(request: HttpRequest) -> HttpResponse:
    """Declared planned work in jurisdiction: upcoming, running and past (issue 6 §2)."""
    works = PlannedWork.objects.restrict(request.user, VIEW).select_related("mine")
    context = {
        "page": paginate(request, works.order_by("-starts_at", "-pk")),
        "now": timezone.now(),
        "can_add": can(request.user, PlannedWork, ADD),
        "may_change": set(
            PlannedWork.objects.restrict(request.user, CHANGE).values_list("pk", flat=True)
        ),
        "query": query_without(request, "page"),
    }
    return render(request, "response/planned_list.html", context)


class PlannedWorkFormMixin(ScopedFormView):
    model = PlannedWork
    form_class = forms.PlannedWorkForm

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def success_url(self, obj: Any) -> str:
        return reverse("response:planned_list")

    def save(self, form: Any) -> Any:
        work = form.save(commit=False)
        if not work.pk:
            work.declared_by = str(self.request.user)
        work.save()
        messages.success(self.request, "计划作业已保存，作业期间范围内的报警将记录但不通知、不升级")
        return work


class PlannedWorkCreateView(PlannedWorkFormMixin):
    action = ADD
    title = "申报计划作业（标校、检修）"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> PlannedWork:
        require(request.user, PlannedWork, ADD)
        return PlannedWork()


class PlannedWorkEditView(PlannedWorkFormMixin):
    action = CHANGE
    title = "修改计划作业"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> PlannedWork:
        return get_scoped(PlannedWork, request.user, CHANGE, pk=kwargs["pk"])


class PlannedWorkCancelView(LoginRequiredMixin, View):
    """Withdraw a declaration (kept, marked cancelled, audited with the reason)."""

    model = PlannedWork
    action = CHANGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        work = get_scoped(PlannedWork, request.user, CHANGE, pk=pk)
        form = forms.CancelForm(request.POST)
        if not form.is_valid():
            context = {
                "form": form,
                "title": "撤销计划作业",
                "back": reverse("response:planned_list"),
            }
            return render(request, "response/action_error.html", context, status=400)
        with audit_reason(form.cleaned_data["reason"]):
            work.cancelled_at = timezone.now()
            work.save()
        messages.success(request, "计划作业已撤销")
        return HttpResponseRedirect(reverse("response:planned_list"))


# --- in-app notifications ---------------------------------------------------------------------


@login_required
@require_safe
def notifications_page(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications of alarm cases, newest first."""
    notes = notifications.inbox(request.user, Topic.ALARM).select_related("mine")
    context = {"page": paginate(request, notes), "query": query_without(request, "page")}
    return render(request, "response/notifications.html", context)


@login_required
@require_safe
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The unread count, polled by htmx from the navigation bar."""
    count = notifications.inbox(request.user, Topic.ALARM).filter(read_at__isnull=True).count()
    return render(request, "response/_badge.html", {"count": count})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the user's alarm notifications read (all, or those of one case)."""
    notes = notifications.inbox(request.user, Topic.ALARM)
    case = request.POST.get("case", "")
    if case:
        case_id = parse_id(case)
        if case_id is None:
            return HttpResponse("case: 参数必须是正整数", status=400)
        notes = notes.filter(
            about_type=ContentType.objects.get_for_model(AlarmCase), about_id=case_id
        )
    notifications.mark_read(notes)
    return HttpResponseRedirect(reverse("response:notifications"))
