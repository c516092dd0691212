"""Applying workflow steps (:mod:`minesafe.core.workflow`) to rows: one service, one page view,
one API action for every area.

An area declares a :class:`Binding` (its model, history table, state field and workflow) and
calls :func:`apply`, which locks the row, checks the table, writes the new state and the history
row in one transaction and runs the step's notifications after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from minesafe.core.context import acting_as, current_reason
from minesafe.core.scoping import VIEW
from minesafe.core.workflow import EVIDENCE, REASON, SIGNATURE, Actor, Refusal, Step, Workflow

#: Called after the commit with the object, the step taken and the history row.
Notify = Callable[[Any, Step, Any], None]
#: Called inside the transaction before the state changes (fields a step sets, area checks).
Effect = Callable[[Any], None]


@dataclass(frozen=True)
class Binding:
    """Where one workflow lives: the model, its history table (a ``TransitionRecord``), the
    history row's key to the object and the field holding the state."""

    model: type[models.Model]
    history: type[models.Model]
    parent: str
    workflow: Workflow
    state_field: str = "status"
    notify: tuple[Notify, ...] = field(default=())

    def history_of(self, obj: Any) -> models.QuerySet[Any]:
        return self.history._default_manager.filter(**{self.parent: obj})


def actor_for(user: Any, obj: Any) -> Actor:
    """The table's view of a user: role, jurisdiction over the object, membership of its mine."""
    role = getattr(user, "role", "")
    model = type(obj)
    in_jurisdiction = bool(
        getattr(user, "is_authenticated", False)
        and model._default_manager.restrict(user, VIEW).filter(pk=obj.pk).exists()
    )
    mine_id = obj.audit_mine_id() if hasattr(obj, "audit_mine_id") else None
    own = mine_id is not None and getattr(user, "mine_id", None) == mine_id
    return Actor(getattr(user, "pk", None), role, in_jurisdiction, own)


def takers(binding: Binding, obj: Any) -> dict[str, set[int]]:
    """Who took each step of ``obj`` so far (for "nobody verifies their own work")."""
    out: dict[str, set[int]] = defaultdict(set)
    for step, user_id in binding.history_of(obj).values_list("step", "user_id"):
        if user_id is not None:
            out[step].add(user_id)
    return out


def open_steps(binding: Binding, obj: Any, user: Any) -> list[Step]:
    state = getattr(obj, binding.state_field)
    return binding.workflow.open_steps(state, actor_for(user, obj), takers(binding, obj))


def apply(
    binding: Binding,
    obj: Any,
    step_name: str,
    user: Any,
    now: dt.datetime,
    *,
    reason: str = "",
    evidence: Mapping[str, Any] | None = None,
    signed: bool = False,
    effect: Effect | None = None,
) -> Any:
    """Take one step: lock, check, write state and history, notify after the commit.

    Returns the history row; ``obj`` is refreshed. Raises :class:`Refusal`.
    """
    given = {
        name
        for name, ok in ((REASON, reason.strip()), (EVIDENCE, evidence), (SIGNATURE, signed))
        if ok
    }
    # A step without a reason keeps the audit reason the request gave (the step's title).
    audit = reason.strip() or current_reason.get()
    with transaction.atomic(), acting_as(user, audit):
        locked = binding.model._default_manager.select_for_update().get(pk=obj.pk)
        state = getattr(locked, binding.state_field)
        step = binding.workflow.check(
            state, step_name, actor_for(user, locked), given, takers(binding, locked)
        )
        if effect is not None:
            effect(locked)
        setattr(locked, binding.state_field, step.target)
        locked.save()
        row = _record(binding, locked, user, now, step.name, state, step.target, reason, evidence)
        for notify in binding.notify:
            transaction.on_commit(lambda n=notify: n(locked, step, row))
    obj.refresh_from_db()
    return row


def note(
    binding: Binding,
    obj: Any,
    event: str,
    user: Any,
    now: dt.datetime,
    *,
    reason: str = "",
    from_state: str | None = None,
) -> Any:
    """A history row for something that is not a step and moves no state (an object entered,
    a listing, a grading): the same who/when/why as a step, so the history stays one table.
    ``from_state`` defaults to the current state ("" for an object just entered)."""
    state = getattr(obj, binding.state_field)
    return _record(
        binding, obj, user, now, event, state if from_state is None else from_state, state, reason
    )


def opened(binding: Binding, obj: Any, user: Any, now: dt.datetime, reason: str = "") -> Any:
    """The first history row of a new object: no step taken, from no state to the one it starts
    in (a page shows where the history begins and who began it)."""
    return note(binding, obj, "", user, now, reason=reason, from_state="")


def _record(
    binding: Binding,
    obj: Any,
    user: Any,
    now: dt.datetime,
    step: str,
    from_state: str,
    to_state: str,
    reason: str,
    evidence: Mapping[str, Any] | None = None,
) -> Any:
    return binding.history._default_manager.create(
        **{binding.parent: obj},
        user=user if getattr(user, "pk", None) else None,
        username=_name(user),
        at=now,
        step=step,
        from_state=from_state,
        to_state=to_state,
        reason=reason.strip(),
        evidence=dict(evidence or {}),
    )


def _name(user: Any) -> str:
    if user is None:
        return "系统"
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "username", "") or "系统")


def steps_of(
    history: Iterable[Any], workflow: Workflow, events: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """History rows as a page shows them: step label, states' labels, who, when, why.

    ``events`` labels the rows :func:`note` wrote (records that are not steps)."""
    named = events or {}
    rows = []
    for row in history:
        if row.step in named:
            label = named[row.step]
        else:
            try:
                label = workflow.step(row.step).label if row.step else ""
            except Refusal:  # an event outside the table (the system's, say): the row's words
                label = getattr(row, "label", "") or row.step
        rows.append(
            {
                "step": label,
                "from": workflow.label(row.from_state),
                "to": workflow.label(row.to_state),
                "who": row.username,
                "at": row.at,
                "reason": row.reason,
            }
        )
    return rows


__all__ = [
    "Binding",
    "Refusal",
    "actor_for",
    "apply",
    "note",
    "open_steps",
    "opened",
    "steps_of",
    "takers",
]
