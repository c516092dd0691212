"""Convert the text of 《煤矿重大事故隐患判定标准》 into the catalogue data file (HAZ-2).

Run once per edition; the output is committed under ``minesafe/hazards/data/`` so the platform
never reads ``shared/`` at run time::

    python -m minesafe.hazards.convert_standard SOURCE.txt --edition 2020 \
        --effective-from 2021-01-01 --source 应急管理部令第4号 > major_hazard_standard.yaml

The text's article 3 lists the categories; articles 4 … 18 list the situations of category
1 … 15 as "（一）…" lines. A later edition in the same drafting pattern converts the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import Any

import yaml

NUMERALS = "零一二三四五六七八九十"
ARTICLE = re.compile(r"^第([一二三四五六七八九十]+)条")
ITEM = re.compile(r"^（([一二三四五六七八九十]+)）(.+)$")
UNVERIFIED = " [M]"


def chinese_number(text: str) -> int:
    """一 … 九十九 as an int (the standard's article and item numbers)."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (NUMERALS.index(tens) if tens else 1) * 10 + (NUMERALS.index(units) if units else 0)
    return NUMERALS.index(text)


def _articles(text: str) -> dict[int, list[str]]:
    """The enumerated lines of each article, in order."""
    articles: dict[int, list[str]] = {}
    current = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head = ARTICLE.match(line)
        if head:
            current = chinese_number(head.group(1))
            articles.setdefault(current, [])
            continue
        if current and ITEM.match(line):
            articles[current].append(line)
    return articles


def _item(line: str) -> dict[str, Any]:
    match = ITEM.match(line)
    assert match is not None
    body = match.group(2)
    entry: dict[str, Any] = {"number": chinese_number(match.group(1))}
    if body.endswith(UNVERIFIED):
        body = body[: -len(UNVERIFIED)]
        entry["unverified"] = True
    entry["text"] = body.rstrip("；。")
    return entry


def convert(text: str, edition: str, effective_from: dt.date, source: str) -> dict[str, Any]:
    """Parse the standard into one edition: categories (article 3) with their situations."""
    articles = _articles(text)
    categories = []
    for heading in articles[3]:
        cat = _item(heading)
        article = cat["number"] + 3
        items = articles.get(article, [])
        categories.append(
            {
                "number": cat["number"],
                "article": article,
                "title": cat["text"],
                "situations": [_item(line) for line in items],
            }
        )
    return {
        "edition": edition,
        "effective_from": effective_from,
        "source_note": source,
        "categories": categories,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--edition", required=True)
    parser.add_argument("--effective-from", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--source-note", default="")
    args = parser.parse_args(argv)
    with open(args.source, encoding="utf-8") as fh:
        edition = convert(fh.read(), args.edition, args.effective_from, args.source_note)
    document = {"rule_set": "major_hazard_standard", "editions": [edition]}
    sys.stdout.write(
        "# HAZ-2: 煤矿重大事故隐患判定标准, converted by\n"
        "# minesafe/hazards/convert_standard.py from\n"
        "# shared/domain/regulations/major_hazard_standard_2020.txt (each situation cites its\n"
        "# article: category n is article n+3, situation k its item (k)). Items marked\n"
        "# unverified come from the compiler's memory in the source text.\n"
    )
    yaml.safe_dump(document, sys.stdout, allow_unicode=True, sort_keys=False, width=1000)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
