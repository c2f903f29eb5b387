"""Recommendations from the service side: catalogue and profiles from the database, the badge
index snapshot from the file store (built by a worker, swapped in without a restart).

Nothing here encodes text: the web process ranks with precomputed vectors only.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.catalog import BadgeItem, badge_text
from recommender.errors import IndexFormatError
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile
from recommender.ranking import RecommendationSet, recommend
from service.errors import NotFound
from service.models import Award, Badge, Pathway, Submission, User
from service.settings import Settings

_cache_lock = threading.Lock()
_cached: tuple[str, BadgeIndex, CoOccurrence | None] | None = None


def catalog_items(session: Session) -> dict[str, BadgeItem]:
    """Every badge as the recommender sees it (retired ones included, marked inactive)."""
    steps: dict[str, list[tuple[str, int]]] = {}
    for pathway in session.scalars(select(Pathway)):
        for step in pathway.steps:
            steps.setdefault(step.badge_id, []).append((pathway.name, step.position + 1))
    return {
        b.id: BadgeItem(id=b.id, title=b.name, description=b.description, skills=tuple(b.skills), level=b.tier,
                        prerequisites=tuple(p.id for p in b.prerequisites), pathways=tuple(steps.get(b.id, ())),
                        badge_type=b.badge_type, active=b.status == "active")
        for b in session.scalars(select(Badge)).unique()
    }


def badge_texts(session: Session) -> tuple[list[str], list[str]]:
    """(ids, texts) to embed for the badge index: name, description, skills and criteria."""
    items = catalog_items(session)
    ids, texts = [], []
    for b in session.scalars(select(Badge)).unique():
        ids.append(b.id)
        texts.append(badge_text(items[b.id], [f"{c.title}: {c.description}" for c in b.criteria]))
    return ids, texts


def award_histories(session: Session) -> list[list[str]]:
    """Every learner's earned badges, oldest first (what similar learners earned next)."""
    by_learner: dict[str, list[tuple[datetime, str]]] = {}
    for a in session.execute(select(Award.learner_id, Award.issued_at, Award.badge_id)):
        by_learner.setdefault(a.learner_id, []).append((a.issued_at, a.badge_id))
    return [[b for _, b in sorted(h)] for h in by_learner.values()]


def _snapshot_folder(settings: Settings) -> Path:
    return settings.index_path


def save_snapshot(settings: Settings, index: BadgeIndex, cooccurrence: CoOccurrence) -> Path:
    """Write the index and co-occurrence model; the CURRENT pointer moves last."""
    folder = _snapshot_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"cooccurrence-{index.version}.json").write_text(cooccurrence.to_json(), encoding="utf-8")
    return index.save(folder)


def load_snapshot(settings: Settings) -> tuple[BadgeIndex, CoOccurrence | None] | None:
    """The current snapshot, reloaded only when CURRENT points somewhere new (hot swap)."""
    global _cached
    folder = _snapshot_folder(settings)
    pointer = folder / "CURRENT"
    try:
        current = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    with _cache_lock:
        if _cached is not None and _cached[0] == current:
            return _cached[1], _cached[2]
        try:
            index = BadgeIndex.load(folder)
        except IndexFormatError:
            return None
        co_path = folder / f"cooccurrence-{index.version}.json"
        cooc = CoOccurrence.from_json(co_path.read_text(encoding="utf-8")) if co_path.exists() else None
        _cached = (current, index, cooc)
        return index, cooc


def learner_profile(session: Session, learner: User) -> LearnerProfile:
    """The learner's profile: earned, in progress, goals, team priorities, popular in team."""
    earned = [a.badge_id for a in session.scalars(
        select(Award).where(Award.learner_id == learner.id).order_by(Award.issued_at))]
    in_progress = list(session.scalars(select(Submission.badge_id).where(
        Submission.learner_id == learner.id,
        Submission.status.in_(("draft", "queued", "scoring", "scored", "scoring_failed", "changes_requested")))))
    goals = learner.goals or {}
    team_priority: list[str] = list(learner.department.priority_skills) if learner.department else []
    popular: list[str] = []
    if learner.department_id:
        counts = Counter(session.scalars(
            select(Award.badge_id).join(User, User.id == Award.learner_id)
            .where(User.department_id == learner.department_id)))
        popular = [b for b, _ in counts.most_common(20)]
    return LearnerProfile(
        learner_id=learner.id, earned=tuple(earned), in_progress=tuple(in_progress),
        not_interested=tuple(goals.get("not_interested", [])), goal_skills=tuple(goals.get("skills", [])),
        team_priority_skills=tuple(team_priority), department=learner.department.name if learner.department else None,
        popular_in_team=tuple(popular), target_role=goals.get("role") or learner.title,
    )


def recommendation_set(session: Session, *, learner: User, settings: Settings, now: datetime,
                       k: int = 10) -> RecommendationSet | None:
    """Ranked suggestions for ``learner``; None until a worker has built the first index."""
    snapshot = load_snapshot(settings)
    if snapshot is None:
        return None
    index, cooc = snapshot
    return recommend(learner_profile(session, learner), catalog_items(session), index, cooccurrence=cooc,
                     now=now, k=k)


def recommendations_for(session: Session, *, learner_id: str, settings: Settings, now: datetime,
                        k: int = 10) -> dict[str, Any]:
    """The API's view: {items: [{badge_id, name, score, reasons}], locked: [...], index_version}."""
    learner = session.get(User, learner_id)
    if learner is None:
        raise NotFound("No such learner.")
    result = recommendation_set(session, learner=learner, settings=settings, now=now, k=k)
    if result is None:
        return {"items": [], "locked": [], "index_version": None,
                "detail": "Recommendations appear once a worker has indexed the catalogue."}
    names = {b.id: b.name for b in session.scalars(select(Badge)).unique()}
    return {
        "items": [{"badge_id": r.badge_id, "name": names.get(r.badge_id), "score": round(r.score, 4),
                   "reasons": list(r.reasons)} for r in result.items],
        "locked": [{"badge_id": lk.badge_id, "name": names.get(lk.badge_id), "missing": list(lk.missing),
                    "missing_names": [names.get(m) for m in lk.missing]} for lk in result.locked],
        "index_version": result.index_version,
    }


def mark_not_interested(session: Session, *, learner: User, badge_id: str) -> None:
    """Remember that the learner does not want ``badge_id`` suggested again."""
    goals = dict(learner.goals or {})
    hidden = list(goals.get("not_interested", []))
    if badge_id not in hidden:
        hidden.append(badge_id)
    goals["not_interested"] = hidden
    learner.goals = goals
    session.flush()
