"""Markup in the mines' own data never runs (stored XSS): a real browser opens the pages and charts
that show names and descriptions after every such text holds a script payload, and nothing runs,
nothing is injected and the Content-Security-Policy blocks none of the app's own scripts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F, Model, Value
from django.db.models.functions import Concat, Left
from django.utils import timezone

from minesafe.accounts.models import Division, Organization
from minesafe.hazards.models import Hazard
from minesafe.monitoring.choices import AlarmLevel
from minesafe.monitoring.models import SensorPoint
from minesafe.monitoring.testing import make_alarm
from minesafe.positioning.models import CardHolder, DescentRecord, PositioningArea, Presence
from minesafe.positioning.testing import make_snapshot
from minesafe.registry.models import (
    Enterprise,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)
from minesafe.selfinspection.models import (
    Campaign,
    CampaignReport,
    ChecklistSection,
    ReportAnswer,
)
from minesafe.testing import World, login, make_world
from minesafe.video.models import VideoChannel
from minesafe.violations.models import Violation

pytestmark = pytest.mark.browser

#: An element with an event handler, and a breakout from a ``<script>`` block (both fit the
#: 32-character code fields).
PAYLOADS = ("<img src=x onerror=alert(1)>", "</script><svg onload=alert(2)>")
NARROW = "<b onclick=alert(3)>"

#: The texts the pages and charts show, appended with a payload in every row.
SHOWN: dict[type[Model], tuple[str, ...]] = {
    Division: ("name",),
    Organization: ("name",),
    Enterprise: ("name", "legal_representative"),
    Mine: ("name",),
    WorkingFace: ("name", "seam"),
    Licence: ("issuer",),
    SupervisionAssignment: ("person", "title"),
    StatusChange: ("reason",),
    SensorPoint: ("location", "unit"),
    Hazard: ("place", "finder", "description", "responsible_unit", "responsible_person"),
    Violation: ("person_name", "person_job", "team", "place", "found_by", "description"),
    VideoChannel: ("name", "equipment"),
    Campaign: ("name", "instructions"),
    ChecklistSection: ("title",),
    ReportAnswer: ("finding", "place"),
    PositioningArea: ("name",),
    CardHolder: ("name", "job"),
    Presence: ("name",),
    DescentRecord: ("name",),
}

#: Anything the payloads could have put into a page: an element with an inline event handler,
#: or a script element that is neither the app's own file nor a JSON data block.
INJECTED = """() => [...document.querySelectorAll('*')].filter(el =>
  [...el.attributes].some(a => a.name.startsWith('on')) ||
  (el.tagName === 'SCRIPT' && !el.src && el.type !== 'application/json')
).map(el => el.outerHTML)"""

#: Every chart's tooltip shown for the first points of each series (tooltips are HTML): their
#: texts (the chart's box holds no other text than its tooltip).
SHOW_TOOLTIPS = """() => {
  const texts = [];
  document.querySelectorAll('[_echarts_instance_]').forEach(box => {
    const chart = echarts.getInstanceByDom(box);
    (chart.getOption().series || []).forEach((series, s) => {
      const n = Array.isArray(series.data) ? Math.min(series.data.length, 4) : 1;
      for (let i = 0; i < n; i++) {
        chart.dispatchAction({ type: 'showTip', seriesIndex: s, dataIndex: i });
        texts.push(box.innerText);
      }
    });
  });
  return texts;
}"""

#: Content-Security-Policy violations the page reports (a blocked script of the app's own).
RECORD_VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));"""


def _plant() -> None:
    """Append a payload to every shown text, alternating the two payloads by field (a field too
    narrow for them holds :data:`NARROW` alone)."""
    for n, (model, name) in enumerate((m, f) for m, fields in SHOWN.items() for f in fields):
        payload = PAYLOADS[n % len(PAYLOADS)]
        room = model._meta.get_field(name).max_length
        if room is None:
            value: Any = Concat(F(name), Value(payload))
        elif room > len(payload):
            value = Concat(Left(F(name), room - len(payload)), Value(payload))
        else:
            value = Value(NARROW)
        model._base_manager.update(**{name: value})


