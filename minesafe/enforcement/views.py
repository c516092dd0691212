"""Pages of the inspection record: list, create, the flow, findings, quiz, checklist, 三违,
signature, decision, legal review and documents (ENF-3 … ENF-6, PER-8, HAZ-9)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from minesafe.citations import cite
from minesafe.core.filters import render_controls
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.transitions import steps_of
from minesafe.core.views import (
    ScopedFormView,
    WorkflowStepView,
    download,
    get_scoped,
    paginate,
    pk_model,
    plain_text,
    require,
)
from minesafe.core.workflow import Refusal
from minesafe.enforcement import documents, forms, links, pdf, rules, services
from minesafe.enforcement.choices import (
    MAJOR_CONSEQUENCES,
    REVIEW_COLORS,
    STEP_COLORS,
    Consequence,
    ReviewStatus,
    Step,
)
from minesafe.enforcement.filters import InspectionFilterSet
from minesafe.enforcement.models import (
    DECIDE,
    REVIEW,
    SIGN,
    ChecklistResult,
    Decision,
    Document,
    Expert,
    Finding,
    Inspection,
    QuizResult,
)
from minesafe.localtime import local_date


def acts_on(model: type, action: str, on: type | None = None) -> Any:
    """Declare what a function view does (the permission walk reads it): the model and action it
    performs, and the model its ``pk`` names."""

    def mark(view: Any) -> Any:
        view.model, view.action, view.pk_model = model, action, on or model
        return view

    return mark


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
        for error in errors:
            messages.error(request, f"{field}: {error}" if field != "__all__" else error)
    if not hasattr(exc, "error_dict"):
        for error in exc.messages:
            messages.error(request, error)


class ServiceFormView(ScopedFormView):
    """A form whose save calls a service: a rule's ValidationError becomes a field error (400)."""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance(request, **kwargs)
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs(request, instance))
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = self.save(form)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return HttpResponseRedirect(self.success_url(obj))
        return self.render(request, form, instance, status=400)

    def render(
        self, request: HttpRequest, form: Any, instance: Any, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "title": self.title, "object": instance, **self.extra(instance)}
        return render(request, self.template_name, context, status=status)

    def extra(self, instance: Any) -> dict[str, Any]:
        return {}


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- list and detail -------------------------------------------------------------------------


@login_required
@require_safe
def inspection_list(request: HttpRequest) -> HttpResponse:
    """ENF-3: the records the user may see (a sealed one never reaches a mine or enterprise)."""
    filterset = InspectionFilterSet(
        request.GET, Inspection.objects.restrict(request.user), request=request
    )
    queryset = filterset.qs.select_related("mine", "organization", "signed_by")
    context = {
        "page": paginate(request, queryset),
        "filter_controls": render_controls(filterset.form),
        "step_colors": STEP_COLORS,
        "can_add": can(request.user, Inspection, ADD),
    }
    return render(request, "enforcement/inspection_list.html", context)


