"""Grading: the level I–IV of an alarm from kind × gas grade × value band (issue 3 §2, MON-4).

The table is data (``data/grading.yaml``); this module only reads it. It works on one alarm
(:func:`grade`) and on arrays of alarms (:func:`grade_many`, used by the vectorised rules).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minesafe.engine.events import AlarmKind, Level
from minesafe.engine.model import F64, I32


class Grader:
    """First matching row of the grading table wins; ``default`` otherwise."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.default = int(table.get("default", 4))
        self.rows: dict[str, list[dict[str, Any]]] = {}
        for row in table["rows"]:
            self.rows.setdefault(str(row["kind"]), []).append(row)

    def grade(self, kind: AlarmKind, gas_grade: str, ratio: float, value: float) -> Level:
        for row in self.rows.get(kind.value, []):
            if _matches(row, gas_grade, ratio, value):
                return Level(int(row["level"]))
        return Level(self.default)

    def grade_many(self, kind: AlarmKind, gas_grade: list[str], ratio: F64, value: F64) -> I32:
        """Levels of many alarms of one kind at once (same table, same first-match order)."""
        level = np.full(ratio.shape[0], self.default, np.int32)
        done = np.zeros(ratio.shape[0], bool)
        grades = np.asarray(gas_grade, dtype=object)
        for row in self.rows.get(kind.value, []):
            hit = ~done
            if "grades" in row:
                hit &= np.isin(grades, row["grades"])
            if "ratio_at_least" in row:
                hit &= ratio >= float(row["ratio_at_least"])
            if "value_at_least" in row:
                hit &= value >= float(row["value_at_least"])
            level[hit] = int(row["level"])
            done |= hit
        return level


def _matches(row: dict[str, Any], gas_grade: str, ratio: float, value: float) -> bool:
    if "grades" in row and gas_grade not in row["grades"]:
        return False
    if "ratio_at_least" in row and not (not math.isnan(ratio) and ratio >= row["ratio_at_least"]):
        return False
    return not (
        "value_at_least" in row and not (not math.isnan(value) and value >= row["value_at_least"])
    )
