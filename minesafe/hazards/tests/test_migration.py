"""The history's move onto the spine's shape (migration 0002): what each old row gains."""

from __future__ import annotations

import importlib

spine = importlib.import_module("minesafe.hazards.migrations.0002_hazard_transition_spine")


def test_accounts_are_found_by_a_name_that_identifies_exactly_one() -> None:
    users = [
        (1, "mine1", "马永刚", ""),
        (2, "regulator", "王", "明"),
        (3, "twin_a", "张伟", ""),
        (4, "twin_b", "张伟", ""),
        (5, "nobody", "", ""),
    ]
    accounts = spine.accounts_by_name(users)
    assert accounts["mine1"] == 1 and accounts["马永刚"] == 1
    assert accounts["王 明"] == 2 and accounts["regulator"] == 2
    assert "张伟" not in accounts  # two accounts share the name: no guess
    assert "" not in accounts and accounts["nobody"] == 5


def test_a_rectification_keeps_its_text_as_evidence_and_others_gain_only_the_account() -> None:
    accounts = {"马永刚": 1}
    rectified = spine.spine_fields("rectify", "马永刚", "已更换托辊3个", accounts)
    assert rectified == {"user_id": 1, "evidence": {"text": "已更换托辊3个"}}
    assert spine.spine_fields("send_back", "系统", "托辊仍有异响", accounts) == {"user_id": None}
    assert spine.spine_fields("rectify", "系统", "", accounts) == {"user_id": None}