@login_required
@require_safe
@pk_model(Inspection)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-3: the whole record with its flow, findings, quiz, decision and documents."""
    inspection = get_scoped(Inspection, request.user, VIEW, pk=pk)
    user = request.user
    may_change = Inspection.objects.restrict(user, CHANGE).filter(pk=pk).exists()
    decision = Decision.objects.filter(inspection=inspection).first()
    findings = list(inspection.findings.all())
    hazards = links.hazard_states(f.hazard_id_ref for f in findings)
    proposal = (
        services.propose(inspection, local_date())
        if may_change and decision is None and inspection.signed
        else None
    )
    context = {
        "inspection": inspection,
        "steps": steps_of(inspection.steps.all(), rules.INSPECTION_WORKFLOW),
        "findings": [(f, hazards.get(f.hazard_id_ref)) for f in findings],
        "checklist": inspection.checklist.all(),
        "quizzes": inspection.quizzes.all(),
        "violations": links.violations_of(inspection),
        "decision": decision,
        "decision_reasons": [
            cite(f"{r['text']}（{r['source']}）") for r in decision.proposed.get("reasons", [])
        ]
        if decision
        else [],
        "officers": documents.team_officers(inspection),
        "proposal": proposal,
        "proposal_labels": [Consequence(c).label for c in proposal.consequences]
        if proposal
        else [],
        "documents": Document.objects.restrict(user).filter(inspection=inspection),
        "referrals": inspection.referrals.all() if may_change else [],
        "rechecks": Inspection.objects.restrict(user).filter(recheck_of=inspection),
        "next_steps": services.offered_steps(inspection, user),
        "may_change": may_change,
        "may_sign": may_change and inspection.step == Step.ONSITE and not inspection.signed,
        "onsite": may_change and inspection.step == Step.ONSITE and not inspection.signed,
        "document_kinds": forms.DocumentForm().fields["kind"].choices,
        "step_colors": STEP_COLORS,
        "review_colors": REVIEW_COLORS,
        "templates": links.checklist_templates() if may_change else [],
        "expert_conflicts": services.expert_conflicts(inspection, user, local_date())
        if may_change
        else [],
        "expert_specialties": sorted(
            set(
                Expert.objects.restrict(user)
                .filter(active=True)
                .values_list("specialty", flat=True)
            )
        )
        if may_change
        else [],
    }
    return render(request, "enforcement/inspection_detail.html", context)


# --- create and edit -------------------------------------------------------------------------


class InspectionCreateView(ServiceFormView):
    model = Inspection
    form_class = forms.InspectionForm
    action = ADD
    title = "新建执法检查"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Inspection:
        require(request.user, Inspection, ADD)
        if request.user.organization_id is None:
            raise ValidationError("只有监管监察机构人员可以新建检查")
        return Inspection(organization=request.user.organization, leader=request.user)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return super().get(request, **kwargs)
        except ValidationError as exc:
            _fail(request, exc)
            return HttpResponseRedirect(reverse("enforcement:inspection_list"))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, **kwargs)
        except ValidationError as exc:
            _fail(request, exc)
            return HttpResponseRedirect(reverse("enforcement:inspection_list"))

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> Inspection:
        inspection = form.save()
        now = timezone.now()
        services.record_opened(inspection, self.request.user, now, "新建检查")
        return inspection


class InspectionEditView(ServiceFormView):
    model = Inspection
    form_class = forms.InspectionForm
    action = CHANGE
    title = "编辑检查记录"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Inspection:
        inspection = get_scoped(Inspection, request.user, CHANGE, pk=kwargs["pk"])
        return inspection

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> Inspection:
        if form.instance.signed:
            raise ValidationError("检查记录已签名，不能再修改")
        return form.save()


# --- the flow --------------------------------------------------------------------------------


class InspectionStepView(WorkflowStepView):
    """ENF-3: one step of the flow on the spine's page view, its name in the path (the record's
    page offers the steps open to the user as buttons). A name that is no step of the flow is
    bad input: 400, after the 404 and 403 of the record itself."""

    model = Inspection
    action = CHANGE
    form_class = forms.StepForm

    def get(self, request: HttpRequest, pk: int, name: str = "") -> HttpResponse:
        self._name_step(name)
        return super().get(request, pk)

    def post(self, request: HttpRequest, pk: int, name: str = "") -> HttpResponse:
        self._name_step(name)
        return super().post(request, pk)

    def _name_step(self, name: str) -> None:
        """The step the path names; its label is the page's title and the audit's reason."""
        self.name, self.known = name, True
        try:
            self.title = rules.INSPECTION_WORKFLOW.step(name).label
        except Refusal as refusal:
            self.title, self.known = refusal.message, False

    def perform(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.take_step(obj, self.name, request.user, timezone.now(), data["reason"])
        return f"已{self.title}环节"

    def _render(self, request: HttpRequest, obj: Any, form: Any, status: int = 200) -> HttpResponse:
        return super()._render(request, obj, form, status if self.known else 400)


class _InspectionChildView(ServiceFormView):
    """Add something to a record: adding a finding, quiz or checklist changes the record."""

    model = Inspection
    action = CHANGE

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Inspection:
        self.inspection = get_scoped(Inspection, request.user, CHANGE, pk=kwargs["pk"])
        return self.inspection

    def success_url(self, obj: Any) -> str:
        return str(self.inspection_of(obj).get_absolute_url())

    def inspection_of(self, obj: Any) -> Inspection:
        return obj if isinstance(obj, Inspection) else obj.inspection

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {}


class FindingCreateView(_InspectionChildView):
    form_class = forms.FindingForm
    title = "登记检查发现问题"

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": Finding(inspection=instance)}

    def save(self, form: Any) -> Finding:
        return services.add_finding(
            self.inspection, self.request.user, local_date(), **form.cleaned_data
        )


class QuizCreateView(_InspectionChildView):
    form_class = forms.QuizForm
    title = "逢查必考"
    template_name = "enforcement/quiz.html"

    def extra(self, instance: Any) -> dict[str, Any]:
        return {"questions": rules.quiz_questions(local_date())}

    def save(self, form: Any) -> QuizResult:
        return services.add_quiz(self.inspection, local_date(), **form.cleaned_data)


class ViolationCreateView(_InspectionChildView):
    """An on-site 三违 goes to the violations area, linked to this record."""

    form_class = forms.ViolationForm
    title = "登记现场三违"

    def save(self, form: Any) -> Inspection:
        inspection = self.inspection
        if inspection.step != Step.ONSITE:
            raise ValidationError("只能在现场检查环节登记三违")
        data = dict(form.cleaned_data)
        data.update(
            found_at=timezone.now(),
            found_by=str(self.request.user),
            source="inspection",
        )
        links.record_violation(inspection, data, self.request.user)
        return inspection


class ChecklistLoadView(_InspectionChildView):
    """ENF-3: examine the same checklist items as the mines' self-inspection."""

    form_class = forms.ChecklistForm
    title = "载入检查表"

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"templates": links.checklist_templates()}

    def save(self, form: Any) -> Inspection:
        inspection = self.inspection
        if inspection.signed:
            raise ValidationError("检查记录已签名，不能再修改")
        items = links.checklist_items(form.cleaned_data["template"])
        existing = set(inspection.checklist.values_list("item_id_ref", flat=True))
        ChecklistResult.objects.bulk_create(
            [
                ChecklistResult(inspection=inspection, item_id_ref=pk, text=text[:500])
                for pk, text in items
                if pk not in existing
            ]
        )
        return inspection


