"""The Content-Security-Policy (docs/security.md): every page carries it, its script-src allows the
app's own files only, and no page holds a script the policy would block (inline code or an
inline event handler), the API docs included."""

from __future__ import annotations

import re
from typing import Any

import pytest

from minesafe.hazards.models import Hazard
from minesafe.positioning.models import Presence

#: A <script> element that is neither a file (src=) nor a JSON data block (json_script).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
#: An inline event handler attribute (onclick=, onchange=, …) or a javascript: link.
INLINE_HANDLER = re.compile(r"<[^>]+\s(?:on[a-z]+=|href=\"javascript:)", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _pages(world: Any) -> list[str]:
    mine = world.mine_a
    return [
        "/",
        f"/mines/{mine.pk}/",
        f"/mines/{mine.pk}/edit/",
        "/monitoring/board/",
        f"/monitoring/mines/{mine.pk}/live/",
        f"/positioning/cards/{Presence.objects.filter(mine=mine)[0].pk}/",
        "/hazards/",
        "/hazards/catalogue/",
        f"/hazards/{Hazard.objects.filter(mine=mine)[0].pk}/",
        "/api/docs/",
    ]


@pytest.mark.django_db
def test_login_page_has_the_policy(client: Any) -> None:
    response = client.get("/accounts/login/")
    script_src = _directives(response["Content-Security-Policy"])["script-src"]
    assert script_src == ["'self'"]


def test_every_page_has_a_strict_script_policy_and_no_inline_script(
    client: Any, world: Any
) -> None:
    client.force_login(world.users["regulator_x"])
    for path in _pages(world):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], path
        html = response.content.decode()
        assert INLINE_SCRIPT.findall(html) == [], path
        assert INLINE_HANDLER.findall(html) == [], path


def test_api_docs_script_is_served_as_a_file(client: Any, world: Any) -> None:
    client.force_login(world.users["regulator_x"])
    page = client.get("/api/docs/").content.decode()
    src = re.search(r'<script src="(/api/docs/\?[^"]*)"', page)
    assert src is not None
    script = client.get(src.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
