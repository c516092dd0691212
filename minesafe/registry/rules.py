"""The regulation of the mine register as pure functions (REG-2, REG-3, REG-4, REG-7, REG-8, ACC-2).

No database: callers pass plain values; the same functions serve the pages, the API and
``minesafe rules``. Numbers come from the rule sets in ``registry/data``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.registry"

# Orders from least to most dangerous, for 就高不就低 (REG-2, 002:36).
GRADE_ORDERS: dict[str, tuple[str, ...]] = {
    "gas": ("low", "high", "outburst"),
    "rock_burst": ("no", "yes"),
    "hydro": ("simple", "medium", "complex", "extreme"),
    "spontaneous_combustion": ("not_easy", "spontaneous", "easy"),
    "coal_dust": ("no", "yes"),
}

STOPPED = frozenset({"suspended", "long_stopped", "to_close", "closed"})


def highest_grade(kind: str, results: Iterable[str]) -> str | None:
    """REG-2 (002:36 就高不就低): a mine takes the highest grade any appraisal gives."""
    order = GRADE_ORDERS[kind]
    ranked = [order.index(r) for r in results if r in order]
    return order[max(ranked)] if ranked else None


#: The mine's grade fields and the appraisal order that sets each (REG-2).
GRADE_FIELDS: dict[str, str] = {
    "gas_grade": "gas",
    "rock_burst": "rock_burst",
    "hydro_type": "hydro",
    "spontaneous_combustion": "spontaneous_combustion",
    "coal_dust_explosive": "coal_dust",
}


def _as_result(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def grade_overrides(
    current: Mapping[str, Any], appraisals: Mapping[str, Iterable[str]]
) -> list[str]:
    """REG-2: the grade fields whose value is not what the appraisals give (就高不就低).

    ``current`` maps grade fields to the mine's values; ``appraisals`` maps appraisal kinds
    (``gas``, ``hydro`` …) to their results. A grade with no appraisal is never an override.
    """
    overridden = []
    for field_name, kind in GRADE_FIELDS.items():
        highest = highest_grade(kind, appraisals.get(kind, []))
        if highest is not None and _as_result(current.get(field_name)) != highest:
            overridden.append(field_name)
    return overridden


def licence_valid(valid_until: dt.date, today: dt.date) -> bool:
    """REG-3: a licence is valid through its end date inclusive; expired from the day after."""
    return today <= valid_until


def licence_warning(valid_until: dt.date, today: dt.date) -> str:
    """REG-3: 'expired', '30', '90' or 'ok' by days left (thresholds in licence_warnings.yaml)."""
    days_left = (valid_until - today).days
    if not licence_valid(valid_until, today):
        return "expired"
    thresholds = sorted(edition_in_force(PACKAGE, "licence_warnings", today)["thresholds_days"])
    for limit in thresholds:
        if limit > 0 and days_left <= limit:
            return str(limit)
    return "ok"


def missing_licences(
    status: str, licences: Iterable[tuple[str, dt.date]], today: dt.date
) -> list[str]:
    """REG-3 (002:34): the licence kinds a mine in ``status`` needs but holds no valid one of.

    ``licences`` are (kind, valid_until) pairs; which kinds each status needs is data
    (``licence_requirements.yaml``). Order follows that file.
    """
    edition = edition_in_force(PACKAGE, "licence_requirements", today)
    required: list[str] = list(edition["required"].get(status, []))
    valid = {kind for kind, until in licences if licence_valid(until, today)}
    return [kind for kind in required if kind not in valid]


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    source: str
    id: str = ""


def _matches(when: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """All listed facts must take one of the listed values; ``any_of`` needs just one."""
    for key, allowed in when.items():
        if key == "any_of":
            if not any(facts.get(k) in v for k, v in allowed.items()):
                return False
        elif facts.get(key) not in allowed:
            return False
    return True


def _check(check: Mapping[str, float], capacity: float, depth: float) -> bool:
    limits = {
        "capacity_at_least": capacity >= check.get("capacity_at_least", float("-inf")),
        "capacity_at_most": capacity <= check.get("capacity_at_most", float("inf")),
        "depth_at_most": depth <= check.get("depth_at_most", float("inf")),
    }
    return all(limits[k] for k in check)


@dataclass(frozen=True)
class ApprovalResult:
    allowed: bool
    reasons: list[Reason]

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [asdict(r) for r in self.reasons]}


def project_approval(
    *,
    kind: str,
    capacity: float,
    depth: float,
    gas_grade: str,
    rock_burst: bool,
    hydro_type: str,
    size: str,
    on: dt.date | None = None,
) -> ApprovalResult:
    """REG-8 (002:55, 004:15): may a new or expanded mine with these facts be approved?

    Every refusing row is listed, so the applicant sees all reasons at once.
    """
    facts = {
        "kind": kind,
        "gas_grade": gas_grade,
        "rock_burst": rock_burst,
        "hydro_type": hydro_type,
        "size": size,
    }
    edition = edition_in_force(PACKAGE, "project_approval", on)
    reasons = [
        Reason(rule="REG-8", text=row["text"], source=row["source"], id=row["id"])
        for row in edition["rules"]
        if _matches(row["when"], facts) and not _check(row["check"], capacity, depth)
    ]
    return ApprovalResult(allowed=not reasons, reasons=reasons)


@dataclass(frozen=True)
class AccidentGrade:
    grade: str
    by: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "by": self.by}


def accident_grade(
    *, deaths: int, serious_injuries: int, direct_loss: float, on: dt.date | None = None
) -> AccidentGrade:
    """ACC-2 (条例 art. 3): the highest grade reached by deaths, serious injuries or loss.

    ``direct_loss`` is in 10⁴ CNY. ``by`` names the measures that reached the grade.
    """
    if min(deaths, serious_injuries) < 0 or direct_loss < 0:
        raise ValueError("deaths, serious injuries and direct loss cannot be negative")
    measures = {"deaths": deaths, "serious_injuries": serious_injuries, "direct_loss": direct_loss}
    for row in edition_in_force(PACKAGE, "accident_grades", on)["grades"]:
        by = [name for name, value in measures.items() if value >= row[f"{name}_at_least"]]
        if by:
            return AccidentGrade(grade=row["grade"], by=by)
    raise AssertionError("the lowest accident grade has zero thresholds")  # pragma: no cover


@dataclass(frozen=True)
class ClassFactors:
    """What REG-4 classification looks at, as plain values."""

    gas_grade: str = "low"
    rock_burst: bool = False
    hydro_type: str = "simple"
    spontaneous_combustion: str = "not_easy"
    coal_dust_explosive: bool = False
    standardization_grade: str = "none"
    status: str = "producing"
    accidents_12m: int = 0
    major_hazards_12m: int = 0
    management_changes_12m: int = 0


@dataclass(frozen=True)
class Factor:
    name: str
    value: Any
    points: int


@dataclass(frozen=True)
class ClassResult:
    supervision_class: str
    score: int
    factors: list[Factor] = field(default_factory=list)
    forced_by: list[Reason] = field(default_factory=list)
    edition: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "supervision_class": self.supervision_class,
            "score": self.score,
            "factors": [asdict(f) for f in self.factors],
            "forced_by": [asdict(r) for r in self.forced_by],
            "edition": self.edition,
        }


def supervision_class(facts: ClassFactors, on: dt.date | None = None) -> ClassResult:
    """REG-4 (004 task 11, 001:17): class A/B/C from risk points, some facts forcing C.

    The weights and cut-offs live in ``supervision_class.yaml`` so they can be published
    and revised as an edition.
    """
    edition = edition_in_force(PACKAGE, "supervision_class", on)
    points = edition["points"]
    factors = [
        Factor(name, getattr(facts, name), int(points[name][getattr(facts, name)]))
        for name in (
            "gas_grade",
            "rock_burst",
            "hydro_type",
            "spontaneous_combustion",
            "coal_dust_explosive",
            "standardization_grade",
            "status",
        )
    ]
    factors.append(
        Factor(
            "accidents_12m", facts.accidents_12m, points["per_accident_12m"] * facts.accidents_12m
        )
    )
    factors.append(
        Factor(
            "major_hazards_12m",
            facts.major_hazards_12m,
            points["per_major_hazard_12m"] * facts.major_hazards_12m,
        )
    )
    changes = points["management_changes_12m"]
    factors.append(
        Factor(
            "management_changes_12m",
            facts.management_changes_12m,
            changes["points"] if facts.management_changes_12m >= changes["threshold"] else 0,
        )
    )
    score = sum(f.points for f in factors)
    forced = [
        Reason(rule="REG-4", text=row["text"], source=row["source"], id=row["id"])
        for row in edition["force_c"]
        if _forces(row["when"], facts)
    ]
    klass = "C" if forced else _class_for_score(score, edition["classes"])
    return ClassResult(klass, score, factors, forced, str(edition["edition"]))


def _forces(when: Mapping[str, Any], facts: ClassFactors) -> bool:
    for key, wanted in when.items():
        if key.endswith("_at_least"):
            if getattr(facts, key.removesuffix("_at_least")) < wanted:
                return False
        elif getattr(facts, key) not in wanted:
            return False
    return True


def _class_for_score(score: int, classes: list[dict[str, Any]]) -> str:
    for row in classes:
        if row["at_most"] is None or score <= row["at_most"]:
            return str(row["class"])
    raise AssertionError("the last class has no upper bound")  # pragma: no cover


def resumption_allowed(old_status: str, new_status: str, acceptance_document: str) -> bool:
    """REG-7 (002:57): a stopped mine resumes production or construction only after acceptance."""
    resumes = old_status in STOPPED and new_status in {"producing", "construction", "trial"}
    return not resumes or bool(acceptance_document.strip())
