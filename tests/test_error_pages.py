"""Error pages speak Chinese with their status codes: 400, 403 (with the platform's own refusal),
404, 500 (without the database) and a CSRF failure."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.views.defaults import bad_request, server_error

from minesafe.core.errors import permission_denied
from minesafe.testing import World


def test_404_is_chinese_in_the_layout(world: World) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "错误代码 404" in body
    assert "煤矿档案" in body  # the site's layout, with its menu
    assert "Not Found" not in body


def test_404_of_an_object_outside_jurisdiction(world: World) -> None:
    client = Client()
    client.force_login(world.users["mine_a"])
    response = client.get(world.mine_b.get_absolute_url())
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_403_shows_the_platforms_refusal_in_chinese(world: World) -> None:
    client = Client()
    client.force_login(world.users["mine_a"])
    response = client.get("/mines/import/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in body and "您没有执行此操作的权限" in body and "Forbidden" not in body


def test_403_replaces_a_foreign_message_with_chinese(world: World) -> None:
    request = RequestFactory().get("/")
    request.user = world.users["mine_a"]
    response = permission_denied(request, PermissionDenied("You do not have permission"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in body and "You do not" not in body


def test_500_and_400_render_without_the_database() -> None:
    """No ``db`` fixture: any query would fail the test."""
    request = RequestFactory().get("/")
    response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500 and "服务器内部错误" in body and "Server Error" not in body
    response = bad_request(request, SuspiciousOperation("bad"))
    body = response.content.decode()
    assert response.status_code == 400 and "请求有误" in body and "Bad Request" not in body


@pytest.mark.django_db
def test_csrf_failure_is_chinese() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in body and "CSRF verification failed" not in body
