"""Offline evaluation: the research protocol's splits and next-item metrics.

Splits (shared/research/recommender.md §2), over (user, item, timestamp) events:
- ``A`` leave-last-out: users with >= 3 distinct items; target = last item by time; query =
  the earlier items; training = every event except the targets.
- ``B`` global time cut at the 80th percentile of timestamps; training = events before the
  cut; target = a user's first item after it; query = their pre-cut items (>= 2).
- ``V`` validation for tuning: every user's last item is dropped first, then split A is
  applied to what is left, so tuning never sees A's targets.
- ``W`` validation for time-split tuning: split B applied to the events before B's cut only.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Event:
    """One learner earned (or rated) one item at a time in Unix seconds."""

    user: str
    item: str
    time: float


@dataclass(frozen=True)
class Split:
    """Evaluation cases {user: (query history oldest first, target)} and training histories."""

    name: str
    cases: dict[str, tuple[tuple[str, ...], str]]
    train: dict[str, tuple[str, ...]]
    train_times: dict[str, tuple[float, ...]]  # first-earned time of each item in ``train``

    def train_events(self) -> list[tuple[str, float]]:
        """Return every (item, time) of the training histories."""
        return [pair for user, items in self.train.items() for pair in zip(items, self.train_times[user], strict=True)]


def _sequences(events: Iterable[Event]) -> dict[str, list[tuple[float, str]]]:
    by_user: dict[str, dict[str, float]] = defaultdict(dict)
    for event in events:
        first = by_user[event.user].get(event.item)
        if first is None or event.time < first:
            by_user[event.user][event.item] = event.time  # a repeat counts from its first time
    return {
        user: sorted(((t, i) for i, t in items.items()), key=lambda p: (p[0], p[1])) for user, items in by_user.items()
    }


def _first_times(events: Iterable[Event]) -> list[Event]:
    return [Event(u, i, t) for u, seq in _sequences(events).items() for t, i in seq]


def make_split(events: Sequence[Event], name: str, users: int = 5000, seed: int = 0) -> Split:
    """Build split ``name`` (A, B, V or W) and sample ``users`` cases with ``seed``.

    Raises ValueError for an unknown split name.
    """
    if name == "W":
        cut = float(np.percentile([e.time for e in _first_times(events)], 80))
        events = [e for e in _first_times(events) if e.time < cut]
    sequences = _sequences(events)
    if name == "V":
        sequences = {u: s[:-1] for u, s in sequences.items() if len(s) >= 4}
        name_used = "A"
    else:
        name_used = "B" if name == "W" else name
    cases: dict[str, tuple[tuple[str, ...], str]] = {}
    kept: dict[str, list[tuple[float, str]]] = {}
    if name_used == "A":
        for user, seq in sequences.items():
            if len(seq) >= 3:
                cases[user] = (tuple(i for _, i in seq[:-1]), seq[-1][1])
                kept[user] = seq[:-1]
            else:
                kept[user] = seq
    elif name_used == "B":
        times = np.array([t for seq in sequences.values() for t, _ in seq])
        cut = float(np.percentile(times, 80))
        for user, seq in sequences.items():
            kept[user] = [(t, i) for t, i in seq if t < cut]
            after = [i for t, i in seq if t >= cut]
            if len(kept[user]) >= 2 and after:
                cases[user] = (tuple(i for _, i in kept[user]), after[0])
    else:
        raise ValueError(f"unknown split {name!r} (A, B, V or W)")
    chosen = sorted(cases)
    if len(chosen) > users:
        chosen = sorted(random.Random(seed).sample(chosen, users))
    return Split(
        name,
        {u: cases[u] for u in chosen},
        {u: tuple(i for _, i in seq) for u, seq in kept.items() if seq},
        {u: tuple(t for t, _ in seq) for u, seq in kept.items() if seq},
    )


def next_item_metrics(
    lists: Mapping[str, Sequence[str]],
    cases: Mapping[str, tuple[Sequence[str], str]],
    catalog: Mapping[str, object],
    prerequisites: Mapping[str, Sequence[str]],
    k: int = 10,
) -> dict[str, float]:
    """Return Recall@5/@k, NDCG@k, MRR@k, coverage@k, repeats, invalid ids, prereq breaches."""
    r5 = r10 = ndcg = mrr = 0.0
    repeats = invalid = bad_items = bad_lists = total = 0
    shown: set[str] = set()
    for user, (history, target) in cases.items():
        top = list(lists.get(user, ()))[:k]
        held = set(history)
        shown.update(top)
        total += len(top)
        repeats += sum(1 for i in top if i in held)
        invalid += sum(1 for i in top if i not in catalog)
        breaches = sum(1 for i in top if any(p not in held for p in prerequisites.get(i, ())))
        bad_items += breaches
        bad_lists += 1 if breaches else 0
        if target in top:
            rank = top.index(target) + 1
            r10 += 1
            r5 += 1 if rank <= 5 else 0
            ndcg += 1 / math.log2(rank + 1)
            mrr += 1 / rank
    n = max(1, len(cases))
    return {
        "R@5": r5 / n,
        f"R@{k}": r10 / n,
        f"NDCG@{k}": ndcg / n,
        f"MRR@{k}": mrr / n,
        f"coverage@{k}": len(shown & set(catalog)) / max(1, len(catalog)),
        f"repeat@{k}": repeats / max(1, total),
        "invalid": float(invalid),
        "prereq_items": bad_items / max(1, total),
        "prereq_lists": bad_lists / n,
    }
