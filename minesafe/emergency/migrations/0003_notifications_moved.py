"""Evacuation notices move to the notifications app: every ``OrderNotice`` row is copied as an
in-app notification about its order target (same recipient, kind, text, time and read mark; its
key rewritten the way :func:`minesafe.emergency.services.notify` now names it), then the old
table goes."""

from django.db import migrations
from django.urls import NoReverseMatch, reverse

#: The levels :data:`minesafe.emergency.services.NOTICE_LEVELS` gives each kind.
LEVELS = {
    "new_order": 1,
    "self_issued": 2,
    "overdue": 1,
    "mismatch": 1,
    "no_data": 2,
    "spot_failed": 1,
    "lifted": 3,
}
BATCH = 2000


def _label(user) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _url(target_id: int) -> str:
    try:
        return reverse("emergency:target_detail", args=[target_id])
    except NoReverseMatch:
        return ""


def copy(apps, schema_editor) -> None:
    Old = apps.get_model("emergency", "OrderNotice")
    New = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    target_type, _ = ContentType.objects.get_or_create(app_label="emergency", model="ordertarget")
    kinds = dict(Old._meta.get_field("kind").choices)
    rows = []
    notices = Old.objects.select_related("target", "recipient").order_by("pk")
    for old in notices.iterator(BATCH):
        base = old.key.rsplit("|", 1)[0]
        rows.append(
            New(
                topic="evacuation",
                kind=old.kind,
                kind_label=str(kinds.get(old.kind, old.kind)),
                level=LEVELS.get(old.kind, 2),
                mine_id=old.target.mine_id,
                about_type=target_type,
                about_id=old.target_id,
                url=_url(old.target_id),
                recipient=old.recipient,
                recipient_label=_label(old.recipient)[:150],
                channel="in_app",
                address=str(old.recipient_id),
                subject=old.subject,
                body=old.body,
                status="sent",
                sent_at=old.at,
                read_at=old.read_at,
                key=f"evacuation|{base[:159]}|u{old.recipient_id}|in_app",
                at=old.at,
            )
        )
        if len(rows) >= BATCH:
            New.objects.bulk_create(rows)
            rows = []
    New.objects.bulk_create(rows)
    if New.objects.filter(topic="evacuation").count() < Old.objects.count():
        raise RuntimeError("evacuation notices were lost in the move")


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0002_target_event_spine"),
        ("notifications", "0001_notifications"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="OrderNotice"),
    ]
