"""Ranking: gather candidates, apply the badge rules, score, diversify, explain.

Candidates come from the badge index (content), the co-occurrence model (what similar learners
earned next), pathway successors, the learner's goals and team priorities, and popularity for
cold start. Rules: never an earned, in-progress, "not interested", retired or out-of-window
badge; a badge whose prerequisites (all-of) are unmet is returned in ``locked`` instead; tiers
progress one step at a time; at most ``max_per_skill`` suggestions share a main skill.
Every score is a weighted sum of named signals and the reasons list exactly the signals that
contributed, largest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from recommender.catalog import BadgeItem, Catalog, is_available
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile, profile_vector, skill_levels
from recommender.signals import Signals, Weights, collect_signals
from recommender.trending import Trending
from recommender.wording import ENTRY_REASON, reasons_for


@dataclass(frozen=True)
class Recommendation:
    """One suggested badge, its score and the reasons it was ranked there."""

    badge_id: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Locked:
    """A badge worth suggesting once its missing prerequisites are earned ("unlock by X")."""

    badge_id: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class RecommendationSet:
    """The suggestions for one learner, the locked ones, and the index snapshot used."""

    items: tuple[Recommendation, ...]
    locked: tuple[Locked, ...]
    index_version: str


def recommend(
    profile: LearnerProfile,
    catalog: Mapping[str, BadgeItem],
    index: BadgeIndex,
    *,
    cooccurrence: CoOccurrence | None = None,
    now: datetime,
    k: int = 10,
    weights: Weights | None = None,
    max_per_skill: int = 3,
    locked_limit: int | None = None,
    pool: int | None = None,
    trending: Trending | None = None,
) -> RecommendationSet:
    """Return up to ``k`` recommendations for ``profile`` plus badges locked by prerequisites.

    ``trending`` holds recent award counts (see recommender.trending). ``pool`` is how many
    candidates each source (index, co-occurrence) contributes (default max(100, 10k)).
    Uses only precomputed vectors (no encoder). Raises ValueError if ``k`` < 1 or a profile
    vector has the wrong dimension.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    cat = Catalog.of(catalog)
    weights = weights or Weights()
    earned = tuple(b for b in profile.earned if b in cat)
    held = set(earned)
    blocked = held | set(profile.in_progress) | set(profile.not_interested)
    query = profile_vector(profile, index)
    signals = collect_signals(
        profile, cat, index, cooccurrence, query, blocked, weights, pool=pool or max(100, 10 * k), trending=trending
    )
    levels = skill_levels(profile, cat)
    totals = signals.totals(cat, levels, weights)
    ranked = sorted(
        ((score, b) for b, score in totals.items() if b in cat and b not in blocked),
        key=lambda pair: (-pair[0], pair[1]),
    )
    chosen, locked = _select(ranked, cat, held, now, k, max_per_skill, locked_limit or k)
    items = [
        Recommendation(
            badge_id,
            round(score, 6),
            reasons_for(badge_id, signals, profile, cat, levels, weights, query, index),
        )
        for score, badge_id in chosen
    ]
    if len(items) < k:
        # Nothing scored enough candidates (a new learner, a new catalogue): offer entry badges.
        taken = blocked | {r.badge_id for r in items}
        for badge_id in cat.entry_badges():
            if len(items) >= k:
                break
            if badge_id not in taken and is_available(cat[badge_id], now):
                items.append(Recommendation(badge_id, 0.0, (ENTRY_REASON,)))
    return RecommendationSet(tuple(items), tuple(locked), index.version)


def _select(
    ranked: list[tuple[float, str]],
    cat: Catalog,
    held: set[str],
    now: datetime,
    k: int,
    max_per_skill: int,
    locked_limit: int,
) -> tuple[list[tuple[float, str]], list[Locked]]:
    """Walk the ranking: skip unavailable badges, gate prerequisites, cap each main skill."""
    chosen: list[tuple[float, str]] = []
    locked: list[Locked] = []
    per_skill: dict[str, int] = {}
    overflow: list[tuple[float, str]] = []
    for score, badge_id in ranked:
        item = cat[badge_id]
        if not is_available(item, now):
            continue
        missing = tuple(p for p in item.prerequisites if p not in held)
        if missing:
            if len(locked) < locked_limit:
                locked.append(Locked(badge_id, missing))
            continue
        if len(chosen) >= k:
            if len(locked) >= locked_limit:
                break
            continue
        skill = item.skills[0].strip().lower() if item.skills else ""
        if skill and per_skill.get(skill, 0) >= max_per_skill:
            overflow.append((score, badge_id))
            continue
        per_skill[skill] = per_skill.get(skill, 0) + 1
        chosen.append((score, badge_id))
    # Only a catalogue too narrow to fill k under the cap falls back to the capped items.
    chosen.extend(overflow[: max(0, k - len(chosen))])
    chosen.sort(key=lambda pair: (-pair[0], pair[1]))
    return chosen, locked


__all__ = [
    "Locked",
    "Recommendation",
    "RecommendationSet",
    "Signals",
    "Weights",
    "recommend",
]
