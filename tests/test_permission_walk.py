"""Every URL pattern and API route, walked with every persona (issue 2 §2, REG-1, STYLE 15).

Routes are discovered from the URL resolver at collection time, so a route added later is walked
without touching this test. A route whose URL names a ``pk`` must declare the model it names
(``pk_model`` on the view, a viewset's queryset, or a ``ScopedFormView``'s ``model``); the walk
then opens an object of mine A and expects 404 from whoever cannot see it, 403 from whoever sees
it without the right to act, and success otherwise. Every list answer is checked not to contain
a mine the persona may not see, nor the change history of an object the persona may not see
(government-only records of mine A are changed before each walk). Nothing may answer 500.
Every create/update form and endpoint, and every custom action and workflow step, is also posted
a valid body whose foreign key names an object outside the actor's jurisdiction: refused on that
field, and nothing stored.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django import forms as dj_forms
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from minesafe.accounts.models import User, nameable_by
from minesafe.core.context import acting_as
from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.enforcement.choices import ReferralTarget
from minesafe.enforcement.models import PlanEntry, Referral
from minesafe.hazards.choices import ProposalKind
from minesafe.hazards.models import HazardProposal
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.testing import World

PERSONAS = [
    "anonymous",
    "regulator_x",
    "regulator_y",
    "enterprise",
    "mine_a",
    "mine_b",
    "city",
    "inspector",
]
PUBLIC = {"login", "api-token"}
#: Values for a route's path arguments other than ``pk`` (a workflow step's name, the token of a
#: one-time password page).
SAMPLE_KWARGS = {"name": "accept", "token": "no-such-token"}
SKIP_PREFIXES = ("admin:",)  # Django's own admin has its own (staff-only) permission system


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def is_api(self) -> bool:
        return hasattr(self.callback, "cls") or self.name.startswith("api-")

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}{entry.name}"
            groups = tuple(entry.pattern.regex.groupindex)
            if name.startswith(SKIP_PREFIXES) or "format" in groups:
                continue
            yield Route(name, groups, entry.callback)


ROUTES = sorted({r.name: r for r in _walk(get_resolver().url_patterns)}.values(), key=str)


def _view_attr(route: Route, name: str) -> Any:
    """An attribute of a route's view: the function, ``as_view`` arguments, or the class."""
    cls = getattr(route.callback, "view_class", None)
    initkwargs = getattr(route.callback, "view_initkwargs", {})
    for value in (
        getattr(route.callback, name, None),
        initkwargs.get(name),
        getattr(cls, name, None),
    ):
        if value is not None:
            return value
    return None


def _pk_model(route: Route) -> Any:
    """The model a route's ``pk`` names, declared by the view (the walk refuses a silent one)."""
    model = _view_attr(route, "pk_model") or _view_attr(route, "model")
    if model is None and hasattr(route.callback, "cls"):
        model = route.callback.cls.queryset.model
    if model is None:
        raise AssertionError(f"route {route} has a pk but declares no pk_model")
    return model


def _action_model(route: Route) -> tuple[Any, str]:
    """(model, action) a page route performs; plain function views only read."""
    model, action = _view_attr(route, "model"), _view_attr(route, "action")
    return (model, action) if model is not None and action else (_pk_model(route), VIEW)


def _object_of_mine_a(model: Any, world: World) -> Any:
    """An object of ``model`` that belongs to mine A (or that mine A points to)."""
    if model is Mine:
        return world.mine_a
    if model is User:  # an account of mine A: its safety officer
        return world.users["mine_a"]
    mine_field = model.access.mine_field
    if mine_field:
        return model.objects.filter(**{f"{mine_field}__pk": world.mine_a.pk}).first()
    for field in Mine._meta.concrete_fields:
        if field.related_model is model:
            return getattr(world.mine_a, field.name)
    raise AssertionError(f"no object of {model.__name__} is related to mine A")


