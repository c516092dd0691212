"""Pages of the hazard ledger: list, record, the hazard page with its whole history, and the
actions of the loop (five fixes, the workflow's steps, listing, photos, suggestion decisions)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_safe

from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.transitions import open_steps, steps_of
from minesafe.core.views import (
    ScopedFormView,
    WorkflowStepView,
    export_url,
    get_scoped,
    image,
    is_htmx,
    paginate,
    pk_model,
    query_without,
    require,
    sort_queryset,
)
from minesafe.core.workflow import EVIDENCE, REASON
from minesafe.hazards import forms, rules, services
from minesafe.hazards.choices import GRADE_COLORS, STATUS_COLORS
from minesafe.hazards.filters import HazardFilterSet
from minesafe.hazards.models import (
    DECIDE,
    FIVE_FIXES,
    SUPERVISE,
    Hazard,
    HazardPhoto,
    HazardSuggestion,
)
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications

SORTS = {
    "found": "found_at",
    "mine": "mine__name",
    "grade": "grade",
    "status": "status",
    "deadline": "deadline",
}


def scoped_hazards(request: HttpRequest) -> QuerySet[Hazard]:
    return Hazard.objects.restrict(request.user, VIEW).select_related("mine", "situation__category")


def filtered(request: HttpRequest) -> tuple[HazardFilterSet, QuerySet[Hazard], str]:
    filterset = HazardFilterSet(
        request.GET or None, queryset=scoped_hazards(request), request=request
    )
    queryset, sort = sort_queryset(filterset.qs, request.GET.get("sort"), SORTS, "-found")
    return filterset, queryset, sort


@login_required
@require_safe
def hazard_list(request: HttpRequest) -> HttpResponse:
    """The ledger with filters (mine, grade, status, overdue, category, source); htmx swaps
    the table only (HAZ-1, §8)."""
    filterset, queryset, sort = filtered(request)
    page = paginate(request, queryset)
    htmx = is_htmx(request)
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort,
        "query": query_without(request, "page"),
        "today": local_date(),
        "can_add": can(request.user, Hazard, ADD),
        "status_colors": STATUS_COLORS,
        "grade_colors": GRADE_COLORS,
        "export_url": export_url(request, "hazards:hazard_export"),
        "htmx": htmx,
    }
    template = "hazards/_hazard_table.html" if htmx else "hazards/hazard_list.html"
    return render(request, template, context)


class HazardCreateView(ScopedFormView):
    """Record a hazard (HAZ-1); suggestions and the major-hazard report follow (HAZ-2)."""

    model = Hazard
    form_class = forms.HazardForm
    action = ADD
    title = "登记隐患"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Hazard:
        require(request.user, Hazard, ADD)
        return Hazard()

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> Hazard:
        data = form.cleaned_data
        fixes = {name: data.get(name) for name in FIVE_FIXES if data.get(name) not in (None, "")}
        hazard = services.record_hazard(
            mine=data["mine"],
            source=data["source"],
            description=data["description"],
            found_at=data["found_at"],
            finder=data["finder"],
            signer=data.get("signer", ""),
            place=data.get("place", ""),
            profession=data.get("profession", ""),
            grade=data.get("grade"),
            situation=data.get("situation_code") or None,
            user=self.request.user,
            fixes=fixes,
        )
        if data.get("photo"):
            HazardPhoto.objects.create(hazard=hazard, image=data["photo"], caption="发现时照片")
        messages.success(self.request, f"已登记隐患 {hazard.number}")
        return hazard

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, **kwargs)
        except ValidationError as exc:  # a rule of the service, after the form passed
            form = self.form_class(request.POST, request.FILES, user=request.user)
            form.is_valid()
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render(request, form, Hazard(), status=400)


@login_required
@require_safe
@pk_model(Hazard)
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The hazard page: facts, five fixes, its whole history, and the actions the user may take."""
    hazard = get_scoped(Hazard, request.user, VIEW, pk=pk)
    user = request.user
    may_change = Hazard.objects.restrict(user, CHANGE).filter(pk=pk).exists()
    context = {
        "hazard": hazard,
        "today": local_date(),
        "overdue": hazard.is_overdue(local_date()),
        "missing": hazard.missing_fixes(),
        "transitions": steps_of(
            hazard.transitions.all(), rules.loop_for(hazard.grade), rules.EVENT_LABELS
        ),
        "photos": hazard.photos.all(),
        "suggestions": hazard.suggestions.select_related("item"),
        "notifications": notifications.about(hazard, user),
        "proposals": hazard.proposals.restrict(user, VIEW),
        "cases": hazard.cases.restrict(user, VIEW),
        "actions": _step_buttons(hazard, user) if may_change else [],
        "may_change": may_change,
        "held_back": _held_back(hazard) if may_change else "",
        "may_supervise": hazard.is_major
        and Hazard.objects.restrict(user, SUPERVISE).filter(pk=pk).exists(),
        "may_decide": HazardSuggestion.objects.restrict(user, DECIDE)
        .filter(hazard=hazard)
        .exists(),
        "may_photo": can(user, HazardPhoto, ADD),
        "status_colors": STATUS_COLORS,
        "grade_colors": GRADE_COLORS,
        "supervise_form": forms.SuperviseForm(),
        "photo_form": forms.PhotoForm(),
    }
    return render(request, "hazards/hazard_detail.html", context)


