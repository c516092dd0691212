"""Account administration (ACC): a platform administrator administers every account, a county or
city regulator the accounts inside its jurisdiction and below its level; every change is audited
with its reason, a deactivated account cannot sign in, a reset password works once and must then
be changed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from minesafe.accounts.choices import Role
from minesafe.accounts.models import User
from minesafe.core.models import AuditEntry
from minesafe.testing import PASSWORD, World

LOGIN = "/accounts/login/"


def as_(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def entries(account: User) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(account.pk)
        ).order_by("id")
    )


def new_officer(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "username": "newofficer",
        "first_name": "王新",
        "title": "安全科科长",
        "phone": "",
        "role": Role.MINE_SAFETY_OFFICER,
        "mine": world.mine_a.pk,
        "reason": "新任安全科科长",
        **extra,
    }


def shown_password(client: Client, response: Any) -> str:
    """The one-time password, read on the page the POST redirects to (POST/redirect/GET)."""
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/accounts/users/one-time-password/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    match = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page.content.decode())
    assert match, "the one-time password is not on the page"
    return match.group(1)


def sign_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def test_county_regulator_creates_a_mine_officer_who_signs_in_and_must_change_password(
    world: World,
) -> None:
    client = as_(world, "regulator_x")
    response = client.post(reverse("user_create"), new_officer(world))
    password = shown_password(client, response)
    account = User.objects.get(username="newofficer")
    assert (account.role, account.mine, account.must_change_password) == (
        Role.MINE_SAFETY_OFFICER,
        world.mine_a,
        True,
    )
    audit = entries(account)
    assert [e.action for e in audit] == ["create", "update"]
    assert all(e.reason == "新任安全科科长" for e in audit)
    assert audit[0].username == world.users["regulator_x"].username
    assert audit[0].changes["mine_id"] == [None, world.mine_a.pk]
    assert password not in str(audit[1].changes) and "password" in audit[1].changes
    client = sign_in("newofficer", password)
    # Every page sends the new user to choose its own password first.
    assert client.get(reverse("registry:mine_list"))["Location"] == reverse("password_change")
    # A fragment the password page itself loads (the menu's badge) swaps nothing in.
    badge = client.get(reverse("response:unread_badge"), headers={"HX-Request": "true"})
    assert badge.status_code == 204 and not badge.content
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Kx7!meiKuang",
            "new_password2": "Kx7!meiKuang",
        },
    )
    assert changed.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get(reverse("registry:mine_list")).status_code == 200
    sign_in("newofficer", "Kx7!meiKuang")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"role": Role.CITY_REGULATOR, "organization": "regulator_x_org"},
            "role",
        ),  # above its level
        ({"role": Role.ADMIN}, "role"),
        ({"role": Role.INSPECTOR, "organization": "regulator_x_org"}, "role"),
        ({"mine": "mine_c"}, "mine"),  # a mine of the other county
        ({"role": Role.COUNTY_REGULATOR, "organization": "regulator_y_org"}, "organization"),
        ({"role": Role.COUNTY_REGULATOR, "organization": "city_org"}, "organization"),
        ({"role": Role.MINE_MANAGER, "mine": ""}, "mine"),  # a mine role without its mine
        ({"reason": ""}, "reason"),
    ],
)
def test_county_regulator_cannot_create_above_its_level_or_outside_its_county(
    world: World, change: dict[str, Any], field: str
) -> None:
    body = new_officer(world)
    objects = {"regulator_x_org", "regulator_y_org", "city_org", "mine_c"}
    body.update({k: getattr(world, v).pk if v in objects else v for k, v in change.items()})
    response = as_(world, "regulator_x").post(reverse("user_create"), body)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not User.objects.filter(username="newofficer").exists()


def test_city_regulator_may_create_a_county_regulator_in_its_city(world: World) -> None:
    body = new_officer(
        world, role=Role.COUNTY_REGULATOR, organization=world.regulator_y_org.pk, mine=""
    )
    response = as_(world, "city").post(reverse("user_create"), body)
    assert response.status_code == 302
    account = User.objects.get(username="newofficer")
    assert (account.organization, account.mine) == (world.regulator_y_org, None)


@pytest.mark.parametrize("persona", ["mine_a", "enterprise", "inspector"])
def test_other_roles_cannot_open_the_administration(world: World, persona: str) -> None:
    client = as_(world, persona)
    assert client.get(reverse("user_list")).status_code == 403
    assert client.post(reverse("user_create"), new_officer(world)).status_code == 403
    assert "用户管理" not in client.get(reverse("registry:mine_list")).content.decode()
    assert not User.objects.filter(username="newofficer").exists()


def test_list_shows_only_the_accounts_in_jurisdiction_and_filters(world: World) -> None:
    client = as_(world, "regulator_x")
    names = _listed(client.get(reverse("user_list")))
    assert {world.users["mine_a"].username, world.users["mine_b"].username} <= names
    for outside in ("regulator_y", "city", "inspector", "admin", "regulator_x"):
        assert world.users[outside].username not in names
    assert "用户管理" in client.get(reverse("registry:mine_list")).content.decode()
    only_a = _listed(client.get(reverse("user_list"), {"unit": world.mine_a.name}))
    assert only_a == {world.users["mine_a"].username}
    assert _listed(client.get(reverse("user_list"), {"status": "inactive"})) == set()
    everyone = _listed(as_(world, "admin").get(reverse("user_list")))
    assert {u.username for u in world.users.values()} - {
        "admin",
        world.users["admin"].username,
    } <= everyone


def _listed(response: Any) -> set[str]:
    assert response.status_code == 200
    return {u.username for u in response.context["page"]}


def test_edit_changes_role_and_mine_with_an_audited_reason(world: World) -> None:
    account = world.users["mine_b"]
    client = as_(world, "regulator_x")
    assert client.get(reverse("user_edit", args=[account.pk])).status_code == 200
    body = new_officer(world, username=account.username, role=Role.MINE_MANAGER, reason="调任矿长")
    response = client.post(reverse("user_edit", args=[account.pk]), body)
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.role, account.mine) == (Role.MINE_MANAGER, world.mine_a)
    last = entries(account)[-1]
    assert last.action == "update" and last.reason == "调任矿长"
    assert last.changes["role"] == [Role.MINE_SAFETY_OFFICER, Role.MINE_MANAGER]
    assert last.changes["mine_id"] == [world.mine_b.pk, world.mine_a.pk]
    page = client.get(reverse("user_edit", args=[account.pk])).content.decode()
    assert f"所属煤矿：{world.mine_b.name} → {world.mine_a.name}" in page
    assert "角色：煤矿安全管理员 → 矿长" in page and "mine_id" not in page


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        ("regulator_x", "regulator_x", 403),  # not itself: nobody elevates themselves
        ("regulator_x", "city", 404),
        ("regulator_x", "regulator_y", 404),
        ("regulator_x", "inspector", 404),
        ("regulator_x", "admin", 404),
        ("city", "admin", 404),
        ("regulator_y", "mine_a", 404),
        ("mine_a", "mine_a", 403),
        ("admin", "admin", 403),
    ],
)
def test_refusals_outside_jurisdiction_above_level_and_self(
    world: World, actor: str, target: str, status: int
) -> None:
    account = world.users[target]
    client = as_(world, actor)
    for name in ("user_edit", "user_activation", "user_password"):
        url = reverse(name, args=[account.pk])
        assert client.get(url).status_code == status, name
        assert client.post(url, {"reason": "越权", "mode": "generate"}).status_code == status
    account.refresh_from_db()
    assert account.is_active and not entries(account)


def test_a_regulator_cannot_promote_an_account_above_its_own_level(world: World) -> None:
    account = world.users["mine_a"]
    body = new_officer(
        world, username=account.username, role=Role.CITY_REGULATOR, organization=world.city_org.pk
    )
    response = as_(world, "regulator_x").post(reverse("user_edit", args=[account.pk]), body)
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.role == Role.MINE_SAFETY_OFFICER


def test_deactivated_user_cannot_sign_in_until_reactivated(world: World) -> None:
    account = world.users["mine_a"]
    url = reverse("user_activation", args=[account.pk])
    client = as_(world, "regulator_x")
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "调离本矿"}).status_code == 302
    account.refresh_from_db()
    assert not account.is_active
    refused = Client().post(LOGIN, {"username": account.username, "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    # A session opened before the deactivation ends with it.
    assert as_(world, "mine_a").get(reverse("registry:mine_list")).status_code == 302
    assert _listed(client.get(reverse("user_list"), {"status": "inactive"})) == {account.username}
    assert client.post(url, {"reason": "复职"}).status_code == 302
    sign_in(account.username, PASSWORD)
    audit = entries(account)
    assert [(e.changes["is_active"], e.reason) for e in audit] == [
        ([True, False], "调离本矿"),
        ([False, True], "复职"),
    ]


def test_reset_password_generated_once_or_set_with_the_validators(world: World) -> None:
    account = world.users["mine_a"]
    url = reverse("user_password", args=[account.pk])
    client = as_(world, "regulator_x")
    response = client.post(url, {"mode": "generate", "reason": "忘记密码"})
    password = shown_password(client, response)
    sign_in(account.username, password)
    with pytest.raises(AssertionError):
        sign_in(account.username, PASSWORD)
    weak = client.post(url, {"mode": "set", "password": "12345678", "reason": "忘记密码"})
    assert weak.status_code == 400 and "password" in weak.context["form"].errors
    ok = client.post(url, {"mode": "set", "password": "Qz9#yanjiu", "reason": "忘记密码"})
    assert ok.status_code == 302
    sign_in(account.username, "Qz9#yanjiu")
    account.refresh_from_db()
    assert account.must_change_password
    resets = [e for e in entries(account) if "password" in e.changes]
    assert len(resets) == 2 and all(e.reason == "忘记密码" for e in resets)
    assert "Qz9#yanjiu" not in str(resets[-1].changes) and password not in str(resets[0].changes)


def test_city_regulator_registers_and_edits_bodies_below_its_own_audited(world: World) -> None:
    from minesafe.accounts.models import Organization

    client = as_(world, "city")
    body = {
        "name": "甲县能源局",
        "kind": "energy",
        "division": world.county_x.pk,
        "parent": world.city_org.pk,
        "reason": "新设机构",
    }
    assert client.post(reverse("organization_add"), body).status_code == 302
    created = Organization.objects.get(name="甲县能源局")
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(created.pk),
        action="create",
    )
    assert entry.reason == "新设机构" and entry.username == world.users["city"].username
    url = reverse("organization_edit", args=[created.pk])
    assert client.post(url, {**body, "name": "甲县能源局（更名）"}).status_code == 302
    assert (
        client.post(reverse("organization_add"), {**body, "kind": "inspectorate"}).status_code
        == 400
    )
    # Not its own body (nobody elevates themselves), nor a county's from another county's view.
    own = reverse("organization_edit", args=[world.city_org.pk])
    assert client.get(own).status_code == 403
    county = as_(world, "regulator_x")
    assert county.get(reverse("organization_add")).status_code == 403
    assert county.get(url).status_code == 404  # a sibling body it does not see
    own_county = reverse("organization_edit", args=[world.regulator_x_org.pk])
    assert county.get(own_county).status_code == 403
    assert as_(world, "mine_a").get(reverse("organization_add")).status_code == 403
    listing = client.get(reverse("organization_list")).content.decode()
    assert reverse("organization_edit", args=[created.pk]) in listing and own not in listing


def test_every_role_meets_the_administration_as_its_level_allows(world: World) -> None:
    """The roles the shared walk has no persona for: a mine manager is refused everywhere, the
    platform administrator administers any account but its own."""
    from minesafe.testing import make_user

    manager = make_user("manager_a", Role.MINE_MANAGER, mine=world.mine_a)
    client = Client()
    client.force_login(manager)
    target = world.users["mine_a"]
    assert client.get(reverse("user_list")).status_code == 403
    assert client.get(reverse("user_create")).status_code == 403
    assert client.get(reverse("user_edit", args=[target.pk])).status_code == 404
    assert client.get(reverse("user_edit", args=[manager.pk])).status_code == 403
    admin = as_(world, "admin")
    for name in ("user_edit", "user_activation", "user_password"):
        for persona in ("city", "inspector", "regulator_y", "mine_a"):
            url = reverse(name, args=[world.users[persona].pk])
            assert admin.get(url).status_code == 200, (name, persona)
    body = new_officer(world, role=Role.INSPECTOR, mine="", reason="新任监察员")
    body["organization"] = world.users["inspector"].organization_id
    assert admin.post(reverse("user_create"), body).status_code == 302
    assert User.objects.get(username="newofficer").role == Role.INSPECTOR


GONE = "此一次性密码已显示过或已失效"


def test_one_time_password_of_a_new_account_is_shown_exactly_once_after_a_redirect(
    world: World,
) -> None:
    """ACC: creating an account answers a redirect (reloading the page can no longer post the
    form again); the page it leads to shows the one-time password once, never again."""
    client = as_(world, "regulator_x")
    response = client.post(reverse("user_create"), new_officer(world))
    url = response["Location"]
    password = shown_password(client, response)
    sign_in("newofficer", password)
    again = client.get(url)  # a reload of the page that showed it
    assert again.status_code == 200 and again["Cache-Control"] == "no-store"
    text = again.content.decode()
    assert password not in text and 'id="one-time-password"' not in text
    assert GONE in text
    assert User.objects.filter(username="newofficer").count() == 1
    # Another administrator's session does not hold it either.
    other = as_(world, "admin").get(url)
    assert password not in other.content.decode() and GONE in other.content.decode()


def test_one_time_password_of_a_reset_is_shown_once_and_not_reset_again(world: World) -> None:
    account = world.users["mine_a"]
    client = as_(world, "regulator_x")
    response = client.post(
        reverse("user_password", args=[account.pk]), {"mode": "generate", "reason": "忘记密码"}
    )
    url = response["Location"]
    password = shown_password(client, response)
    resets = len([e for e in entries(account) if "password" in e.changes])
    again = client.get(url)
    assert password not in again.content.decode() and GONE in again.content.decode()
    assert len([e for e in entries(account) if "password" in e.changes]) == resets
    sign_in(account.username, password)  # still the password shown, not reset again
    assert client.get(url.replace(url.rstrip("/").rsplit("/", 1)[1], "x" * 300)).status_code == 200
    assert client.post(url).status_code == 405
    mine = as_(world, "mine_b").get(url)  # mine_a signed in above with a new password
    assert mine.status_code == 403