#: A change of a government-only object of mine A and the reason its audit entry carries.
Planted = list[tuple[Any, str]]


def _plant_government_only_changes(world: World) -> Planted:
    """Change government-only objects of mine A as the inspector, each with a reason no page
    shows elsewhere: a pending referral to the police, a hazard proposal, and the switch of the
    mine's plan entry to a surprise check (all three used to show in the mine's dossier)."""
    inspector, today = world.users["inspector"], local_date()
    planted: Planted = []
    with acting_as(inspector, "走查标记：移送公安"):
        referral = Referral.objects.create(
            mine=world.mine_a,
            target=ReferralTarget.POLICE,
            matter="停供民用爆炸物品",
            sent_on=today,
            due_on=today + dt.timedelta(days=365),
        )
    planted.append((referral, "走查标记：移送公安"))
    with acting_as(inspector, "走查标记：处理建议"):
        proposal = HazardProposal.objects.create(
            mine=world.mine_a,
            kind=ProposalKind.CLOSURE,
            basis="走查",
            time=timezone.now() - dt.timedelta(days=3650),
        )
    planted.append((proposal, "走查标记：处理建议"))
    entry = PlanEntry.objects.filter(mine=world.mine_a).first()
    assert entry is not None
    with acting_as(inspector, "走查标记：改为突击检查"):
        entry.surprise = True
        entry.edited_reason = "走查标记：改为突击检查"
        entry.save()
    planted.append((entry, "走查标记：改为突击检查"))
    return planted


