"""Pages of video coverage (MON-7, 002:15): the county overview, a mine's coverage, the channel
register with its import, and the review queue of video AI findings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_safe

from minesafe.accounts.choices import Role
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.views import (
    PAGE_SIZE,
    ScopedFormView,
    download,
    get_scoped,
    image,
    paginate,
    pk_model,
    plain_text,
    query_without,
    require,
)
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.video import excel, forms, rules, services
from minesafe.video.choices import (
    STATE_COLORS,
    STATE_LABELS,
    VIOLATION_KIND_OF,
    ChannelStatus,
    FindingState,
    PlaceKind,
)
from minesafe.video.models import (
    IMPORT,
    REVIEW,
    ChannelStatusChange,
    VideoChannel,
    VideoFinding,
)


def _int_param(request: HttpRequest, name: str) -> int | None:
    """A positive integer query parameter, or None when absent or malformed (ignored)."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _sort_key(row: services.MineCoverage) -> tuple[int, float, str]:
    """Work without video first, then the lowest coverage, then by code."""
    a = row.assessment
    return (
        -len(a.work_without_video),
        a.percent if a.percent is not None else 101.0,
        row.mine.code,
    )


@login_required
@require_safe
def coverage_overview(request: HttpRequest) -> HttpResponse:
    """Per mine in jurisdiction: required places, covered, gaps, % and work without video."""
    now = timezone.now()
    mines = Mine.objects.restrict(request.user, VIEW).select_related("county").order_by("code")
    rows = sorted(services.coverage_of(mines, now), key=_sort_key)
    required = sum(r.assessment.required for r in rows)
    covered = sum(r.assessment.covered for r in rows)
    reasons: dict[str, int] = {}
    for row in rows:
        for gap in row.assessment.gaps:
            reasons[gap.reason] = reasons.get(gap.reason, 0) + 1
    policy = rules.policy_on(local_date(now))
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query_without(request, "page"),
        "totals": {
            "mines": len(rows),
            "required": required,
            "covered": covered,
            "percent": round(100.0 * covered / required, 1) if required else None,
            "gaps": required - covered,
            "work_without_video": sum(len(r.assessment.work_without_video) for r in rows),
            "mines_without_video_work": sum(1 for r in rows if r.assessment.work_without_video),
        },
        "chart": {
            "reasons": [
                {"name": rules.GAP_REASONS[k], "value": v} for k, v in sorted(reasons.items())
            ],
            "covered": covered,
            "gaps": required - covered,
        },
        "policy": policy,
        "stale_minutes": int(policy.stale_after.total_seconds() // 60),
        "now": now,
    }
    return render(request, "video/overview.html", context)


