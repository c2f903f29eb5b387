"""Trending badges: what many learners earned in the last few weeks."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_DAYS = 30.0
TOP = 50


@dataclass(frozen=True)
class Trending:
    """Recent award counts, log-scaled to [0, 1], and the most awarded badges first."""

    scores: Mapping[str, float]
    top: tuple[str, ...]

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], limit: int = TOP) -> Trending:
        """Build from {badge id: awards in the window}; zero and negative counts are dropped."""
        positive = {b: c for b, c in counts.items() if c > 0}
        peak = math.log1p(max(positive.values(), default=0))
        scores = {b: math.log1p(c) / peak for b, c in positive.items()} if peak > 0 else {}
        top = tuple(sorted(positive, key=lambda b: (-positive[b], b))[:limit])
        return cls(scores, top)

    @classmethod
    def from_events(cls, events: Iterable[tuple[str, float]], *, until: float, days: float = DEFAULT_DAYS) -> Trending:
        """Build from (badge id, Unix time) awards, counting those in the ``days`` before ``until``."""
        start = until - days * 86_400
        return cls.from_counts(Counter(b for b, t in events if start <= t < until))