def _client(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


def _invisible_mines(world: World, user: Any) -> list[Mine]:
    visible = set(Mine.objects.restrict(user).values_list("pk", flat=True))
    return [m for m in world.mines if m.pk not in visible]


def _text(response: Any) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return json.dumps(
            [list(row) for ws in book for row in ws.iter_rows(values_only=True)],
            ensure_ascii=False,
            default=str,
        )
    return response.content.decode("utf-8", errors="replace")


def _visible(model: Any, obj: Any, user: Any, action: str = VIEW) -> bool:
    return bool(model.objects.restrict(user, action).filter(pk=obj.pk).exists())


def _page_expectation(route: Route, obj: Any, user: Any) -> set[int]:
    pk_model = _pk_model(route)
    if not _visible(pk_model, obj, user):
        return {404, 405}
    model, action = _action_model(route)
    allowed = can(user, model, action) and (
        pk_model is not model or _visible(model, obj, user, action)
    )
    return {200, 400, 302, 405} if allowed else {403, 405}


def _api_detail_expectation(route: Route, obj: Any, user: Any, write: bool) -> set[int]:
    """GET: 200 in jurisdiction, else 404. PATCH: a role that may never change such objects gets
    403 before any lookup; otherwise 404 outside jurisdiction, 403 or success inside."""
    model = _pk_model(route)
    if write and not can(user, model, CHANGE):
        return {403, 405}
    if not _visible(model, obj, user):
        return {404, 405}
    if not write:
        return {200}
    return {200, 400, 405} if _visible(model, obj, user, CHANGE) else {403, 405}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_with_every_persona(route: Route, world: World) -> None:
    """REG-1 / issue 2 §2: allowed, denied (403), filtered or absent (404) — never 500."""
    has_pk = "pk" in route.kwargs
    obj = _object_of_mine_a(_pk_model(route), world) if has_pk else None
    extra = {k: SAMPLE_KWARGS[k] for k in route.kwargs if k != "pk"}
    url = reverse(route.name, kwargs={**({"pk": obj.pk} if has_pk else {}), **extra} or None)
    planted = _plant_government_only_changes(world)
    for persona in PERSONAS:
        with transaction.atomic():
            _check(route, url, obj, world, persona, planted)
            transaction.set_rollback(True)


def _check(route: Route, url: str, obj: Any, world: World, persona: str, planted: Planted) -> None:
    client = _client(world, persona)
    user = world.users.get(persona)
    if obj is not None and persona != "anonymous":
        if route.is_api:
            expect_get = _api_detail_expectation(route, obj, user, False) | {405}
            expect_write = _api_detail_expectation(route, obj, user, True)
        else:
            expect_get = expect_write = _page_expectation(route, obj, user)
    get = client.get(url)
    write = (
        client.patch(url, data={}, content_type="application/json")
        if route.is_api and obj
        else client.post(url, data={})
    )
    where = f"{route} as {persona}: GET {get.status_code}, write {write.status_code}"
    assert get.status_code != 500 and write.status_code != 500, where
    if persona == "anonymous":
        if route.name in PUBLIC:
            return
        expected = {401, 403, 405} if route.is_api else {302, 405}
        assert get.status_code in expected and write.status_code in expected, where
        if get.status_code == 302:
            assert get["Location"].startswith(reverse("login")), where
        return
    if obj is not None:
        assert get.status_code in expect_get, where
        assert write.status_code in expect_write, where
    else:
        assert get.status_code in {200, 302, 403, 405}, where
        assert write.status_code in {200, 201, 302, 400, 403, 405}, where
        if route.is_api and write.status_code in (200, 201):
            assert can(user, getattr(route.callback, "cls", Mine).queryset.model, ADD), where
    if get.status_code == 200:
        text = _text(get)
        for mine in _invisible_mines(world, user):
            assert mine.name not in text and mine.code not in text, f"{where}: leaks {mine}"
        for changed, reason in planted:
            if not _visible(type(changed), changed, user):
                assert reason not in text, f"{where}: leaks the change of {changed!r}"


HISTORY_ROUTES = [route for route in ROUTES if _view_attr(route, "shows_audit_history")]


def test_history_routes_are_found() -> None:
    assert HISTORY_ROUTES, "no view declares shows_audit_history"


@pytest.mark.parametrize("route", HISTORY_ROUTES, ids=str)
def test_history_pages_show_each_change_by_its_object_policy(route: Route, world: World) -> None:
    """REG-1, ENF-2: a history page lists the change of an object exactly to whom the object's
    own policy shows it: the government personas over mine A see the planted changes, the mine's
    and the enterprise's officers never do."""
    planted = _plant_government_only_changes(world)
    url = reverse(route.name, kwargs={"pk": world.mine_a.pk})
    seen_by = {}
    for persona in PERSONAS[1:]:
        user = world.users[persona]
        response = _client(world, persona).get(url)
        assert response.status_code in {200, 404}, f"{route} as {persona}"
        text = _text(response) if response.status_code == 200 else ""
        for changed, reason in planted:
            expected = response.status_code == 200 and _visible(type(changed), changed, user)
            assert (reason in text) == expected, f"{route} as {persona}: {reason}"
        seen_by[persona] = response.status_code == 200
    assert seen_by["mine_a"] and seen_by["enterprise"] and seen_by["regulator_x"]


def test_every_pk_route_declares_its_model() -> None:
    for route in ROUTES:
        if "pk" in route.kwargs:
            assert _pk_model(route) is not None


# --- Valid bodies that point outside the actor's jurisdiction ------------------------------------
# A form or endpoint may check the object in its URL and still store a foreign key the body names:
# every create/update form and endpoint is posted a body whose foreign key names an object the
# actor cannot see. The answer must be 400 naming that field, or 403/404, and nothing is stored.


def _restricted_model(field: Any) -> Any:
    """The related model of a form or serializer field, when that model is jurisdiction-scoped."""
    queryset = getattr(field, "queryset", None)
    if queryset is None and hasattr(field, "child_relation"):
        queryset = field.child_relation.queryset
    model = getattr(queryset, "model", None)
    return model if model is not None and hasattr(model._default_manager, "restrict") else None


def _form_fk_fields(route: Route) -> list[str]:
    form_class = _view_attr(route, "form_class")
    if route.is_api or form_class is None:
        return []
    fields = getattr(form_class, "base_fields", {})
    return [name for name, field in fields.items() if _restricted_model(field) is not None]


def _serializer_class(route: Route, action: str) -> Any:
    cls = route.callback.cls
    view = cls(action=action, request=None, format_kwarg=None, kwargs={})
    try:
        return view.get_serializer_class()
    except Exception:  # a serializer chosen from the request: the declared one
        return getattr(cls, "serializer_class", None)


def _api_write(route: Route) -> str | None:
    """The write a router route offers: ``create`` on a list, ``partial_update`` on a detail."""
    cls = getattr(route.callback, "cls", None)
    if cls is None:
        return None
    actions = getattr(route.callback, "actions", {}) or {}
    allowed = set(getattr(cls, "http_method_names", ())) & {"post", "patch"}
    method = next((actions[m] for m in sorted(allowed) if m in actions), None)
    return method if method in ("create", "partial_update") else None


def _api_fk_fields(route: Route) -> list[str]:
    action = _api_write(route)
    serializer = _serializer_class(route, action) if action else None
    if serializer is None:
        return []
    fields = serializer().fields
    return [
        name
        for name, field in fields.items()
        if not field.read_only and _restricted_model(field) is not None
    ]


FK_CASES = [
    pytest.param(route, name, id=f"{route}.{name}")
    for route in ROUTES
    for name in (_api_fk_fields(route) if route.is_api else _form_fk_fields(route))
]


def _foreign(model: Any, user: Any) -> Any:
    """An object of ``model`` outside the user's jurisdiction (None when there is none). A user
    account is outside when its organisation, enterprise or mine is (an account sees only
    itself, yet may name colleagues)."""
    if model is User:
        return User.objects.exclude(nameable_by(user)).order_by("pk").first()
    visible = model._default_manager.restrict(user, VIEW).values("pk")
    return model._default_manager.exclude(pk__in=visible).order_by("pk").first()


def _filled(form: Any) -> dict[str, Any]:
    """What a careful user would submit: the form's initial values, required blanks filled."""
    data: dict[str, Any] = {}
    for bound in form:
        field, value = bound.field, bound.value()
        if isinstance(field, dj_forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
            continue
        if value in (None, "", []) and field.required:
            value = _sample(field)
        if isinstance(value, (list, tuple)):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[bound.html_name] = getattr(value, "pk", value)
    return data


def _sample(field: Any) -> Any:
    choices = [c for c, _ in getattr(field, "choices", []) if c not in ("", None)]
    if isinstance(field, dj_forms.ModelChoiceField):
        first = field.queryset.first()
        return first.pk if first else ""
    if choices:
        return [choices[0]] if isinstance(field, dj_forms.MultipleChoiceField) else choices[0]
    if isinstance(field, dj_forms.DateTimeField):
        return timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if isinstance(field, dj_forms.DateField):
        return local_date().isoformat()
    if isinstance(field, (dj_forms.IntegerField, dj_forms.DecimalField, dj_forms.FloatField)):
        return "1"
    return "走查填写"


def _references(model: Any, name: str, target: Any) -> int:
    """How many rows of ``model`` name ``target`` in field ``name`` (0 for a field the model
    does not store under that name: nothing can have been stored there)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return 0
    return int(model._default_manager.filter(**{field.name: target}).count())


#: Outcomes of one persona's attempt: refused as required, could not open the form or write
#: at all, or found nothing outside their jurisdiction to point at.
TRIED, CLOSED, NOTHING_OUTSIDE = "tried", "closed", "nothing outside"


@pytest.mark.parametrize(("route", "name"), FK_CASES)
def test_bodies_pointing_outside_jurisdiction_are_refused(route: Route, name: str, world: World):
    """REG-1: a valid body whose foreign key names an object outside the actor's jurisdiction
    answers 400 on that field (or 403/404/405) and stores nothing, for every form and endpoint.
    Some persona must reach the form; where none tried, every one that reached it found no
    object outside their jurisdiction (a register every role sees whole)."""
    has_pk = "pk" in route.kwargs
    obj = _object_of_mine_a(_pk_model(route), world) if has_pk else None
    extra = {k: SAMPLE_KWARGS[k] for k in route.kwargs if k != "pk"}
    url = reverse(route.name, kwargs={**({"pk": obj.pk} if has_pk else {}), **extra} or None)
    outcomes = {}
    for persona in PERSONAS[1:]:
        with transaction.atomic():
            post = _post_api if route.is_api else _post_form
            outcomes[persona] = post(route, url, name, world, persona)
            transaction.set_rollback(True)
    assert set(outcomes.values()) != {CLOSED}, f"{route}: no persona could submit {name}"


def _post_api(route: Route, url: str, name: str, world: World, persona: str) -> str:
    client, user = _client(world, persona), world.users[persona]
    action = _api_write(route)
    serializer = _serializer_class(route, action)
    field = serializer().fields[name]
    model = serializer.Meta.model
    if not can(user, model, ADD if action == "create" else CHANGE):
        return CLOSED
    foreign = _foreign(_restricted_model(field), user)
    if foreign is None:
        return NOTHING_OUTSIDE
    value = [foreign.pk] if hasattr(field, "child_relation") else foreign.pk
    source = field.source or name
    before = _references(model, source, foreign)
    body = {**_api_template(serializer, user), name: value}
    send = client.post if action == "create" else client.patch
    response = send(url, data=body, content_type="application/json")
    errors = response.json() if response.status_code == 400 else {}
    where = f"{route} as {persona}: {name}={foreign!r} answered {response.status_code}"
    assert response.status_code in {400, 403, 404, 405}, where
    if response.status_code == 400:
        assert name in errors, f"{where} without refusing the field: {errors}"
    assert _references(model, source, foreign) == before, f"{where}: stored"
    return TRIED


def _post_form(route: Route, url: str, name: str, world: World, persona: str) -> str:
    client, user = _client(world, persona), world.users[persona]
    page = client.get(url)
    if page.status_code != 200 or not page.context or "form" not in page.context:
        return CLOSED
    form = page.context["form"]
    base = _view_attr(route, "form_class").base_fields[name]
    foreign = _foreign(_restricted_model(base), user)
    if foreign is None:
        return NOTHING_OUTSIDE
    model = form._meta.model if hasattr(form, "_meta") else _view_attr(route, "model")
    before = _references(model, name, foreign) if model else 0
    many = isinstance(base, dj_forms.ModelMultipleChoiceField)
    response = client.post(url, data={**_filled(form), name: [foreign.pk] if many else foreign.pk})
    where = f"{route} as {persona}: {name}={foreign!r} answered {response.status_code}"
    # A field the form does not show or disables is ignored: only "nothing stored" is asked.
    if name in form.fields and not form.fields[name].disabled:
        assert response.status_code in {400, 403, 404}, where
        if response.status_code == 400:
            errors = response.context["form"].errors
            assert name in errors, f"{where} without refusing the field: {dict(errors)}"
    if model is not None:
        assert _references(model, name, foreign) == before, f"{where}: stored"
    return TRIED


def _api_template(serializer: Any, user: Any) -> dict[str, Any]:
    """A body as the API would show an existing visible object (a valid body, give or take
    unique values), or nothing when the actor sees none."""
    model = serializer.Meta.model
    existing = model._default_manager.restrict(user, VIEW).order_by("pk").first()
    if existing is None:
        return {}
    request = type("R", (), {"user": user, "query_params": {}, "GET": {}})()
    data = serializer(existing, context={"request": request}).data
    fields = serializer().fields
    return {k: v for k, v in data.items() if k in fields and not fields[k].read_only}


# --- Custom actions and workflow steps -------------------------------------------------------
# Actions beyond create and update (assigning a case, a workflow step's body, a decision) take
# bodies too: each relational field of each body they publish is posted an object outside the
# actor's jurisdiction, with the same expectations.


def _action_bodies(route: Route) -> list[tuple[str | None, Any]]:
    """(step name or None, request serializer) of a custom POST action, read from the published
    schema, so a body added later is walked without touching this test."""
    actions = getattr(route.callback, "actions", None) or {}
    if actions.get("post") in (None, "create"):
        return []
    generator = SchemaGenerator()
    view = generator.create_view(route.callback, "POST")
    schema = view.schema
    body = schema.get_request_serializer()
    steps = getattr(route.callback.cls, "step_serializers", {}) if "name" in route.kwargs else {}
    by_class = {serializer: name for name, serializer in steps.items()}
    members = getattr(body, "serializers", None) or [body]
    found = []
    for member in members:
        cls = member if isinstance(member, type) else type(member)
        if isinstance(cls, type) and issubclass(cls, serializers.Serializer):
            found.append((by_class.get(cls, SAMPLE_KWARGS["name"]) if steps else None, cls))
    return found


def _action_fk_cases(route: Route) -> Iterator[tuple[str | None, Any, str]]:
    for step, serializer in _action_bodies(route):
        for name, field in serializer().fields.items():
            if not field.read_only and _restricted_model(field) is not None:
                yield step, serializer, name


ACTION_CASES = [
    pytest.param(route, step, serializer, name, id=f"{route}.{step or ''}.{name}")
    for route in ROUTES
    if route.is_api
    for step, serializer, name in _action_fk_cases(route)
]


def test_custom_action_bodies_are_found() -> None:
    """The walk sees relational fields in action bodies (assigning an alarm case names a user)."""
    assert any(str(p.values[0]).startswith("alarm-case-assign") for p in ACTION_CASES)


def _api_sample(field: Any) -> Any:
    """A plausible value for a required field of an action's body."""
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices))
    if isinstance(field, serializers.BooleanField):
        return True
    if isinstance(field, (serializers.IntegerField, serializers.FloatField)):
        return 1
    if isinstance(field, serializers.DateTimeField):
        return timezone.now().isoformat()
    if isinstance(field, serializers.DateField):
        return local_date().isoformat()
    if isinstance(field, serializers.ListField):
        return []
    return "走查填写"


