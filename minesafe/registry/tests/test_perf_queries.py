"""The register's three busiest requests stay cheap and show what they showed (issue 2 §9).

Query counts are pinned for the mine list, the dossier and ``/api/mines/`` and must not grow
with rows. The Python-built parts (filter controls, list rows, history rows, list serializer,
``scoping.may``) are compared with what Django's templates, widgets, DRF and ``restrict`` give.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from minesafe.accounts import usercache
from minesafe.accounts.models import User
from minesafe.core.filters import render_controls
from minesafe.core.models import AuditEntry
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, may
from minesafe.registry.api import MineListSerializer, MineSerializer
from minesafe.registry.choices import CLASS_COLORS, STATUS_COLORS
from minesafe.registry.dossier import _history_rows
from minesafe.registry.filters import MineFilterSet
from minesafe.registry.models import CLASSIFY, IMPORT, Licence, Mine, WorkingFace
from minesafe.registry.views import _mine_rows
from minesafe.testing import World, make_mine

# The session comes from the cache (cached_db); the user too between changes, but each test's
# first request reads it, and saving mines forgets every cached user, so both requests of a
# test read it once: user, count, county choices, enterprise choices, the page's rows
LIST_QUERIES = 5
# user, mine (+ enterprise, county, organizations), the enterprise chain, licences, history,
# appraisals, assignments, working faces, status changes, and the names of the objects the
# changes point to, one query per kind (here users); content types from Django's cache
DOSSIER_QUERIES = 10
# user, count, the page's rows (+ enterprise)
API_QUERIES = 3


def login(world: World, persona: str = "city") -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def add_mines(world: World, count: int) -> None:
    """More rows of every kind the three requests show: mines, and history on mine A."""
    for n in range(count):
        make_mine(
            f"9901010{n + 100:05d}",
            f"加测矿{n}",
            world.enterprise_b if n % 2 else world.enterprise_a,
            world.county_x,
            world.regulator_x_org,
            inspectorate=None,
        )
    mine = world.mine_a
    for n in range(count):
        mine.capacity = 120 + n
        mine.save()


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        (reverse("registry:mine_list"), LIST_QUERIES),
        ("/api/mines/", API_QUERIES),
    ],
)
def test_list_and_api_query_counts_do_not_grow_with_rows(
    world: World, django_assert_num_queries: Any, url: str, queries: int
) -> None:
    client = login(world)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    add_mines(world, 30)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert "加测矿29" in response.content.decode()


def test_dossier_query_count_does_not_grow_with_history(
    world: World, django_assert_num_queries: Any
) -> None:
    client = login(world, "regulator_x")
    url = world.mine_a.get_absolute_url()
    client.get(url)  # warms Django's content type cache, cold or not by the tests run before
    usercache.invalidate()  # as add_mines does below: both measured requests read the user
    with django_assert_num_queries(DOSSIER_QUERIES):
        assert client.get(url).status_code == 200
    add_mines(world, 30)
    with django_assert_num_queries(DOSSIER_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<td class="changes">') >= 30


def test_filtered_list_and_htmx_partial_keep_their_query_counts(
    world: World, django_assert_num_queries: Any
) -> None:
    client = login(world)
    url = reverse("registry:mine_list")
    with django_assert_num_queries(LIST_QUERIES + 1):  # the chosen enterprise, once
        client.get(url, {"status": "producing", "enterprise": world.group.pk, "licence": "30"})
    with django_assert_num_queries(LIST_QUERIES - 3):  # no filter controls, the user cached
        partial = client.get(url, {"q": "标记"}, HTTP_HX_REQUEST="true")
    assert "<form" not in partial.content.decode()


# --- the Python-built HTML equals what the templates and widgets drew -------------------------


class _Events(HTMLParser):
    """Tags with their attributes as a set, and text stripped: markup compared by meaning."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append((tag, frozenset(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("/" + tag, None))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.events.append(("text", " ".join(data.split())))


def events(html: str) -> list[tuple[str, Any]]:
    parser = _Events()
    parser.feed(html)
    return parser.events


def widget_rendering(form: Any) -> str:
    """The template the list used before: Django's widgets."""
    return Template(
        '{% for field in form %}<div><label for="{{ field.id_for_label }}">{{ field.label }}'
        "</label>{{ field }}</div>{% endfor %}"
    ).render(Context({"form": form}))


@pytest.mark.parametrize(
    "query",
    [
        None,
        {"q": "甲", "status": ["producing", "trial"], "supervision_class": "C"},
        {"q": '"><script>x</script>', "gas_grade": "high", "ownership": "private"},
        {"county": "999999", "status": "bogus", "licence": "zz", "enterprise": "abc"},
        {"licence": "30", "page": "2", "sort": "-name"},
    ],
)
def test_filter_controls_equal_django_widgets(world: World, query: Any) -> None:
    data = QueryDict(urlencode(query, doseq=True)) if query is not None else None
    for persona in ("city", "regulator_y", "enterprise", "mine_a"):
        user = world.users[persona]
        filterset = MineFilterSet(data, queryset=Mine.objects.restrict(user), user=user)
        filterset.is_valid()  # the bound form's errors, as the view's filtering leaves them
        assert events(render_controls(filterset.form)) == events(widget_rendering(filterset.form))


