"""Alarm notifications move to the notifications app: every row of ``response.Notification`` is
copied (same recipient, channel, address, delivery state, read mark and time; its key rewritten
the way :func:`minesafe.response.services.notify` now names it), then the old table goes."""

from django.db import migrations
from django.urls import NoReverseMatch, reverse

BATCH = 2000


def _label(user) -> str:
    if user is None:
        return "Webhook"
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _key(old) -> str:
    """``{case}|{round}|{user pk or hook}|{channel}`` → ``alarm|{case}|{round}|u{pk}|{channel}``."""
    parts = old.key.rsplit("|", 2)
    if len(parts) != 3:
        return f"alarm|moved|{old.pk}"
    prefix, who, channel = parts
    return f"alarm|{prefix}|{who if who == 'hook' else f'u{who}'}|{channel}"


def _url(case_id: int) -> str:
    try:
        return reverse("response:case_detail", kwargs={"pk": case_id})
    except NoReverseMatch:
        return ""


def copy(apps, schema_editor) -> None:
    Old = apps.get_model("response", "Notification")
    New = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type, _ = ContentType.objects.get_or_create(app_label="response", model="alarmcase")
    reasons = dict(Old._meta.get_field("reason").choices)
    rows = []
    for old in Old.objects.select_related("case", "recipient").order_by("pk").iterator(BATCH):
        case = old.case
        rows.append(
            New(
                topic="alarm",
                kind=old.reason,
                kind_label=str(reasons.get(old.reason, old.reason)),
                level=old.level,
                mine_id=case.mine_id,
                about_type=case_type,
                about_id=case.pk,
                url=_url(case.pk),
                recipient=old.recipient,
                recipient_label=_label(old.recipient)[:150],
                channel=old.channel,
                address=old.address,
                subject=old.subject,
                body=old.body,
                data={
                    "case": case.pk,
                    "kind": case.kind,
                    "point_code": case.point_code,
                    "state": case.state,
                    "opened_at": case.opened_at.isoformat(),
                },
                status=old.status,
                attempts=old.attempts,
                next_attempt_at=old.next_attempt_at,
                sent_at=old.sent_at,
                last_error=old.last_error,
                read_at=old.read_at,
                key=_key(old)[:200],
                at=old.at,
            )
        )
        if len(rows) >= BATCH:
            New.objects.bulk_create(rows)
            rows = []
    New.objects.bulk_create(rows)
    if New.objects.filter(topic="alarm").count() < Old.objects.count():
        raise RuntimeError("alarm notifications were lost in the move")


class Migration(migrations.Migration):
    dependencies = [
        ("response", "0003_case_transition_spine"),
        ("notifications", "0001_notifications"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="Notification"),
    ]