@pytest.mark.parametrize(("route", "step", "serializer", "name"), ACTION_CASES)
def test_action_bodies_pointing_outside_jurisdiction_are_refused(
    route: Route, step: str | None, serializer: Any, name: str, world: World
) -> None:
    """REG-1: an action's body naming an object outside the actor's jurisdiction answers 400 on
    that field (or 403/404) and changes nothing, whoever posts it."""
    model = _pk_model(route)
    obj = _object_of_mine_a(model, world)
    url = reverse(route.name, kwargs={"pk": obj.pk, **({"name": step} if step else {})})
    fields = serializer().fields
    field = fields[name]
    tried, outside = [], []
    for persona in PERSONAS[1:]:
        user = world.users[persona]
        foreign = _foreign(_restricted_model(field), user)
        if foreign is None:
            continue
        outside.append(persona)
        body = {k: _api_sample(f) for k, f in fields.items() if f.required and not f.read_only}
        body[name] = [foreign.pk] if hasattr(field, "child_relation") else foreign.pk
        source = field.source or name
        with transaction.atomic():
            before = _references(model, source, foreign)
            response = _client(world, persona).post(url, data=body, content_type="application/json")
            where = f"{route} as {persona}: {name}={foreign!r} answered {response.status_code}"
            assert response.status_code in {400, 403, 404, 405}, where
            if response.status_code == 400:
                assert name in response.json(), f"{where} without refusing the field"
                tried.append(persona)
            assert _references(model, source, foreign) == before, f"{where}: stored"
            transaction.set_rollback(True)
    # A register every role sees whole (the national list of major hazards) has nothing outside.
    assert tried or not outside, f"{route}: no persona reached the check of {name}"
