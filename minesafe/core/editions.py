"""Dates judged by rule editions: a date before the first edition is a field error, not a crash.

Rule lookups are pure (:mod:`minesafe.ruledata`) and do not know which input a date came
from; the service or serializer that passes a user's date to them names the field here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError

from minesafe.ruledata import NoEditionInForce


@contextmanager
def judged_on(field: str) -> Iterator[None]:
    """Rules looked up inside the block take their date from ``field``: no edition in force on
    it raises a ValidationError naming the field (a 400 on pages and in the API)."""
    try:
        yield
    except NoEditionInForce as exc:
        raise ValidationError({field: exc.explain()}) from exc