OLD_ROW = Template(
    "{% load minesafe %}{% for mine in page %}<tr><td>{{ mine.code }}</td>"
    '<td><a href="{{ mine.get_absolute_url }}">{{ mine.name }}</a></td>'
    "<td>{{ mine.enterprise.name }}</td><td>{{ mine.county.name }}</td>"
    "<td>{% badge mine.get_status_display status_colors|lookup:mine.status %}</td>"
    "<td>{% badge mine.get_supervision_class_display class_colors|lookup:mine.supervision_class %}"
    "</td><td>{{ mine.get_gas_grade_display }}</td><td>{{ mine.capacity }}</td></tr>{% endfor %}"
)


def test_list_rows_equal_the_row_template(world: World) -> None:
    add_mines(world, 5)
    Mine.objects.filter(pk=world.mine_b.pk).update(name="<b>&名</b>", status="suspended")
    mines = list(Mine.objects.select_related("enterprise", "county"))
    old = OLD_ROW.render(
        Context({"page": mines, "status_colors": STATUS_COLORS, "class_colors": CLASS_COLORS})
    )
    assert events(_mine_rows(mines)) == events(old)
    assert "&lt;b&gt;&amp;名&lt;/b&gt;" in _mine_rows(mines)


OLD_HISTORY = Template(
    '{% load minesafe %}{% for e in history %}<tr><td>{{ e.time|date:"Y-m-d H:i" }}</td>'
    "<td>{{ e.username }}</td><td>{{ e.get_action_display }}</td>"
    "<td>{{ e.content_type.name }}：{{ e.object_repr }}</td>"
    '<td class="changes">{% if e.action == "update" %}{% audit_changes e as rows %}'
    '{% for label, old, new in rows %}<div>{{ label }}：<span class="old">{{ old }}</span> → '
    '<span class="new">{{ new }}</span></div>{% endfor %}{% endif %}</td>'
    "<td>{{ e.reason }}</td></tr>{% endfor %}"
)


def test_history_rows_equal_the_history_template(world: World) -> None:
    add_mines(world, 3)
    mine = world.mine_a
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Mine),
        object_id=str(mine.pk),
        object_repr="<标记矿甲一>",
        mine=mine,
        action="update",
        username="reg_x",
        changes={
            "gas_grade": ["low", "high"],
            "rock_burst": [False, True],
            "capacity": [120.5, 1200],
            "depth": [None, 600],
            "class_factors": [{"score": 1}, {"score": 2}],  # a JSON field: shown as is
            "declared_key_flags": [[], ["private"]],
            "enterprise_id": [1, 2],
            "gone_field": ["a", "b"],
        },
        reason="测试 & <原因>",
    )
    entries = AuditEntry.objects.filter(mine=mine).order_by("-time", "-id")
    old = OLD_HISTORY.render(Context({"history": list(entries)}))
    new = _history_rows(entries)
    assert events(new) == events(old)
    assert "高瓦斯" in new and "&lt;原因&gt;" in new
    response = login(world, "regulator_x").get(mine.get_absolute_url())
    assert response.status_code == 200


def test_history_times_are_local(world: World) -> None:
    entry = AuditEntry.objects.filter(mine=world.mine_a).first()
    assert entry is not None
    moment = dt.datetime(2026, 1, 1, 16, 30, tzinfo=dt.UTC)  # 00:30 the next day in Beijing
    AuditEntry.objects.filter(pk=entry.pk).update(time=moment)
    html = _history_rows(AuditEntry.objects.filter(pk=entry.pk))
    assert "2026-01-02 00:30" in html
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


# --- the API list serializer and scoping.may give what DRF and restrict give -------------------


def test_list_serializer_equals_drf_for_every_mine(world: World) -> None:
    add_mines(world, 4)
    Mine.objects.filter(pk=world.mine_c.pk).update(
        longitude=None, depth=None, declared_key_flags=["integration"], status="trial"
    )
    for mine in Mine.objects.select_related("enterprise"):
        fast = MineListSerializer(mine).data
        generic = serializers.ModelSerializer.to_representation(MineListSerializer(mine), mine)
        assert fast == generic
        assert list(fast) == list(generic)
        detail = MineSerializer(mine).data
        assert {k: v for k, v in detail.items() if k != "class_factors"} == fast


def test_api_list_leaves_out_class_factors_and_the_detail_keeps_them(world: World) -> None:
    client = login(world)
    listed = client.get("/api/mines/").json()["results"]
    assert listed and all("class_factors" not in row for row in listed)
    assert all("key_flags" in row for row in listed)
    detail = client.get(f"/api/mines/{world.mine_a.pk}/").json()
    assert "factors" in detail["class_factors"]


def test_may_agrees_with_restrict_for_every_persona_action_and_object(world: World) -> None:
    actions = (VIEW, ADD, CHANGE, DELETE, CLASSIFY, IMPORT)
    checked = 0
    for user in world.users.values():
        for model in (Mine, Licence, WorkingFace):
            for obj in model.objects.restrict(user, VIEW):
                for action in actions:
                    expected = model.objects.restrict(user, action).filter(pk=obj.pk).exists()
                    assert may(user, obj, action) == expected, (user, obj, action)
                    checked += expected
    assert checked > 0
    inactive = User.objects.get(pk=world.users["regulator_x"].pk)
    inactive.is_active = False
    assert not may(inactive, world.mine_a, VIEW)
    assert not may(None, world.mine_a, VIEW)
