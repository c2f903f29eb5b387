"""Reasons shown with a suggestion, one per signal that raised its score, largest first."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from recommender.catalog import Catalog, tier_rank
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile, SkillLevel
from recommender.signals import Signals, Weights

# A signal adding less than this share of the top signal is not worth a sentence.
MIN_SHARE = 0.15
MAX_REASONS = 3
ENTRY_REASON = "a good first badge: no prerequisites"


def reasons_for(
    badge_id: str,
    sig: Signals,
    profile: LearnerProfile,
    cat: Catalog,
    levels: Mapping[str, SkillLevel],
    weights: Weights,
    query: np.ndarray | None,
    index: BadgeIndex,
) -> tuple[str, ...]:
    """Return the reasons for one ranked badge, in the order of their contribution."""
    item = cat[badge_id]
    parts = sig.contributions(badge_id, item, levels, weights)
    positive = sorted(((v, n) for n, v in parts.items() if v > 0), reverse=True)
    if not positive:
        return ("popular with learners across the organisation",)
    top = positive[0][0]
    reasons: list[str] = []
    for value, name in positive:
        if value < MIN_SHARE * top or len(reasons) >= MAX_REASONS:
            break
        text = _sentence(name, badge_id, sig, profile, cat, levels, index)
        if text and text not in reasons:
            reasons.append(text)
    return tuple(reasons) or ("popular with learners across the organisation",)


def _title(cat: Catalog, badge_id: str) -> str:
    item = cat.get(badge_id)
    return item.title if item is not None else badge_id


def _sentence(
    name: str,
    badge_id: str,
    sig: Signals,
    profile: LearnerProfile,
    cat: Catalog,
    levels: Mapping[str, SkillLevel],
    index: BadgeIndex,
) -> str:
    if name == "pathway":
        pathway, _step = sig.pathway[badge_id]
        return f"next step in the {pathway} pathway"
    if name == "builds_on":
        return f"builds on {_title(cat, sig.builds_on[badge_id])}, which you earned"
    if name == "following" and badge_id in sig.because:
        return f"learners who earned {_title(cat, sig.because[badge_id])} often earn this next"
    if name == "similar" and badge_id in sig.because:
        return f"often earned together with {_title(cat, sig.because[badge_id])}"
    if name == "content":
        return _content_sentence(badge_id, profile, cat, index)
    if name == "goal":
        covered = sig.goal.get(badge_id, 0)
        if profile.target_role:
            return f"covers {covered} of the {sig.goal_total} skills in your goals for {profile.target_role}"
        return f"covers {covered} of the {sig.goal_total} skills in your goals"
    if name == "team":
        covered = sig.team.get(badge_id, 0)
        return f"covers {covered} of the {sig.team_total} skills your team prioritises"
    if name == "team_popular":
        return "popular in your team"
    if name == "popularity":
        return "popular with learners across the organisation"
    if name == "trending":
        return "many learners have earned it recently"
    if name == "tier":
        return _tier_sentence(badge_id, cat, levels)
    return ""


def _content_sentence(badge_id: str, profile: LearnerProfile, cat: Catalog, index: BadgeIndex) -> str:
    target = index.vector(badge_id)
    held = [b for b in profile.earned if b in index]
    if target is None or not held:
        if profile.goal_skills or profile.goal_vectors or profile.target_role:
            return "matches your goals"
        return "matches the work you have been doing"
    rows = [r for b in held if (r := index.position(b)) is not None]
    sims = index.matrix[rows] @ target
    closest = held[int(np.argmax(sims))]
    return f"similar to {_title(cat, closest)}, which you earned"


def _tier_sentence(badge_id: str, cat: Catalog, levels: Mapping[str, SkillLevel]) -> str:
    item = cat[badge_id]
    tier = tier_rank(item.level)
    for skill in item.skills:
        level = levels.get(skill.strip().lower())
        if level is not None and level.top_tier is not None and tier == level.top_tier + 1:
            return f"the next tier up in {skill}"
    return ""