@login_required
@require_safe
@pk_model(Mine)
def mine_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """One mine: every required place with its channels and why it is not covered (MON-7)."""
    mine = get_scoped(Mine, request.user, VIEW, pk=pk)
    now = timezone.now()
    policy = rules.policy_on(local_date(now))
    (row,) = services.coverage_of([mine], now)
    states = row.assessment.channel_states
    channels = [
        {
            "channel": c,
            "state": states[c.code],
            "state_label": STATE_LABELS[states[c.code]],
            "color": STATE_COLORS[states[c.code]],
        }
        for c in row.channels
    ]
    context = {
        "mine": mine,
        "assessment": row.assessment,
        "channels": channels,
        "policy": policy,
        "stale_minutes": int(policy.stale_after.total_seconds() // 60),
        "kind_labels": dict(PlaceKind.choices),
        "changes": ChannelStatusChange.objects.restrict(request.user)
        .filter(channel__mine=mine)
        .select_related("channel")[:20],
        "findings": VideoFinding.objects.restrict(request.user)
        .filter(mine=mine)
        .select_related("channel")[:10],
        "may_edit": can(request.user, VideoChannel, ADD) and _own_mine(request.user, mine),
        "now": now,
    }
    return render(request, "video/mine.html", context)


def _own_mine(user: Any, mine: Mine) -> bool:
    """Mine staff edit their own mine's register (admins every mine's)."""
    return bool(user.is_superuser or user.role == Role.ADMIN or user.mine_id == mine.pk)


# ------------------------------------------------------------------------------ channel register


@login_required
@require_safe
def channel_list(request: HttpRequest) -> HttpResponse:
    """The channel register in jurisdiction, filterable by mine, status and place kind."""
    channels = VideoChannel.objects.restrict(request.user, VIEW).select_related(
        "mine", "working_face"
    )
    mine = _int_param(request, "mine")
    if mine is not None:
        channels = channels.filter(mine_id=mine)
    status = request.GET.get("status", "")
    if status in ChannelStatus.values:
        channels = channels.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in PlaceKind.values:
        channels = channels.filter(place_kind=kind)
    context = {
        "page": paginate(request, channels.order_by("mine__code", "place_kind", "code")),
        "query": query_without(request, "page"),
        "statuses": ChannelStatus.choices,
        "kinds": PlaceKind.choices,
        "status": status,
        "kind": kind,
        "can_add": can(request.user, VideoChannel, ADD),
        "can_import": can(request.user, VideoChannel, IMPORT),
        "may_change": set(
            VideoChannel.objects.restrict(request.user, CHANGE).values_list("pk", flat=True)
        ),
        "now": timezone.now(),
    }
    return render(request, "video/channels.html", context)


class ChannelFormMixin(ScopedFormView):
    model = VideoChannel
    form_class = forms.ChannelForm

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def save(self, form: Any) -> Any:
        old_status = form.initial.get("status", ChannelStatus.OFFLINE)
        is_new = form.instance.pk is None
        channel = form.save()
        if not is_new:
            services.record_manual_status(channel, old_status, timezone.now())
        messages.success(self.request, f"视频通道 {channel.code} 已保存")
        return channel


class ChannelCreateView(ChannelFormMixin):
    action = ADD
    title = "新增视频通道"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> VideoChannel:
        require(request.user, VideoChannel, ADD)
        return VideoChannel()


class ChannelEditView(ChannelFormMixin):
    action = CHANGE
    title = "修改视频通道"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> VideoChannel:
        return get_scoped(VideoChannel, request.user, CHANGE, pk=kwargs["pk"])


class ChannelImportView(LoginRequiredMixin, View):
    """Import a mine's channel register from .xlsx / .csv; a bad row imports nothing."""

    model = VideoChannel
    action = IMPORT

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request.user, VideoChannel, IMPORT)
        return self.render(request, forms.ChannelImportForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        require(request.user, VideoChannel, IMPORT)
        form = forms.ChannelImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render(request, form, status=400)
        upload = form.cleaned_data["file"]
        result = excel.import_channels(form.cleaned_data["mine"], upload.name, upload.read())
        if not result.ok:
            return self.render(request, form, result=result, status=400)
        messages.success(
            request, f"导入完成：新增 {result.created} 个通道，更新 {result.updated} 个"
        )
        return HttpResponseRedirect(
            reverse("video:coverage_detail", args=[form.cleaned_data["mine"].pk])
        )

    def render(
        self, request: HttpRequest, form: Any, result: Any = None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "result": result}
        return render(request, "video/import.html", context, status=status)


@login_required
@require_safe
def channel_template(request: HttpRequest) -> HttpResponse:
    """The import template (.xlsx) with example rows and the allowed values."""
    return download(excel.template_workbook(), "video_channels_template.xlsx")


# ---------------------------------------------------------------------------- AI findings


@login_required
@require_safe
def finding_list(request: HttpRequest) -> HttpResponse:
    """The review queue: pending findings first by default, or any state with ``state=``."""
    findings = VideoFinding.objects.restrict(request.user, VIEW).select_related("mine", "channel")
    state = request.GET.get("state", FindingState.PENDING)
    if state in FindingState.values:
        findings = findings.filter(state=state)
    else:
        state = ""
    context = {
        "page": paginate(request, findings.order_by("-at", "-pk")),
        "query": query_without(request, "page"),
        "states": FindingState.choices,
        "state": state,
        "pending": VideoFinding.objects.restrict(request.user, VIEW)
        .filter(state=FindingState.PENDING)
        .count(),
    }
    return render(request, "video/findings.html", context)


@login_required
@require_safe
@pk_model(VideoFinding)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_scoped(VideoFinding, request.user, VIEW, pk=pk)
    may_review = (
        finding.state == FindingState.PENDING
        and VideoFinding.objects.restrict(request.user, REVIEW).filter(pk=pk).exists()
    )
    context = {
        "finding": finding,
        "may_review": may_review,
        "makes_violation": finding.kind in VIOLATION_KIND_OF,
        "confirm_form": forms.ConfirmForm(),
    }
    return render(request, "video/finding.html", context)


@login_required
@require_safe
@pk_model(VideoFinding)
def finding_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """The snapshot, served only to those who may see the finding (not from a public URL)."""
    finding = get_scoped(VideoFinding, request.user, VIEW, pk=pk)
    if not finding.snapshot:
        return plain_text("该识别没有抓拍图片", status=404)
    try:
        with finding.snapshot.open("rb") as handle:
            data = handle.read()
    except OSError:
        return plain_text("图片文件不存在", status=404)
    return image(data, finding.snapshot.name)


class FindingReviewView(LoginRequiredMixin, View):
    """POST-only review of one finding: 404 outside jurisdiction, 403 without the right, 400
    for bad input or a finding already reviewed; otherwise back to the finding."""

    model = VideoFinding
    action = REVIEW
    form_class: Any = None

    def perform(self, finding: VideoFinding, data: dict[str, Any]) -> VideoFinding:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = get_scoped(VideoFinding, request.user, REVIEW, pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(finding, form.cleaned_data)
                return HttpResponseRedirect(finding.get_absolute_url())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        context = {"finding": finding, "form": form}
        return render(request, "video/review_error.html", context, status=400)


class FindingConfirmView(FindingReviewView):
    form_class = forms.ConfirmForm

    def perform(self, finding: VideoFinding, data: dict[str, Any]) -> VideoFinding:
        done = services.confirm_finding(
            finding,
            self.request.user,
            timezone.now(),
            note=data["note"],
            person_name=data["person_name"],
            team=data["team"],
            severity=data["severity"],
        )
        messages.success(
            self.request,
            "已确认，已记入三违台账" if done.violation_id else "已确认（设备异常，不记三违）",
        )
        return done


class FindingRejectView(FindingReviewView):
    form_class = forms.RejectForm

    def perform(self, finding: VideoFinding, data: dict[str, Any]) -> VideoFinding:
        done = services.reject_finding(
            finding, self.request.user, timezone.now(), note=data["note"]
        )
        messages.success(self.request, "已驳回")
        return done
