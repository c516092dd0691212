"""Suggestion accuracy (HAZ-2, issue 4 §2): top-1 and top-3 of the major-hazard suggestions on
the labelled set, held out. A measurement, not a test: results go to
``bench/results/hazards.json``.

Two numbers per metric:

- ``catalogue_only``: the classifier knows only the standard's text and the keywords (written
  before the labelled set), so every labelled item is unseen;
- ``five_fold``: the labelled items are split into 5 fixed folds (seeded shuffle); each fold is
  scored by a classifier that also learned from the other four — no item is scored by a
  classifier that saw it.

A "general" item is right when "general" is ranked at that position (its score falls below the
threshold of every situation above it). Pure Python, no database: runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from minesafe.hazards.classifier import GENERAL, Classifier, Situation

RESULTS = Path(__file__).resolve().parent / "results"
FOLDS = 5


def _yaml(name: str) -> dict[str, Any]:
    text = resources.files("minesafe.hazards").joinpath("data", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def situations() -> tuple[list[Situation], dict[str, Any]]:
    catalogue = _yaml("major_hazard_standard")["editions"][0]
    params = _yaml("suggestion_keywords")["editions"][0]
    keywords = params["keywords"]
    out = []
    for cat in catalogue["categories"]:
        for s in cat["situations"]:
            code = f"{cat['article']}({s['number']})"
            out.append(Situation(code, s["text"], cat["title"], tuple(keywords.get(code, ()))))
    return out, params


def labelled() -> list[tuple[str, str]]:
    items = _yaml("labelled_hazards")["editions"][0]["items"]
    return [(str(i["label"]), i["text"]) for i in items]


def classifier(sits: list[Situation], params: dict[str, Any], train: list[tuple[str, str]]) -> Any:
    examples: dict[str, list[str]] = {}
    for label, text in train:
        if label != GENERAL:
            examples.setdefault(label, []).append(text)
    return Classifier(
        sits,
        examples,
        boost=params["boost"],
        max_boost=params["max_boost"],
        general_threshold=params["general_threshold"],
    )


def score(model: Any, items: list[tuple[str, str]]) -> dict[str, Any]:
    top1 = top3 = 0
    by_kind: Counter[str] = Counter()
    misses = []
    for label, text in items:
        ranked = [c.code for c in model.rank(text, 3)]
        kind = "general" if label == GENERAL else "major"
        by_kind[f"{kind}_n"] += 1
        if ranked[:1] == [label]:
            top1 += 1
            by_kind[f"{kind}_top1"] += 1
        if label in ranked:
            top3 += 1
            by_kind[f"{kind}_top3"] += 1
        elif len(misses) < 15:
            misses.append({"label": label, "text": text, "ranked": ranked})
    n = len(items)
    return {
        "n": n,
        "top1": round(top1 / n, 3),
        "top3": round(top3 / n, 3),
        "major_top1": round(by_kind["major_top1"] / max(1, by_kind["major_n"]), 3),
        "major_top3": round(by_kind["major_top3"] / max(1, by_kind["major_n"]), 3),
        "general_top1": round(by_kind["general_top1"] / max(1, by_kind["general_n"]), 3),
        "general_top3": round(by_kind["general_top3"] / max(1, by_kind["general_n"]), 3),
        "sample_misses": misses,
    }


def five_fold(sits: list[Situation], params: dict[str, Any], items: list[Any], seed: int) -> Any:
    shuffled = items[:]
    random.Random(seed).shuffle(shuffled)
    folds = [shuffled[i::FOLDS] for i in range(FOLDS)]
    scored: list[dict[str, Any]] = []
    for i, test in enumerate(folds):
        train = [item for j, fold in enumerate(folds) if j != i for item in fold]
        scored.append(score(classifier(sits, params, train), test))
    n = sum(s["n"] for s in scored)

    def mean(key: str) -> float:
        return round(sum(s[key] * s["n"] for s in scored) / n, 3)

    keys = ["top1", "top3", "major_top1", "major_top3", "general_top1", "general_top3"]
    return {"n": n, **{k: mean(k) for k in keys}, "folds": [s["top1"] for s in scored]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--out", type=Path, default=RESULTS / "hazards.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sits, params = situations()
    items = labelled()
    result = {
        "benchmark": "hazard suggestions (HAZ-2)",
        "labelled_items": len(items),
        "labels": len({label for label, _ in items}),
        "situations": len(sits),
        "method": "jieba words + character bigrams, TF-IDF cosine to each situation, keyword boost",
        "catalogue_only": score(classifier(sits, params, []), items),
        "five_fold": five_fold(sits, params, items, args.seed),
        "seconds": round(time.perf_counter() - started, 2),
        "python": platform.python_version(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    summary = {k: result[k] for k in ("labelled_items", "seconds")}
    for name in ("catalogue_only", "five_fold"):
        summary[name] = {k: result[name][k] for k in ("top1", "top3")}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
