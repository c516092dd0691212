"""Pages of the positioning area (issue 6 §5; MON-5, PER-7): the jurisdiction overview, the mine
page (areas, people underground, leaders per shift, three correspondences) with the mine staff's
entries, and one card's trajectory over a stay."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_safe

from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.views import ScopedFormView, get_scoped, paginate, pk_model, require
from minesafe.localtime import local_date
from minesafe.positioning import excel, forms, rules, services
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.models import DescentRecord, PositioningArea, Presence, WellheadDisplay
from minesafe.registry.models import Mine


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Every mine in jurisdiction: people underground now against the approved headcount, areas
    over their limit, overtime, several cards, leaders on shift, data freshness."""
    mines = Mine.objects.restrict(request.user, VIEW).select_related("county").order_by("code")
    only = request.GET.get("attention") == "1"
    page = paginate(request, mines)
    now = timezone.now()
    lines = services.summaries(list(page.object_list), now)
    if only:
        lines = [line for line in lines if line.attention]
    policy = rules.policy(local_date(now))
    context = {
        "page": page,
        "lines": lines,
        "now": now,
        "only": only,
        "stale_minutes": int(policy["stale_after_s"]) // 60,
        "overtime_hours": int(policy["overtime_s"]) / 3600,
        "total": sum(line.count or 0 for line in lines),
    }
    return render(request, "positioning/index.html", context)


def _entry_forms(request: HttpRequest, mine: Mine) -> dict[str, Any]:
    """The entry forms for the mine's own staff (the page itself already checked the mine)."""
    if not can(request.user, DescentRecord, ADD):
        return {"may_enter": False}
    now_local = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    return {
        "may_enter": True,
        "descent_form": forms.DescentRecordForm(initial={"went_down_at": now_local}),
        "display_form": forms.WellheadDisplayForm(initial={"at": now_local}),
        "import_form": forms.DescentImportForm(),
    }


@login_required
@require_safe
@pk_model(Mine)
def mine_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One mine now: areas with counts against approved, faces, people underground (filter by
    area), overtime, several cards, leaders per shift, and the three correspondences."""
    mine = get_scoped(Mine, request.user, VIEW, pk=pk)
    now = timezone.now()
    status = services.mine_status(mine, now)
    area = request.GET.get("area", "")
    people = [p for p in status.people if not area or p.area_code == area]
    presences = dict(
        Presence.objects.filter(mine=mine, card__in=[p.card for p in people]).values_list(
            "card", "pk"
        )
    )
    limit = int(rules.policy(local_date(now))["overtime_s"])
    context = {
        "mine": mine,
        "status": status,
        "people": [
            {
                "p": p,
                "pk": presences.get(p.card),
                "overtime": rules.is_overtime(p.entered_at, status.as_of, limit),
                "hours": (
                    (status.as_of - p.entered_at).total_seconds() / 3600 if p.entered_at else None
                ),
                "several": services.identity_of(p) in status.several,
            }
            for p in people
        ],
        "area": area,
        "corr": services.correspondence(mine, now),
        "labels": rules.SOURCE_LABELS,
        "overtime_hours": limit / 3600,
        "recent_displays": WellheadDisplay.objects.filter(mine=mine).order_by("-at", "-pk")[:5],
        **_entry_forms(request, mine),
    }
    return render(request, "positioning/mine.html", context)


@login_required
@require_safe
@pk_model(Presence)
def card_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One card's trajectory over a stay underground (entry to exit): table and timeline."""
    presence = get_scoped(Presence, request.user, VIEW, pk=pk)
    stay = request.GET.get("stay", "")
    if stay and not (stay.isascii() and stay.isdigit()):
        return HttpResponse("stay: 参数必须是整数", status=400)
    stays, track = services.trajectory(presence, int(stay) if stay else None)
    areas = dict(
        PositioningArea.objects.filter(mine_id=presence.mine_id).values_list("code", "name")
    )
    rows: list[dict[str, Any]] = [
        {"tp": tp, "area": areas.get(tp.area_code, "") or tp.area_code or "—"} for tp in track
    ]
    chart = {
        "points": [
            [
                timezone.localtime(row["tp"].at).isoformat(),
                row["area"],
                row["tp"].station_code,
                row["tp"].get_kind_display(),
            ]
            for row in rows
        ],
        "end": timezone.localtime(
            track[-1].at if track and track[-1].kind == "exit" else timezone.now()
        ).isoformat(),
    }
    context = {
        "presence": presence,
        "area_name": areas.get(presence.area_code, "") or presence.area_code,
        "mine": presence.mine,
        "stays": stays,
        "chosen": track[0].pk if track else None,
        "rows": rows,
        "chart": chart,  # json_script: names from the mine's files may hold markup
    }
    return render(request, "positioning/card.html", context)


