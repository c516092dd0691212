"""The one entry point: audiences, preferences, organisations, the webhook, idempotency, the
workflow spine's callback, and who sees which rows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from minesafe.core.roles import Role
from minesafe.notifications import services
from minesafe.notifications.choices import Channel, DeliveryStatus, Level, Reach, Topic
from minesafe.notifications.models import Notification
from minesafe.testing import World

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clean(world: World) -> None:
    """No rows of the furnished world, addresses for the people who are told."""
    Notification.objects.all().delete()
    for persona, phone in (("mine_a", "13900000001"), ("regulator_x", "13900000002")):
        user = world.users[persona]
        user.phone, user.email = phone, f"{persona}@example.test"
        user.save()


def _send(audience: Any, key: str = "k1", level: int = Level.I, **extra: Any) -> int:
    return services.notify(
        audience, Topic.ALARM, "主题", "正文", key=key, level=level, now=NOW, **extra
    )


def _told(channel: str = Channel.IN_APP) -> set[str]:
    rows = Notification.objects.filter(channel=channel).exclude(recipient=None)
    return {n.recipient.username for n in rows.select_related("recipient")}


def test_roles_reach_the_mines_staff_and_the_regulators_over_it_only(world: World) -> None:
    roles = {Role.MINE_SAFETY_OFFICER, Role.COUNTY_REGULATOR, Role.CITY_REGULATOR}
    _send(services.to_roles(world.mine_a, roles), mine=world.mine_a)
    told = _told()
    assert {"mine_a", "reg_x", "city"} <= told and not {"mine_b", "reg_y", "ent"} & told
    assert _told(Channel.SMS) == {"mine_a", "reg_x"}  # the others have no phone
    assert Notification.objects.filter(mine=world.mine_a).count() == Notification.objects.count()


def test_the_same_key_writes_nothing_twice(world: World) -> None:
    audience = services.to_users([world.users["mine_a"]])
    first = _send(audience)
    assert first == 3 and _send(audience) == 0
    assert Notification.objects.count() == 3
    assert _send(audience, key="k2") == 3


def test_preferences_choose_channels_per_topic_and_level(world: World) -> None:
    user = world.users["mine_a"]
    services.set_preferences(
        user, {(Topic.ALARM, Channel.SMS): Reach.NEVER, (Topic.ALARM, Channel.EMAIL): Reach.ALL}
    )
    _send(services.to_users([user]), level=Level.I)
    _send(services.to_users([user]), key="quiet", level=Level.IV)
    channels = sorted(Notification.objects.values_list("level", "channel"))
    assert channels == [(1, "email"), (1, "in_app"), (4, "email"), (4, "in_app")]
    # Another topic still follows the defaults.
    services.notify(
        services.to_users([user]), Topic.HAZARD, "s", "b", key="h", level=Level.I, now=NOW
    )
    assert Notification.objects.filter(topic=Topic.HAZARD, channel=Channel.SMS).exists()


def test_an_organisation_gets_one_inbox_row_and_its_members_their_channels(world: World) -> None:
    _send(services.to_organization(world.regulator_x_org))
    org_row = Notification.objects.get(channel=Channel.IN_APP)
    assert org_row.organization == world.regulator_x_org and org_row.recipient is None
    assert _told(Channel.SMS) == {"reg_x"} and _told(Channel.EMAIL) == {"reg_x"}
    assert list(services.inbox(world.users["regulator_x"])) == [org_row]
    assert not services.inbox(world.users["regulator_y"]).exists()


def test_the_configured_webhook_gets_each_message_once(world: World, settings: Any) -> None:
    settings.MINESAFE_NOTIFICATIONS = {"WEBHOOK_URL": "http://127.0.0.1:9/hook"}
    _send([services.to_users([world.users["mine_a"]]), services.to_organization(world.city_org)])
    hook = Notification.objects.get(channel=Channel.WEBHOOK)
    assert hook.address == "http://127.0.0.1:9/hook" and hook.status == DeliveryStatus.PENDING


def test_nobody_in_the_roles_still_records_the_message(world: World) -> None:
    assert _send(services.to_roles(world.mine_c, {Role.MINE_MANAGER}), mine=world.mine_c) == 1
    row = Notification.objects.get()
    assert row.recipient is None and row.organization is None and "矿长" in row.recipient_label
    assert not Notification.objects.restrict(world.users["regulator_y"]).exists()
    assert Notification.objects.restrict(world.users["admin"]).filter(pk=row.pk).exists()


def test_a_person_sees_only_their_own_rows_an_administrator_all(world: World) -> None:
    _send(services.to_users([world.users["mine_a"], world.users["regulator_x"]]))
    mine_rows = Notification.objects.restrict(world.users["mine_a"])
    assert {n.recipient_id for n in mine_rows} == {world.users["mine_a"].pk}
    assert not Notification.objects.restrict(world.users["mine_b"]).exists()
    assert Notification.objects.restrict(world.users["admin"]).count() == 6
    assert not services.inbox(world.users["admin"]).exists()  # the inbox is one's own


def test_step_notifier_tells_the_audience_after_a_workflow_step(world: World) -> None:
    after = services.step_notifier(
        Topic.HAZARD, lambda obj: services.to_users([world.users["mine_a"]]), Level.III
    )
    step = SimpleNamespace(name="accept", label="审核通过")
    row = SimpleNamespace(pk=7, username="县局张三", at=NOW, reason="资料齐全")
    after(world.mine_a, step, row)
    after(world.mine_a, step, row)  # the same history row: once
    note = Notification.objects.get(channel=Channel.IN_APP)
    assert note.kind == "accept" and note.subject.startswith("审核通过")
    assert "资料齐全" in note.body and note.mine == world.mine_a
    seen = services.about(world.mine_a, world.users["mine_a"])
    assert note in seen and seen.count() == Notification.objects.count() == 2  # in-app, e-mail
    assert not services.about(world.mine_a, world.users["mine_b"]).exists()
