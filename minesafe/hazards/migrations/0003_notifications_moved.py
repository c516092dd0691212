"""Hazard notifications move to the notifications app: every ``HazardNotification`` row is
copied as an in-app notification about its hazard. A row to an organisation stays one row to
that organisation; a row to the mine itself becomes one row per member of the mine's staff (or,
for a mine without staff accounts, one row for administrators), keyed the way
:func:`minesafe.hazards.services.notify` now names them. Then the old table goes."""

from django.db import migrations
from django.urls import NoReverseMatch, reverse

MINE_ROLES = ("mine_safety_officer", "mine_manager")
#: The levels :data:`minesafe.hazards.services.NOTICE_LEVELS` gives each kind.
LEVELS = {
    "major_report": 2,
    "reminder": 4,
    "overdue": 3,
    "escalation": 2,
    "listed": 2,
    "proposal": 3,
}


def _label(user) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _url(hazard_id) -> str:
    if hazard_id is None:
        return ""
    try:
        return reverse("hazards:hazard_detail", args=[hazard_id])
    except NoReverseMatch:
        return ""


def copy(apps, schema_editor) -> None:
    Old = apps.get_model("hazards", "HazardNotification")
    New = apps.get_model("notifications", "Notification")
    User = apps.get_model("accounts", "User")
    ContentType = apps.get_model("contenttypes", "ContentType")
    hazard_type, _ = ContentType.objects.get_or_create(app_label="hazards", model="hazard")
    kinds = dict(Old._meta.get_field("kind").choices)
    staff: dict[int, list] = {}
    copied = 0
    for old in Old.objects.select_related("hazard", "mine", "recipient").order_by("pk").iterator():
        hazard = old.hazard
        level = LEVELS.get(old.kind, 3)
        if old.kind == "overdue" and hazard is not None and hazard.grade == "major":
            level = 2
        base = old.key.rsplit("-", 1)[0]
        key = f"hazard|{old.mine_id}|{old.hazard_id}|{old.kind}|{base}"
        common = dict(
            topic="hazard",
            kind=old.kind,
            kind_label=str(kinds.get(old.kind, old.kind)),
            level=level,
            mine_id=old.mine_id,
            about_type=hazard_type if hazard is not None else None,
            about_id=old.hazard_id,
            url=_url(old.hazard_id),
            channel="in_app",
            subject=(
                f"{kinds.get(old.kind, old.kind)}：{old.mine.name}"
                + (f" 隐患{hazard.number}" if hazard is not None else "")
            )[:200],
            body=old.message,
            status="sent",
            sent_at=old.time,
            at=old.time,
        )
        if old.recipient_id is not None:
            rows = [
                New(
                    organization_id=old.recipient_id,
                    recipient_label=old.recipient_label[:150],
                    key=f"{key[:170]}|o{old.recipient_id}|in_app",
                    **common,
                )
            ]
        else:
            if old.mine_id not in staff:
                staff[old.mine_id] = list(
                    User.objects.filter(mine_id=old.mine_id, role__in=MINE_ROLES).order_by("pk")
                )
            rows = [
                New(
                    recipient=user,
                    recipient_label=_label(user)[:150],
                    address=str(user.pk),
                    key=f"{key[:170]}|u{user.pk}|in_app",
                    **common,
                )
                for user in staff[old.mine_id]
            ] or [
                New(
                    recipient_label=old.recipient_label[:150],
                    key=f"{key[:170]}|mine|in_app",
                    **common,
                )
            ]
        New.objects.bulk_create(rows)
        copied += 1
    if copied < Old.objects.count():
        raise RuntimeError("hazard notifications were lost in the move")


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0002_hazard_transition_spine"),
        ("notifications", "0001_notifications"),
        ("accounts", "0003_drop_drf_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="HazardNotification"),
    ]
