"""Reading a descent register file (三对应 source 1): headers, encodings, per-row errors."""

from __future__ import annotations

from minesafe.positioning.forms import read_register, split_names


def test_missing_columns_are_reported_on_row_1() -> None:
    result = read_register("r.csv", "姓名,卡号\n王伟,c1\n".encode())
    assert result.rows == [] and result.errors == [(1, "缺少列：入井时间")]


def test_gbk_file_with_alternative_headers_and_blank_lines() -> None:
    text = (
        "姓名,下井时间,升井时间\n"
        "王伟,2026/11/20 08:05,2026/11/20 16:01\n"
        ",,\n"
        "李强,2026-11-20 08:06:30,\n"
    )
    result = read_register("r.csv", text.encode("gbk"))
    assert [r["name"] for r in result.rows] == ["王伟", "李强"] and not result.errors
    assert result.rows[0]["came_up_at"] is not None and result.rows[1]["came_up_at"] is None


def test_empty_and_unreadable_files() -> None:
    assert read_register("r.csv", b"").errors == [(0, "文件为空")]
    assert read_register("r.xlsx", b"not a zip").errors[0][0] == 0


def test_future_times_are_refused() -> None:
    result = read_register("r.csv", "姓名,入井时间\n王伟,2099-01-01 08:00\n".encode())
    assert result.errors == [(2, "时间晚于当前时间")]


def test_display_names_split_on_usual_separators() -> None:
    assert split_names("王伟、李强,张磊，赵军\n周涛 吴军") == [
        "王伟",
        "李强",
        "张磊",
        "赵军",
        "周涛",
        "吴军",
    ]
