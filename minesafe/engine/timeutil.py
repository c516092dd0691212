"""Times of the networking files: local China time (UTC+8, no DST) <-> POSIX seconds.

The core keeps every time as POSIX seconds in a float so no time zone ever enters a rule; the
files carry "yyyy-MM-dd HH:mm:ss" in Beijing time, and outputs are ISO-8601 with +08:00.
"""

from __future__ import annotations

import datetime as dt

CHINA_OFFSET_S = 8 * 3600
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S")


def parse_local(text: str) -> float | None:
    """POSIX seconds of a local time text, or None when it is not a valid time."""
    text = text.strip()
    fast = _parse_fixed(text)
    if fast is not None:
        return fast
    for fmt in _FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=CHINA).timestamp()
    return None


def iso_local(t: float | None) -> str | None:
    """ISO-8601 text in China time (+08:00) of POSIX seconds; None stays None."""
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, CHINA).isoformat()


def local_seconds_of_day(t: float) -> float:
    """Seconds since local midnight (China time) of POSIX seconds."""
    return (t + CHINA_OFFSET_S) % 86400.0


def _parse_fixed(text: str) -> float | None:
    """The two shapes the files use, without strptime (it is slow in the per-file path)."""
    if len(text) == 19 and text[4] == "-" and text[7] == "-" and text[13] == ":":
        parts = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    elif len(text) == 14 and text.isdigit():
        parts = (text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14])
    else:
        return None
    if not all(p.isdigit() for p in parts):
        return None
    try:
        y, mo, d, h, mi, s = (int(p) for p in parts)
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=CHINA).timestamp()
    except ValueError:
        return None
