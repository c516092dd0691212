"""Every edit form shows the stored values: opened and saved untouched, as a browser would send
it back, it saves and leaves the row as it was (a date shown empty, a choice not selected or a
box not ticked would fail with 必填 or change the row). Routes are found from the resolver, so
an edit form added later is checked without touching this test."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from minesafe.core.scoping import CHANGE
from minesafe.core.views import ScopedFormView
from minesafe.testing import World

PERSONAS = ["regulator_x", "city", "enterprise", "mine_a", "inspector", "admin"]
#: Columns a save moves by itself (timestamps, the audit's version).
MOVED_BY_SAVE = {"updated_at", "modified", "version"}


def _edit_routes(patterns: list[Any], namespace: str = "") -> list[tuple[str, type]]:
    """(URL name, model) of every edit form (a ``*_edit`` route of a form view that changes)."""
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found += _edit_routes(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name and p.name.endswith("_edit"):
            view = getattr(p.callback, "view_class", None)
            if view and issubclass(view, ScopedFormView) and view.action == CHANGE:
                init = getattr(p.callback, "view_initkwargs", {})
                model = init.get("model") or view.model
                found.append((f"{namespace}{p.name}", model))
    return sorted(set(found), key=lambda r: r[0])


ROUTES = _edit_routes(get_resolver().url_patterns)


#: The HTML value sanitization of typed inputs: a value of another shape shows empty (a date
#: picker given 2026/01/02 shows nothing and the browser sends nothing).
SHAPES = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?"),
    "number": re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"),
}


def _sanitised(kind: str, value: str) -> str:
    shape = SHAPES.get(kind)
    return value if shape is None or shape.fullmatch(value) else ""


class _FormFields(HTMLParser):
    """What a browser submits from the page's POST forms: inputs with their values, ticked
    boxes only, the selected options, textarea contents (the last form with a submit wins)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append([])
            self._in_form = True
        if not self._in_form:
            return
        fields = self.forms[-1]
        name = a.get("name", "")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            value = a.get("value", "on" if a.get("type") == "checkbox" else "")
            fields.append((name, _sanitised(a.get("type", "text"), value)))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _row(obj: models.Model) -> dict[str, Any]:
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {
        f.attname: getattr(fresh, f.attname)
        for f in fresh._meta.concrete_fields
        if f.attname not in MOVED_BY_SAVE and not getattr(f, "auto_now", False)
    }


def _objects(model: type[models.Model], user: Any, world: World) -> list[Any]:
    """A few objects the user may change, mine A's first."""
    mine_field = model.access.mine_field
    allowed = model._default_manager.restrict(user, CHANGE)  # type: ignore[attr-defined]
    first = []
    if mine_field is not None:
        lookup = f"{mine_field}__pk" if mine_field else "pk"
        first = list(allowed.filter(**{lookup: world.mine_a.pk})[:2])
    return first + list(allowed.order_by("pk")[:5])


def test_edit_forms_are_found() -> None:
    names = {name for name, _ in ROUTES}
    assert {"registry:licence_edit", "registry:mine_edit"} <= names, names


@pytest.mark.parametrize(("name", "model"), ROUTES, ids=[name for name, _ in ROUTES])
def test_an_edit_form_saved_untouched_keeps_the_row(name: str, model: type, world: World) -> None:
    for persona in PERSONAS:
        user = world.users[persona]
        client = Client()
        client.force_login(user)
        opened = [
            (obj, page)
            for obj in _objects(model, user, world)
            if (page := client.get(reverse(name, args=[obj.pk]))).status_code == 200
        ]
        if not opened:
            continue
        obj, page = opened[0]
        url = reverse(name, args=[obj.pk])
        parser = _FormFields()
        parser.feed(page.content.decode())
        assert parser.forms, f"{name}: no form on the page"
        data: dict[str, list[str]] = {}
        for field, value in parser.forms[-1]:
            data.setdefault(field, []).append(value)
        typed = [f for f, values in data.items() if f.endswith("reason") and not values[0]]
        for field in typed:  # the reason a change asks for is typed, and stored as typed
            data[field] = ["原样保存"]
        before = _row(obj)
        with transaction.atomic():
            answer = client.post(url, data)
            errors = answer.context["form"].errors if answer.context else {}
            assert answer.status_code == 302, f"{name} as {persona}: {answer.status_code} {errors}"
            after = {k: v for k, v in _row(obj).items() if k not in typed}
            assert after == {k: v for k, v in before.items() if k not in typed}, (
                f"{name} as {persona}: the row changed"
            )
            transaction.set_rollback(True)
        return
    pytest.fail(f"{name}: no persona could open the edit form")
