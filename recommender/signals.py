"""The named signals a candidate badge is scored on, and the weights that combine them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from recommender.catalog import BadgeItem, Catalog, tier_rank
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile, SkillLevel
from recommender.trending import Trending

POPULAR_CANDIDATES = 50
SKILL_CANDIDATES = 200


@dataclass(frozen=True)
class Weights:
    """How much each signal counts; each signal is scaled to [0, 1] per request first."""

    # similar/content/following/popularity/tier were chosen on the coco-udemy tuning split V
    # (benchmarks/recommend_quality.py --splits V); the rest have no data to learn from yet
    # and are set so a declared pathway step or prerequisite successor outranks co-occurrence.
    similar: float = 1.0
    content: float = 0.2
    following: float = 0.15
    pathway: float = 0.6
    builds_on: float = 0.4
    goal: float = 0.4
    team: float = 0.3
    team_popular: float = 0.15
    popularity: float = 0.02
    trending: float = 0.2
    recency: float = 0.8  # not a weight: each older held badge counts this much less
    tier: float = 0.05


@dataclass
class Signals:
    """Per-candidate signal values for one request (all scaled to [0, 1])."""

    candidates: list[str] = field(default_factory=list)
    content: dict[str, float] = field(default_factory=dict)
    similar: dict[str, float] = field(default_factory=dict)
    following: dict[str, float] = field(default_factory=dict)
    because: dict[str, str] = field(default_factory=dict)  # strongest earned source item
    pathway: dict[str, tuple[str, int]] = field(default_factory=dict)
    builds_on: dict[str, str] = field(default_factory=dict)
    goal: dict[str, int] = field(default_factory=dict)
    goal_total: int = 0
    team: dict[str, int] = field(default_factory=dict)
    team_total: int = 0
    team_popular: dict[str, float] = field(default_factory=dict)
    popularity: dict[str, float] = field(default_factory=dict)
    trending: Mapping[str, float] = field(default_factory=dict)

    def contributions(
        self, badge_id: str, item: BadgeItem, levels: Mapping[str, SkillLevel], w: Weights
    ) -> dict[str, float]:
        """Return {signal name: weighted contribution} for one candidate (zeros left out)."""
        parts = {
            "pathway": w.pathway * (1.0 if badge_id in self.pathway else 0.0),
            "builds_on": w.builds_on * (1.0 if badge_id in self.builds_on else 0.0),
            "following": w.following * self.following.get(badge_id, 0.0),
            "similar": w.similar * self.similar.get(badge_id, 0.0),
            "content": w.content * self.content.get(badge_id, 0.0),
            "goal": w.goal * self.goal.get(badge_id, 0) / max(1, self.goal_total),
            "team": w.team * self.team.get(badge_id, 0) / max(1, self.team_total),
            "team_popular": w.team_popular * self.team_popular.get(badge_id, 0.0),
            "popularity": w.popularity * self.popularity.get(badge_id, 0.0),
            "trending": w.trending * self.trending.get(badge_id, 0.0),
            "tier": w.tier * tier_step(item, levels),
        }
        return {name: value for name, value in parts.items() if value != 0.0}

    def totals(self, cat: Catalog, levels: Mapping[str, SkillLevel], w: Weights) -> dict[str, float]:
        """Return {candidate: score}, the same sums as :meth:`contributions`, in one pass."""
        total = dict.fromkeys(self.candidates, 0.0)

        def accumulate(values: Mapping[str, float], factor: float) -> None:
            if factor == 0.0:
                return
            for badge_id, value in values.items():
                if badge_id in total:
                    total[badge_id] += factor * value

        accumulate(dict.fromkeys(self.pathway, 1.0), w.pathway)
        accumulate(dict.fromkeys(self.builds_on, 1.0), w.builds_on)
        accumulate(self.following, w.following)
        accumulate(self.similar, w.similar)
        accumulate(self.content, w.content)
        accumulate(self.goal, w.goal / max(1, self.goal_total))
        accumulate(self.team, w.team / max(1, self.team_total))
        accumulate(self.team_popular, w.team_popular)
        accumulate(self.popularity, w.popularity)
        accumulate(self.trending, w.trending)
        tops = {s: lvl.top_tier for s, lvl in levels.items() if lvl.top_tier is not None}
        if w.tier != 0.0 and tops:
            tiered = cat.tiered_skills
            for badge_id in total:
                entry = tiered.get(badge_id)
                if entry is not None:
                    held = [tops[s] for s in entry[1] if s in tops]
                    if held:
                        total[badge_id] += w.tier * _tier_gap_score(entry[0] - max(held))
        return total


def tier_step(item: BadgeItem, levels: Mapping[str, SkillLevel]) -> float:
    """Return +1 for the next tier in a skill the learner holds, -1 for a lower one, else 0.

    Skipping more than one tier above what the learner holds counts -0.5.
    """
    tier = tier_rank(item.level)
    if tier is None:
        return 0.0
    held = [
        lvl.top_tier
        for s in item.skills
        if (lvl := levels.get(s.strip().lower())) is not None and lvl.top_tier is not None
    ]
    if not held:
        return 0.0
    return _tier_gap_score(tier - max(held))


def _tier_gap_score(gap: int) -> float:
    if gap == 1:
        return 1.0
    if gap < 0:
        return -1.0
    return -0.5 if gap > 1 else 0.0


def _scaled(values: Mapping[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0)
    if top <= 0:
        return {}
    return {key: value / top for key, value in values.items() if value > 0}


def collect_signals(
    profile: LearnerProfile,
    cat: Catalog,
    index: BadgeIndex,
    cooccurrence: CoOccurrence | None,
    query: np.ndarray | None,
    blocked: set[str],
    weights: Weights,
    pool: int,
    trending: Trending | None = None,
) -> Signals:
    """Gather candidates from every source and their scaled signal values."""
    sig = Signals()
    seen: set[str] = set()

    def add(badge_id: str) -> None:
        if badge_id not in seen and badge_id not in blocked:
            seen.add(badge_id)
            sig.candidates.append(badge_id)

    earned = [b for b in profile.earned if b in cat]
    if query is not None and weights.content > 0:
        hits = index.search(query, pool + len(blocked))
        sig.content = _scaled({b: s for b, s in hits if b not in blocked})
        for badge_id in sig.content:
            add(badge_id)
    if cooccurrence is not None:
        _history_signals(sig, cooccurrence, earned, blocked, pool, weights, add)
    sig.pathway = cat.next_steps(earned)
    for badge_id in earned:
        for successor in cat.unlocks.get(badge_id, ()):
            sig.builds_on.setdefault(successor, badge_id)
    for badge_id in list(sig.pathway) + list(sig.builds_on):
        add(badge_id)
    sig.goal, sig.goal_total = _skill_cover(cat, profile.goal_skills, blocked, add)
    sig.team, sig.team_total = _skill_cover(cat, profile.team_priority_skills, blocked, add)
    team_ranked = [b for b in profile.popular_in_team if b in cat]
    for rank, badge_id in enumerate(team_ranked):
        sig.team_popular[badge_id] = 1.0 - rank / max(1, len(team_ranked))
        add(badge_id)
    if trending is not None and weights.trending > 0:
        sig.trending = trending.scores
        for badge_id in trending.top:
            add(badge_id)
    if cooccurrence is not None:
        for badge_id in cooccurrence.most_popular(POPULAR_CANDIDATES + len(blocked)):
            add(badge_id)
        if weights.popularity > 0:
            known = cooccurrence.popularity_score
            sig.popularity = {b: known[b] for b in sig.candidates if b in known}
    return sig


def _history_signals(
    sig: Signals,
    model: CoOccurrence,
    earned: list[str],
    blocked: set[str],
    pool: int,
    weights: Weights,
    add: Callable[[str], None],
) -> None:
    scores = model.scores(earned, decay=weights.recency, limit=pool + len(blocked))
    similar: dict[str, float] = {}
    following: dict[str, float] = {}
    for row, s_val, f_val, src in zip(scores.rows, scores.similar, scores.following, scores.because, strict=True):
        badge_id = model.ids[int(row)]
        if badge_id in blocked:
            continue
        similar[badge_id] = float(s_val)
        following[badge_id] = float(f_val)
        sig.because[badge_id] = model.ids[int(src)]
    sig.similar = _scaled(similar)
    sig.following = _scaled(following)
    for badge_id in similar:
        add(badge_id)


def _skill_cover(
    cat: Catalog, skills: tuple[str, ...], blocked: set[str], add: Callable[[str], None]
) -> tuple[dict[str, int], int]:
    wanted = {s.strip().lower() for s in skills if s.strip()}
    cover: dict[str, int] = {}
    for skill in wanted:
        for badge_id in cat.by_skill.get(skill, ())[:SKILL_CANDIDATES]:
            if badge_id not in blocked:
                cover[badge_id] = cover.get(badge_id, 0) + 1
    for badge_id in sorted(cover, key=lambda b: -cover[b])[:SKILL_CANDIDATES]:
        add(badge_id)
    return cover, len(wanted)
