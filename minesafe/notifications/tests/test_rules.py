"""Channels per level and preference, and retry backoff, without the database."""

from __future__ import annotations

import datetime as dt

from minesafe.notifications import rules

T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
TABLE = rules.policy(T0.date())


def test_retry_backoff_and_exhaustion() -> None:
    backoff = TABLE["delivery"]["backoff_seconds"]
    assert rules.retry_at(1, T0, TABLE) == T0 + dt.timedelta(seconds=backoff[0])
    assert rules.retry_at(2, T0, TABLE) == T0 + dt.timedelta(seconds=backoff[1])
    assert rules.retry_at(TABLE["delivery"]["max_attempts"], T0, TABLE) is None


def test_default_channels_rise_with_urgency() -> None:
    assert rules.default_channels(4, TABLE) == ["in_app"]
    assert rules.default_channels(3, TABLE) == ["in_app", "email"]
    assert "sms" in rules.default_channels(1, TABLE)
    assert rules.default_channels(9, TABLE) == rules.default_channels(4, TABLE)  # clamped


def test_preferences_narrow_or_widen_the_defaults_but_keep_in_app() -> None:
    urgent = rules.default_channels(1, TABLE)
    assert rules.channels_for(1, urgent, {}) == ["in_app", "email", "sms"]
    assert rules.channels_for(1, urgent, {"sms": 0, "email": 0}) == ["in_app"]
    quiet = rules.default_channels(4, TABLE)
    assert rules.channels_for(4, quiet, {"email": 4}) == ["in_app", "email"]
    assert rules.channels_for(3, quiet, {"sms": 2}) == ["in_app"]  # SMS only from level II
    assert rules.channels_for(2, quiet, {"sms": 2}) == ["in_app", "sms"]