def _held_back(hazard: Hazard) -> str:
    """Why the next settling step (verify, close) waits, if a suggestion holds it back."""
    step = {rules.RECTIFIED: "verify", rules.VERIFIED: "close"}.get(hazard.status)
    if step is None:
        return ""
    pending = services.pending_suggestions(hazard)
    refused = rules.suggestion_refusal(step, pending, services.grade_decided(hazard))
    return refused.message if refused is not None else ""


def _step_buttons(hazard: Hazard, user: Any) -> list[dict[str, Any]]:
    """The steps the table lets ``user`` take now, each with its page and what it needs; a step
    an undecided major-hazard suggestion holds back is left out (HAZ-2)."""
    pending = services.pending_suggestions(hazard)
    decided = services.grade_decided(hazard)
    return [
        {
            "name": step.name,
            "label": step.label,
            "url": reverse(f"hazards:step_{step.name}", args=[hazard.pk]),
            "reason": REASON in step.needs,
            "evidence": EVIDENCE in step.needs,
        }
        for step in open_steps(services.binding_for(hazard), hazard, user)
        if step.name not in rules.AUTOMATIC_STEPS
        and rules.suggestion_refusal(step.name, pending, decided) is None
    ]


class FixesView(ScopedFormView):
    """Fill in or correct the five fixes (HAZ-1); complete fixes move a reported hazard on."""

    model = Hazard
    form_class = forms.FixesForm
    action = CHANGE
    title = "落实五落实（责任单位、责任人、措施、资金、期限）"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Hazard:
        return get_scoped(Hazard, request.user, CHANGE, pk=kwargs["pk"])

    def save(self, form: Any) -> Hazard:
        return services.save_fixes(form.save(commit=False), self.request.user)


class HazardActionView(LoginRequiredMixin, View):
    """A POST-only action on one hazard that is not a workflow step (listing, photos): 404
    outside jurisdiction, 403 without the right, 400 with a Chinese message for bad input, else
    back to the hazard page."""

    model: Any = Hazard
    action = CHANGE
    form_class: Any = None

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        hazard = get_scoped(Hazard, request.user, self.action, pk=pk)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    self.perform(hazard, form)
                return HttpResponseRedirect(hazard.get_absolute_url())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        context = {"hazard": hazard, "form": form, "title": self.title}
        return render(request, "hazards/action_error.html", context, status=400)

    title = ""

    def perform(self, hazard: Hazard, form: Any) -> None:
        raise NotImplementedError


class HazardStepView(WorkflowStepView):
    """One step of the loop (HAZ-2) on the spine's page view, one URL per step (``step``):
    404 outside jurisdiction, 403 without the right (the table's who-may), 400 naming the field
    (a missing reason or rectification text, an illegal step)."""

    model = Hazard
    action = CHANGE
    template_name = "hazards/hazard_step.html"
    step = ""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        step = rules.GENERAL_LOOP.step(self.step)  # both grades' tables share names and labels
        self.title = step.label
        self.form_class = forms.RectifyForm if EVIDENCE in step.needs else forms.StepForm

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.transition(
            obj, self.step, request.user, reason=data["reason"], evidence=data.get("evidence", "")
        )
        return f"已{self.title}"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"hazard": obj}


class SuperviseView(HazardActionView):
    """挂牌督办 (HAZ-2): a regulator lists a major hazard with its own deadline."""

    action = SUPERVISE
    form_class = forms.SuperviseForm
    title = "挂牌督办"

    def perform(self, hazard: Hazard, form: Any) -> None:
        data = form.cleaned_data
        services.list_for_supervision(
            hazard, self.request.user, data["listed_deadline"], reason=data["reason"]
        )
        messages.success(self.request, "已挂牌督办")


class PhotoAddView(HazardActionView):
    """Attach a JPEG/PNG photo (≤ 5 MB) to a hazard (HAZ-1)."""

    model = HazardPhoto
    pk_model = Hazard
    action = ADD
    form_class = forms.PhotoForm
    title = "上传照片"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_scoped(Hazard, request.user, VIEW, pk=pk)
        require(request.user, HazardPhoto, ADD)
        self.action = VIEW
        return super().post(request, pk)

    def perform(self, hazard: Hazard, form: Any) -> None:
        photo = form.save(commit=False)
        photo.hazard = hazard
        photo.save()
        messages.success(self.request, "照片已上传")


@login_required
@require_safe
@pk_model(HazardPhoto)
def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, served only to those who may see its hazard (not from a public media URL)."""
    photo = get_scoped(HazardPhoto, request.user, VIEW, pk=pk)
    try:
        with photo.image.open("rb") as handle:
            data = handle.read()  # ≤ 5 MB by validation
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("照片文件不存在") from exc
    return image(data, photo.image.name)


class DecideView(LoginRequiredMixin, View):
    """Confirm or reject a suggested situation; the decision is recorded (HAZ-2)."""

    model = HazardSuggestion
    action = DECIDE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        suggestion = get_scoped(HazardSuggestion, request.user, DECIDE, pk=pk)
        hazard = suggestion.hazard
        form = forms.DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_suggestion(
                    suggestion,
                    request.user,
                    form.cleaned_data["accept"],
                    form.cleaned_data["reason"],
                )
                messages.success(request, "判定结果已记录")
                return HttpResponseRedirect(hazard.get_absolute_url())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        context = {"hazard": hazard, "form": form, "title": "确认判定建议"}
        return render(request, "hazards/action_error.html", context, status=400)