class DescentAddView(ScopedFormView):
    """Mine staff add one line of the descent register (三对应 source 1)."""

    model = DescentRecord
    pk_model = Mine
    form_class = forms.DescentRecordForm
    action = ADD
    title = "登记入井人员"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> DescentRecord:
        mine = get_scoped(Mine, request.user, VIEW, pk=kwargs["pk"])
        require(request.user, DescentRecord, ADD)
        return DescentRecord(mine=mine, source=DescentSource.MANUAL, entered_by=str(request.user))

    def success_url(self, obj: Any) -> str:
        messages.success(self.request, f"已登记 {obj.name} 入井")
        return str(reverse("positioning:detail", args=[obj.mine_id]))


class DescentEditView(ScopedFormView):
    """Correct a line of the register or record the person's return (出井时间)."""

    model = DescentRecord
    form_class = forms.DescentRecordForm
    action = CHANGE
    title = "修改入井记录"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> DescentRecord:
        record: DescentRecord = get_scoped(DescentRecord, request.user, CHANGE, pk=kwargs["pk"])
        return record


class DisplayAddView(ScopedFormView):
    """Mine staff post what the wellhead display shows (三对应 source 2)."""

    model = WellheadDisplay
    pk_model = Mine
    form_class = forms.WellheadDisplayForm
    action = ADD
    title = "上报井口公示"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> WellheadDisplay:
        mine = get_scoped(Mine, request.user, VIEW, pk=kwargs["pk"])
        require(request.user, WellheadDisplay, ADD)
        return WellheadDisplay(mine=mine, posted_by=str(request.user))

    def success_url(self, obj: Any) -> str:
        messages.success(self.request, f"已上报井口公示 {obj.count} 人")
        return str(reverse("positioning:detail", args=[obj.mine_id]))


class DescentImportView(LoginRequiredMixin, View):
    """Import a descent register file (CSV / Excel): good rows are stored, bad rows are listed
    with their row number and reason (nothing is stored when the file itself is unreadable)."""

    model = DescentRecord
    pk_model = Mine
    action = ADD

    def _mine(self, request: HttpRequest, pk: int) -> Mine:
        mine: Mine = get_scoped(Mine, request.user, VIEW, pk=pk)
        require(request.user, DescentRecord, ADD)
        return mine

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        mine = self._mine(request, pk)
        context = {"mine": mine, "form": forms.DescentImportForm(), "result": None}
        return render(request, "positioning/import.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        mine = self._mine(request, pk)
        form = forms.DescentImportForm(request.POST, request.FILES)
        if not form.is_valid():
            context = {"mine": mine, "form": form, "result": None}
            return render(request, "positioning/import.html", context, status=400)
        upload = form.cleaned_data["file"]
        result = excel.import_descents(mine, str(request.user), upload.name, upload.read())
        context = {"mine": mine, "form": forms.DescentImportForm(), "result": result}
        status = 200 if result.created or result.ok else 400
        return render(request, "positioning/import.html", context, status=status)
