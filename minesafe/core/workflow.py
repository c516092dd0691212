"""The workflow spine: every area's workflow as a typed transition table, checked without the
database.

A :class:`Workflow` lists its states and :class:`Step` s: from which states a step may be taken,
where it leads, which roles may take it, whether the actor must belong to the object's mine or
hold jurisdiction over it, what it requires (a reason, evidence, a signature) and whose earlier
steps the actor must not have taken (nobody verifies their own work). :meth:`Workflow.check`
answers with the step or raises the one refusal type, :class:`Refusal`, naming a field and
saying why in Chinese; ``forbidden`` tells a missing right (403) from bad input (400).
Pure: no Django import (``minesafe.core.transitions`` applies a checked step to a row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: What a step may require of the request.
REASON, EVIDENCE, SIGNATURE = "reason", "evidence", "signature"
NEEDS_TEXT = {REASON: "须填写原因", EVIDENCE: "须附证据", SIGNATURE: "须签名确认"}


class Refusal(Exception):
    """A step refused: the field concerned and the reason, in Chinese."""

    def __init__(self, field: str, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.forbidden = forbidden

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


@dataclass(frozen=True)
class Actor:
    """Who asks to take a step, as the table judges them."""

    user_id: int | None
    role: str
    in_jurisdiction: bool  # the object lies within the actor's jurisdiction
    own_mine: bool = False  # the actor belongs to the object's mine


@dataclass(frozen=True)
class Step:
    """One step of a workflow."""

    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs: frozenset[str] = frozenset()
    own_mine: bool = False  # only the object's own mine may take it (a mine's signature)
    not_by_takers_of: frozenset[str] = frozenset()  # steps whose takers may not take this one


@dataclass(frozen=True)
class Workflow:
    """A workflow's states (value → Chinese label) and its steps."""

    name: str
    labels: Mapping[str, str]
    steps: tuple[Step, ...]
    _by_name: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {s.name: s for s in self.steps}
        if len(by_name) != len(self.steps):
            raise ValueError(f"{self.name}: step names must be unique")
        for s in self.steps:
            unknown = (s.sources | {s.target}) - set(self.labels)
            if unknown:
                raise ValueError(f"{self.name}.{s.name}: unknown states {sorted(unknown)}")
            if not s.not_by_takers_of <= set(by_name):
                raise ValueError(f"{self.name}.{s.name}: unknown steps in not_by_takers_of")
        object.__setattr__(self, "_by_name", by_name)

    def step(self, name: str) -> Step:
        try:
            return self._by_name[name]
        except KeyError:
            raise Refusal("step", "没有这个办理步骤") from None

    def label(self, state: str) -> str:
        return self.labels.get(state, state)

    def check(
        self,
        state: str,
        name: str,
        actor: Actor,
        given: Iterable[str] = (),
        takers: Mapping[str, Iterable[int]] | None = None,
    ) -> Step:
        """The step ``name`` from ``state`` by ``actor``, or a :class:`Refusal`.

        ``given`` names what the request carries (``reason``, ``evidence``, ``signature``);
        ``takers`` maps each earlier step to the users who took it.
        """
        step = self.step(name)
        if state not in step.sources:
            raise Refusal("step", f"当前状态为“{self.label(state)}”，不能{step.label}")
        if actor.role not in step.roles:
            raise Refusal("step", f"无权{step.label}", forbidden=True)
        if step.own_mine and not actor.own_mine:
            raise Refusal("step", f"只有本矿人员可以{step.label}", forbidden=True)
        if not step.own_mine and not actor.in_jurisdiction:
            raise Refusal("step", f"不在管辖范围内，不能{step.label}", forbidden=True)
        earlier = takers or {}
        for prior in sorted(step.not_by_takers_of):
            if actor.user_id is not None and actor.user_id in set(earlier.get(prior, ())):
                done = self.step(prior).label
                raise Refusal("step", f"{done}的人不能再{step.label}", forbidden=True)
        missing = sorted(step.needs - set(given))
        if missing:
            raise Refusal(missing[0], NEEDS_TEXT[missing[0]])
        return step

    def open_steps(
        self, state: str, actor: Actor, takers: Mapping[str, Iterable[int]] | None = None
    ) -> list[Step]:
        """The steps ``actor`` could take now (what a page offers as buttons)."""
        possible = []
        for step in self.steps:
            try:
                self.check(state, step.name, actor, step.needs, takers)
            except Refusal:
                continue
            possible.append(step)
        return possible
