"""In a real browser, the export of a list filtered through its htmx form holds the rows on
screen, the URL carries the filters, and going back gives the earlier list and export
(REG-1, HAZ-1)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from minesafe.hazards.testing import make_hazard
from minesafe.testing import World, login, make_world, open_page

pytestmark = pytest.mark.browser


def downloaded_rows(page: Any, header: str) -> list[tuple[Any, ...]]:
    """Click the export link and read the data rows of the file the browser saves."""
    with page.expect_download() as download:
        page.click("#export-link")
    content = Path(download.value.path()).read_bytes()
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == header)
    return rows[start + 1 :]


def test_filtered_mine_list_and_hazard_ledger_export_what_is_on_screen(
    live_server: Any, transactional_db: None, browser: Any, tmp_path: Path
) -> None:
    world: World = make_world()
    make_hazard(world.mine_a, description="浏览器导出一般隐患")
    make_hazard(world.mine_b, description="浏览器导出重大隐患", grade="major")
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "city")

    page.goto(f"{base}/mines/")
    page.wait_for_selector("#mine-table >> text=共 3 座煤矿")
    assert len(downloaded_rows(page, "煤矿编码")) == 3
    page.fill("#id_q", "乙二")
    page.wait_for_selector("#mine-table >> text=共 1 座煤矿")
    page.wait_for_url(re.compile(r"/mines/\?.*q=%E4%B9%99%E4%BA%8C"))
    on_screen = page.locator("#mine-table tbody tr").all_inner_texts()
    exported = downloaded_rows(page, "煤矿编码")
    assert len(exported) == len(on_screen) == 1
    assert exported[0][0] == world.mine_b.code and world.mine_b.code in on_screen[0]
    page.screenshot(path=str(tmp_path / "mines-filtered.png"), full_page=True)

    page.go_back()  # the unfiltered list, and its export, again
    page.wait_for_selector("#mine-table >> text=共 3 座煤矿")
    assert page.input_value("#id_q") == ""
    assert len(downloaded_rows(page, "煤矿编码")) == 3
    page.go_forward()
    page.wait_for_selector("#mine-table >> text=共 1 座煤矿")
    assert len(downloaded_rows(page, "煤矿编码")) == 1

    page.goto(f"{base}/hazards/")
    total = int(re.search(r"共 (\d+) 条隐患", page.inner_text("#hazard-table")).group(1))  # type: ignore[union-attr]
    page.select_option("#id_grade", "major")
    page.wait_for_url(re.compile(r"/hazards/\?.*grade=major"))
    page.wait_for_selector("#hazard-table >> text=浏览器导出重大隐患")
    counted = re.search(r"共 (\d+) 条隐患", page.inner_text("#hazard-table"))
    assert counted is not None and int(counted.group(1)) < total
    on_screen = page.locator("#hazard-table tbody tr").all_inner_texts()
    exported = downloaded_rows(page, "序号")
    assert len(exported) == len(on_screen) == int(counted.group(1))
    assert {row[7] for row in exported} == {"重大事故隐患"}
    assert "浏览器导出一般隐患" not in " ".join(str(row[6]) for row in exported)
    page.screenshot(path="/tmp/exports-hazards.png", full_page=True)
    assert errors == []
    page.context.close()


def test_chart_labels_of_long_mine_names_are_not_cut_off(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    """The hazard statistics' bar chart by mine leaves room for (wrapped) long mine names."""
    world: World = make_world()
    long_name = "测试能源集团甲煤业公司标记矿甲一号井东翼采区分矿"
    world.mine_a.name = long_name
    world.mine_a.save()
    make_hazard(world.mine_a, description="图表标签核对")
    errors: list[str] = []
    page = open_page(browser, errors)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server.url, "city")
    page.goto(f"{live_server.url}/hazards/stats/")
    page.wait_for_selector("#chart-mine canvas")
    room = page.evaluate(
        """(name) => {
          const chart = echarts.getInstanceByDom(document.getElementById("chart-mine"));
          const rect = chart.getModel().getComponent("grid", 0).coordinateSystem.getRect();
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = "12px sans-serif";
          return { left: rect.x, label: ctx.measureText(name).width,
                   wrap: chart.getOption().yAxis[0].axisLabel.width };
        }""",
        long_name,
    )
    # The label is wrapped to its width and the plot starts to the right of it.
    assert room["label"] > room["wrap"]
    assert room["left"] >= room["wrap"], room
    page.screenshot(path="/tmp/exports-chart.png", full_page=True)
    assert errors == []
    page.context.close()