@login_required
@require_POST
@acts_on(ChecklistResult, CHANGE)
def checklist_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a checklist item as (not) conforming, with a note."""
    item = get_scoped(ChecklistResult, request.user, CHANGE, pk=pk)
    if item.inspection.signed:
        messages.error(request, "检查记录已签名，不能再修改")
    else:
        item.ok = not item.ok
        item.note = request.POST.get("note", "")[:300]
        item.save(update_fields=["ok", "note", "updated_at"])
    return HttpResponseRedirect(item.inspection.get_absolute_url())


class SignView(ServiceFormView):
    """HAZ-9 谁检查、谁签名、谁负责."""

    model = Inspection
    form_class = forms.SignForm
    action = SIGN
    title = "执法人员签名"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Inspection:
        return get_scoped(Inspection, request.user, SIGN, pk=kwargs["pk"])

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"initial": {"finished_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}}

    def save(self, form: Any) -> Inspection:
        inspection = Inspection.objects.get(pk=self.kwargs["pk"])
        services.sign(
            inspection, self.request.user, timezone.now(), form.cleaned_data["finished_at"]
        )
        return inspection


class DecideView(ServiceFormView):
    """ENF-5/ENF-6: the proposal, each measure with the rule and the law article behind it;
    only the proposal is ticked; a missing fact is asked for as a field; the decision is shown
    for confirmation before it is made."""

    model = Inspection
    form_class = forms.DecideForm
    action = DECIDE
    title = "作出处理决定"
    template_name = "enforcement/decide.html"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Inspection:
        return get_scoped(Inspection, request.user, DECIDE, pk=kwargs["pk"])

    def proposal(self, inspection: Inspection) -> Any:
        if not hasattr(self, "_proposal"):
            self._proposal = services.propose(inspection, local_date())
        return self._proposal

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        proposal = self.proposal(instance)
        today = local_date()
        chosen = request.POST.getlist("consequences") if request.method == "POST" else []
        points = services.points_due(instance, chosen or proposal.consequences, today)
        name, id_number = services.last_manager(instance)
        initial = {
            "consequences": proposal.consequences,
            "legal_basis": services.basis_text(instance, proposal.consequences, today),
            "manager_name": name,
            "manager_id_number": id_number,
        }
        return {"initial": initial, "points": points}

    def extra(self, instance: Any) -> dict[str, Any]:
        proposal = self.proposal(instance)
        today = local_date()
        rows = [
            {
                "code": code,
                "label": Consequence(code).label,
                "reasons": proposal.because.get(code, []),
                "articles": rules.decision_basis(code, today),
            }
            for code in proposal.consequences
        ]
        return {
            "proposal": proposal,
            "rows": rows,
            "labels": [r["label"] for r in rows],
            "findings": list(instance.findings.all()),
            "points": services.points_due(instance, proposal.consequences, today),
        }

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance(request, **kwargs)
        form = self.form_class(request.POST, **self.form_kwargs(request, instance))
        if form.is_valid() and not request.POST.get("back"):
            if not form.cleaned_data["confirmed"]:
                return self.confirm(request, form, instance)
            try:
                with transaction.atomic():
                    obj = self.save(form)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "处理决定已作出")
                return HttpResponseRedirect(self.success_url(obj))
        if request.POST.get("back"):
            return self.render(request, form, instance)
        return self.render(request, form, instance, status=400)

    def confirm(self, request: HttpRequest, form: Any, instance: Inspection) -> HttpResponse:
        """The decision as it will be made, for the inspector to confirm (or go back)."""
        data = form.cleaned_data
        chosen = list(data["consequences"])
        proposal = self.proposal(instance)
        deviated = set(chosen) != set(proposal.consequences)
        context = {
            "title": "确认处理决定",
            "object": instance,
            "form": form,
            "chosen": [
                {
                    "label": Consequence(c).label,
                    "proposed": c in proposal.consequences,
                    "articles": rules.decision_basis(c, local_date()),
                }
                for c in chosen
            ],
            "dropped": [Consequence(c).label for c in proposal.consequences if c not in chosen],
            "deviated": deviated,
            "review": rules.needs_legal_review(chosen, deviated, MAJOR_CONSEQUENCES),
            "data": data,
        }
        return render(request, "enforcement/decide_confirm.html", context)

    def save(self, form: Any) -> Inspection:
        inspection = Inspection.objects.get(pk=self.kwargs["pk"])
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirmed"}
        services.decide(inspection, user=self.request.user, now=timezone.now(), **data)
        return inspection


class ReviewView(ServiceFormView):
    """ENF-4 法制审核 of a major decision or of a deviation from the proposal."""

    model = Decision
    form_class = forms.ReviewForm
    action = REVIEW
    title = "法制审核"
    template_name = "enforcement/review.html"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Decision:
        return get_scoped(Decision, request.user, REVIEW, pk=kwargs["pk"])

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {}

    def extra(self, instance: Any) -> dict[str, Any]:
        reasons = instance.proposed.get("reasons", [])
        return {"reasons": [cite(f"{r['text']}（{r['source']}）") for r in reasons]}

    def save(self, form: Any) -> Decision:
        decision = Decision.objects.get(pk=self.kwargs["pk"])
        services.review(
            decision,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
            user=self.request.user,
            now=timezone.now(),
        )
        return decision


@login_required
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    """ENF-4: decisions waiting for legal review."""
    require(request.user, Decision, REVIEW)
    decisions = (
        Decision.objects.restrict(request.user, REVIEW)
        .filter(review_status=ReviewStatus.PENDING)
        .select_related("inspection__mine", "decided_by")
    )
    return render(request, "enforcement/review_list.html", {"decisions": decisions})


@login_required
@require_POST
@acts_on(Document, ADD, Inspection)
def document_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-4: issue a numbered document for a signed record. The first post shows the document
    as it will read (officers, facts, legal basis, decision, time limits, remedies) for
    confirmation; the post with ``confirmed`` issues it."""
    inspection = get_scoped(Inspection, request.user, VIEW, pk=pk)
    require(request.user, Document, ADD)
    form = forms.DocumentForm(request.POST)
    if not form.is_valid():
        return plain_text("文书类型无效", status=400)
    kind = form.cleaned_data["kind"]
    try:
        if not form.cleaned_data["confirmed"]:
            documents.check_issuable(inspection, kind)
            preview = documents.content(inspection, kind, local_date())
            context = {"object": inspection, "kind": kind, "text": preview, "title": "确认制发文书"}
            return render(request, "enforcement/document_confirm.html", context)
        document = documents.issue_document(inspection, kind, request.user, timezone.now())
    except ValidationError as exc:
        _fail(request, exc)
        return HttpResponseRedirect(inspection.get_absolute_url())
    messages.success(request, f"已制发 {document}")
    return HttpResponseRedirect(inspection.get_absolute_url())


