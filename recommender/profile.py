"""A learner's skill profile: what they hold, are working on, want, and what their team needs.

Everything here is computed from precomputed vectors and catalogue fields: no encoder runs at
request time, so a web process can build a profile without importing torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from recommender.catalog import BadgeItem, tier_rank
from recommender.index import BadgeIndex

# How much each kind of signal pulls the profile vector (earned badges weigh 1 at most).
IN_PROGRESS_WEIGHT = 0.6
EVIDENCE_WEIGHT = 0.4
GOAL_WEIGHT = 0.8
RECENCY_DECAY = 0.8


@dataclass(frozen=True)
class LearnerProfile:
    """The inputs the recommender knows about one learner (ids are badge ids)."""

    learner_id: str
    earned: tuple[str, ...] = ()  # oldest first
    in_progress: tuple[str, ...] = ()
    not_interested: tuple[str, ...] = ()
    goal_skills: tuple[str, ...] = ()
    team_priority_skills: tuple[str, ...] = ()
    evidence_vectors: tuple[np.ndarray, ...] = field(default=(), compare=False)
    department: str | None = None
    popular_in_team: tuple[str, ...] = ()  # most earned in the learner's team, most first
    target_role: str | None = None
    goal_vectors: tuple[np.ndarray, ...] = field(default=(), compare=False)  # e.g. the role text


@dataclass(frozen=True)
class SkillLevel:
    """How far a learner has got in one skill: highest tier held and how many badges cover it."""

    skill: str
    top_tier: int | None
    badges: int


def skill_levels(profile: LearnerProfile, catalog: Mapping[str, BadgeItem]) -> dict[str, SkillLevel]:
    """Return the learner's skills (lower-cased) from earned badges, with their top tier."""
    levels: dict[str, SkillLevel] = {}
    for badge_id in profile.earned:
        item = catalog.get(badge_id)
        if item is None:
            continue
        tier = tier_rank(item.level)
        for skill in {s.strip().lower() for s in item.skills if s.strip()}:
            old = levels.get(skill)
            if old is None:
                levels[skill] = SkillLevel(skill, tier, 1)
                continue
            top = old.top_tier if tier is None else max(tier, old.top_tier or 0)
            levels[skill] = SkillLevel(skill, top, old.badges + 1)
    return levels


def profile_vector(profile: LearnerProfile, index: BadgeIndex) -> np.ndarray | None:
    """Return the learner's unit interest vector, or None when nothing is known about them.

    A weighted mean of earned badges (most recent weighs most), in-progress badges, approved
    evidence and declared goals, all taken from precomputed vectors.
    """
    total = np.zeros(index.dim, dtype=np.float64)
    weight_sum = 0.0

    def add(vector: np.ndarray | None, weight: float) -> None:
        nonlocal weight_sum
        if vector is None:
            return
        arr = np.asarray(vector, dtype=np.float64).reshape(-1)
        if arr.shape[0] != index.dim or not np.all(np.isfinite(arr)):
            raise ValueError(f"profile vector of dimension {arr.shape[0]}, index has {index.dim}")
        norm = float(np.linalg.norm(arr))
        if norm > 0:
            total[:] += weight * arr / norm
            weight_sum += weight

    for back, badge_id in enumerate(reversed(profile.earned)):
        add(index.vector(badge_id), RECENCY_DECAY**back)
    for badge_id in profile.in_progress:
        add(index.vector(badge_id), IN_PROGRESS_WEIGHT)
    for vector in profile.evidence_vectors:
        add(vector, EVIDENCE_WEIGHT)
    for vector in profile.goal_vectors:
        add(vector, GOAL_WEIGHT)
    norm = float(np.linalg.norm(total))
    if weight_sum == 0 or norm == 0:
        return None
    return (total / norm).astype(np.float32)