def _furnish(world: World) -> Presence:
    """Mine A on the map with an open alarm, and a card walking through two areas whose names
    and stations carry the payloads (as a mine's RYXX / RYQY / RYSS files can)."""
    world.mine_a.longitude, world.mine_a.latitude = Decimal("112.80"), Decimal("35.60")
    world.mine_a.save()
    now = timezone.now()
    make_alarm(world.mine_a, now - dt.timedelta(minutes=8), level=AlarmLevel.I, closed_at=None)
    person = {
        "card": "x1",
        "name": "王伟",
        "job": "掘进工",
        "entered_at": now - dt.timedelta(hours=1),
    }
    for minutes, (area, station) in ((30, ("A1", PAYLOADS[0])), (5, ("A2", PAYLOADS[1]))):
        place = {"area_code": area, "area_name": f"区域{area}", "station_code": station}
        make_snapshot(world.mine_a, now - dt.timedelta(minutes=minutes), [{**person, **place}])
    _plant()
    return Presence.objects.get(mine=world.mine_a, card="x1")


def test_payloads_in_shown_texts_never_run(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world = make_world()
    presence = _furnish(world)
    mine = Mine.objects.get(pk=world.mine_a.pk)  # with its planted name
    pages = [
        "/",
        "/mines/",
        f"/mines/{mine.pk}/",
        "/enterprises/",
        "/monitoring/board/",
        f"/monitoring/mines/{mine.pk}/live/",
        f"/monitoring/points/{SensorPoint.objects.filter(mine=mine).first().pk}/history/",
        "/monitoring/statistics/",
        f"/positioning/mines/{mine.pk}/",
        f"/positioning/cards/{presence.pk}/",
        "/hazards/",
        f"/hazards/{Hazard.objects.filter(mine=mine).first().pk}/",
        "/hazards/stats/",
        "/violations/statistics/",
        "/video/",
        f"/self-inspection/campaigns/{CampaignReport.objects.filter(mine=mine)[0].campaign_id}/",
    ]
    base = live_server.url
    page = browser.new_context(locale="zh-CN").new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and errors.append(f"{page.url}: {m.text}"),
    )
    login(page, base, "reg_x")
    tooltips: dict[str, str] = {}
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if page.locator("[_echarts_instance_]").count():
            tooltips[path] = "\n".join(page.evaluate(SHOW_TOOLTIPS))
            page.wait_for_timeout(100)  # an injected image's error handler would run by now
        if path == "/monitoring/board/":
            page.screenshot(path=str(tmp_path / "board.png"), full_page=True)
        if path.startswith("/positioning/cards/"):
            assert PAYLOADS[1] in page.inner_text("#track")  # shown as text, not markup
            page.screenshot(path=str(tmp_path / "card.png"), full_page=True)
        assert page.evaluate(INJECTED) == [], path
        assert page.evaluate("window.__csp") == [], path
    # The tooltips written as HTML show the names as text: the map's mine, the card's station.
    assert mine.name in tooltips["/monitoring/board/"]
    assert PAYLOADS[1] in tooltips[f"/positioning/cards/{presence.pk}/"]
    assert dialogs == []
    assert errors == []
    page.context.close()


def test_api_docs_work_under_the_policy(
    live_server: Any,
    transactional_db: None,
    browser: Any,
) -> None:
    """Swagger UI (local assets, its start script served as a file) renders the schema."""
    make_world()
    page = browser.new_context(locale="zh-CN").new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, "reg_x")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title >> text=Minesafe API")
    page.wait_for_selector(".opblock")  # the operations, from the fetched schema
    assert page.evaluate("window.__csp") == []
    assert errors == []
    page.context.close()