@login_required
@require_safe
@pk_model(Document)
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-4: the document as PDF, rendered from the records."""
    document = get_scoped(Document, request.user, VIEW, pk=pk)
    return download(pdf.render_document(document), f"document-{document.pk}.pdf", inline=True)


@login_required
@require_POST
@acts_on(Inspection, CHANGE)
def recheck_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow-up: a signed re-check closes the loop on the original record's findings."""
    recheck = get_scoped(Inspection, request.user, CHANGE, pk=pk)
    try:
        closed = services.close_recheck(recheck, request.user, timezone.now())
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"复查闭环：{closed} 项问题已整改销号")
    return HttpResponseRedirect(recheck.get_absolute_url())


@login_required
@require_POST
@acts_on(Inspection, CHANGE)
def expert_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """ENF-8: draw conflict-free experts of one specialty into the team, reproducibly."""
    inspection = get_scoped(Inspection, request.user, CHANGE, pk=pk)
    specialty = request.POST.get("specialty", "").strip()[:50]
    try:
        count = int(request.POST.get("count", "1"))
    except ValueError:
        count = 0
    try:
        selection = services.draw_experts(
            inspection, request.user, specialty, min(count, 20), local_date()
        )
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            f"已抽取 {len(selection.chosen)} 名专家（可抽 {len(selection.eligible)} 名，"
            f"回避 {len(selection.excluded)} 名）",
        )
    return HttpResponseRedirect(inspection.get_absolute_url())


@login_required
@require_POST
@acts_on(QuizResult, CHANGE)
def quiz_retrain(request: HttpRequest, pk: int) -> HttpResponse:
    """PER-8: a stopped worker passed retraining and may work again."""
    quiz = get_scoped(QuizResult, request.user, CHANGE, pk=pk)
    if quiz.stopped:
        services.retrain(quiz, local_date())
        messages.success(request, f"{quiz.worker_name} 已培训合格，恢复上岗")
    return HttpResponseRedirect(reverse("enforcement:stopped_workers"))


@login_required
@require_safe
def stopped_workers(request: HttpRequest) -> HttpResponse:
    """PER-8: workers stopped from working until retrained."""
    quizzes = (
        QuizResult.objects.restrict(request.user)
        .filter(stopped=True)
        .select_related("inspection__mine")
        .order_by("inspection__mine__code", "worker_name")
    )
    context = {
        "quizzes": quizzes,
        "may_change": can(request.user, QuizResult, CHANGE),
    }
    return render(request, "enforcement/stopped_workers.html", context)
