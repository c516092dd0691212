"""The quarantine file: every refused record with its file, record number and reason (issue 3 §3).

One JSON object per line, appended: ``{"at", "source", "file", "record", "reason", "raw"}``.
``record`` counts data records from 1; 0 means the file as a whole (name, encoding, payload).
The runner counts what it writes here in its checkpoint counters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class QuarantineFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def write(self, source: str, items: Iterable[Any], now: dt.datetime) -> int:
        """Append refused records (objects with ``as_dict()`` or dicts); returns how many."""
        lines = []
        for item in items:
            row = item.as_dict() if hasattr(item, "as_dict") else dict(item)
            lines.append(
                json.dumps({"at": now.isoformat(), "source": source, **row}, ensure_ascii=False)
            )
        if lines:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
        return len(lines)

    def read(self) -> list[dict[str, Any]]:
        """Every line written, split on newlines only: a raw record may hold characters that
        ``str.splitlines`` also breaks on (U+2028, U+0085…), kept unescaped by ``write``."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").split("\n") if line]
