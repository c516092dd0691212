"""Suggest the situation of the major-hazard standard a description matches (HAZ-2).

An explainable nearest-situation method, pure (no Django):

1. Each situation is a document: its text in the standard, its category title, its keywords
   (``data/suggestion_keywords.yaml``) and, when given, labelled example descriptions.
2. Texts are segmented with jieba (words of ≥ 2 characters) plus character bigrams, so field
   wording that splits differently from the standard still overlaps; terms are TF-IDF weighted.
3. The score is the cosine similarity of description and situation, plus a boost per keyword
   found verbatim in the description (capped). The matched keywords and the strongest shared
   terms are the explanation shown to the person who confirms or rejects.
4. Below ``general_threshold`` the best guess is "general hazard" (not major).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import jieba

GENERAL = "general"
_PUNCT = re.compile(r"[\s，。、；：（）()“”\"'《》,.;:!?！？/\-—·]+")
_STOP = frozenset(
    {
        "的",
        "或者",
        "未",
        "按照",
        "国家",
        "规定",
        "进行",
        "以及",
        "存在",
        "没有",
        "现场",
        "发现",
        "不",
    }
)
jieba.setLogLevel(logging.WARNING)


@cache
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.lcut(text) if len(w) >= 2 and w not in _STOP)


def tokens(text: str) -> list[str]:
    """jieba words (≥ 2 characters) plus character bigrams of each punctuation-free run."""
    out = list(_words(text))
    for run in _PUNCT.split(text):
        out.extend(f"#{run[i : i + 2]}" for i in range(len(run) - 1))
    return out


@dataclass(frozen=True)
class Situation:
    code: str
    text: str
    category: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A suggested label (a situation code, or ``general``) with its score and why."""

    code: str
    score: float
    keywords: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    def explanation(self) -> str:
        parts = []
        if self.keywords:
            parts.append("关键词：" + "、".join(self.keywords))
        if self.terms:
            parts.append("相近用语：" + "、".join(self.terms))
        return "；".join(parts) or "文本相似"


@dataclass
class Classifier:
    situations: list[Situation]
    examples: Mapping[str, Iterable[str]] = field(default_factory=dict)
    boost: float = 0.12
    max_boost: float = 0.36
    general_threshold: float = 0.2

    def __post_init__(self) -> None:
        docs = {
            s.code: tokens(
                " ".join([s.text, s.category, *s.keywords, *self.examples.get(s.code, [])])
            )
            for s in self.situations
        }
        df: Counter[str] = Counter()
        for terms in docs.values():
            df.update(set(terms))
        n = len(docs) + 1
        self.idf = {t: math.log(n / (1 + c)) + 1 for t, c in df.items()}
        self.vectors = {code: self._vector(terms) for code, terms in docs.items()}
        self.by_code = {s.code: s for s in self.situations}

    def _vector(self, terms: list[str]) -> dict[str, float]:
        counts = Counter(t for t in terms if t in self.idf)
        vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def rank(self, description: str, limit: int = 3) -> list[Candidate]:
        """The best situations, with ``general`` placed where the scores fall below threshold."""
        query = self._vector(tokens(description))
        scored = []
        for code, vec in self.vectors.items():
            shared = {t: query[t] * vec[t] for t in query.keys() & vec.keys()}
            cosine = sum(shared.values())
            found = tuple(k for k in self.by_code[code].keywords if k in description)
            score = cosine + min(self.max_boost, self.boost * len(found))
            top_terms = sorted(shared, key=shared.__getitem__, reverse=True)[:3]
            terms = tuple(t.lstrip("#") for t in top_terms if not t.startswith("#"))
            scored.append(Candidate(code, round(score, 4), found, terms))
        scored.sort(key=lambda c: (-c.score, c.code))
        general = Candidate(GENERAL, self.general_threshold)
        ranked = [c for c in scored if c.score >= self.general_threshold]
        ranked.append(general)
        ranked.extend(c for c in scored if c.score < self.general_threshold)
        return ranked[:limit]
