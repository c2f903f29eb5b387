"""Recommendations from the service side: catalogue and profiles from the database, the badge
index snapshot from the file store (built by a worker, swapped in without a restart).

Nothing here encodes text: the web process ranks with precomputed vectors only.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recommender.catalog import BadgeItem, Catalog, badge_text
from recommender.errors import IndexFormatError
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile
from recommender.ranking import RecommendationSet, recommend
from service.errors import NotFound
from service.models import Award, Badge, Criterion, Pathway, Submission, User
from service.models.badges import badge_prerequisites
from service.settings import Settings

_cache_lock = threading.Lock()
_cached: tuple[str, Snapshot] | None = None


@dataclass(frozen=True)
class Snapshot:
    """What a web replica ranks with: built by a worker, loaded once per version.

    Holding the catalogue and per-department popularity here keeps a request down to the
    learner's own rows: nothing scans the badge or award tables at request time.
    """

    index: BadgeIndex
    cooccurrence: CoOccurrence | None
    catalog: Catalog
    names: dict[str, str]
    popular_by_department: dict[str, list[str]]


def catalog_items(session: Session) -> dict[str, BadgeItem]:
    """Every badge as the recommender sees it (retired ones included, marked inactive)."""
    steps: dict[str, list[tuple[str, int]]] = {}
    for pathway in session.scalars(select(Pathway)):
        for step in pathway.steps:
            steps.setdefault(step.badge_id, []).append((pathway.name, step.position + 1))
    prereqs: dict[str, list[str]] = {}
    for badge_id, required_id in session.execute(select(badge_prerequisites)):
        prereqs.setdefault(badge_id, []).append(required_id)
    rows = session.execute(select(Badge.id, Badge.name, Badge.description, Badge.skills, Badge.tier,
                                  Badge.badge_type, Badge.status))
    return {
        r.id: BadgeItem(id=r.id, title=r.name, description=r.description, skills=tuple(r.skills), level=r.tier,
                        prerequisites=tuple(prereqs.get(r.id, ())), pathways=tuple(steps.get(r.id, ())),
                        badge_type=r.badge_type, active=r.status == "active")
        for r in rows
    }


def badge_texts(session: Session, catalog: dict[str, BadgeItem]) -> tuple[list[str], list[str]]:
    """(ids, texts) to embed for the badge index: name, description, skills and criteria."""
    criteria: dict[str, list[str]] = {}
    for badge_id, title, description in session.execute(
        select(Criterion.badge_id, Criterion.title, Criterion.description).order_by(Criterion.position)
    ):
        criteria.setdefault(badge_id, []).append(f"{title}: {description}")
    ids = sorted(catalog)
    return ids, [badge_text(catalog[i], criteria.get(i, [])) for i in ids]


def award_histories(session: Session) -> list[list[str]]:
    """Every learner's earned badges, oldest first (what similar learners earned next)."""
    by_learner: dict[str, list[tuple[datetime, str]]] = {}
    for a in session.execute(select(Award.learner_id, Award.issued_at, Award.badge_id)):
        by_learner.setdefault(a.learner_id, []).append((a.issued_at, a.badge_id))
    return [[b for _, b in sorted(h)] for h in by_learner.values()]


def popular_by_department(session: Session, limit: int = 20) -> dict[str, list[str]]:
    """Department id -> its most earned badges, most first."""
    rows = session.execute(
        select(User.department_id, Award.badge_id, func.count())
        .join(User, User.id == Award.learner_id)
        .where(User.department_id.is_not(None))
        .group_by(User.department_id, Award.badge_id)
    )
    counts: dict[str, Counter[str]] = {}
    for dept, badge_id, n in rows:
        counts.setdefault(dept, Counter())[badge_id] = n
    return {dept: [b for b, _ in c.most_common(limit)] for dept, c in counts.items()}


def save_snapshot(settings: Settings, index: BadgeIndex, *, cooccurrence: CoOccurrence,
                  catalog: dict[str, BadgeItem], names: dict[str, str],
                  popular: dict[str, list[str]]) -> Path:
    """Write the index and its companions; the CURRENT pointer moves last (atomic swap)."""
    folder = settings.index_path
    folder.mkdir(parents=True, exist_ok=True)
    extra = {
        "catalog": [_item_json(item) for item in catalog.values()],
        "names": names,
        "popular_by_department": popular,
    }
    tmp = folder / f"cooccurrence-{index.version}.tmp.npz"
    cooccurrence.save(tmp)  # .npz: a fraction of a second at 100k badges, where JSON takes ~30 s
    os.replace(tmp, folder / f"cooccurrence-{index.version}.npz")
    _write_atomic(folder / f"catalog-{index.version}.json", json.dumps(extra))
    return index.save(folder)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _item_json(item: BadgeItem) -> dict[str, Any]:
    return {"id": item.id, "title": item.title, "description": item.description, "skills": list(item.skills),
            "level": item.level, "prerequisites": list(item.prerequisites),
            "pathways": [list(p) for p in item.pathways], "badge_type": item.badge_type, "active": item.active}


def _item_from_json(d: dict[str, Any]) -> BadgeItem:
    return BadgeItem(id=d["id"], title=d["title"], description=d["description"], skills=tuple(d["skills"]),
                     level=d["level"], prerequisites=tuple(d["prerequisites"]),
                     pathways=tuple((str(p[0]), int(p[1])) for p in d["pathways"]), badge_type=d["badge_type"],
                     active=bool(d["active"]))


def load_snapshot(settings: Settings) -> Snapshot | None:
    """The current snapshot, reloaded only when CURRENT points somewhere new (hot swap)."""
    global _cached
    folder = settings.index_path
    try:
        current = (folder / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    with _cache_lock:
        if _cached is not None and _cached[0] == current:
            return _cached[1]
        try:
            index = BadgeIndex.load(folder)
            extra = json.loads((folder / f"catalog-{index.version}.json").read_text(encoding="utf-8"))
        except (IndexFormatError, FileNotFoundError, json.JSONDecodeError):
            return None
        co_path = folder / f"cooccurrence-{index.version}.npz"
        cooc = CoOccurrence.load(co_path) if co_path.exists() else None
        snapshot = Snapshot(index=index, cooccurrence=cooc,
                            catalog=Catalog(_item_from_json(d) for d in extra["catalog"]),
                            names=extra["names"], popular_by_department=extra["popular_by_department"])
        _cached = (current, snapshot)
        return snapshot


def learner_profile(session: Session, learner: User, popular_in_team: dict[str, list[str]]) -> LearnerProfile:
    """The learner's profile: earned, in progress, goals, team priorities, popular in team."""
    earned = [a.badge_id for a in session.scalars(
        select(Award).where(Award.learner_id == learner.id).order_by(Award.issued_at))]
    in_progress = list(session.scalars(select(Submission.badge_id).where(
        Submission.learner_id == learner.id,
        Submission.status.in_(("draft", "queued", "scoring", "scored", "scoring_failed", "changes_requested")))))
    goals = learner.goals or {}
    team_priority: list[str] = list(learner.department.priority_skills) if learner.department else []
    popular = popular_in_team.get(learner.department_id or "", [])
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
    return None if snapshot is None else _ranked(session, learner, snapshot, now=now, k=k)


def _ranked(session: Session, learner: User, snapshot: Snapshot, *, now: datetime, k: int) -> RecommendationSet:
    profile = learner_profile(session, learner, snapshot.popular_by_department)
    return recommend(profile, snapshot.catalog, snapshot.index, cooccurrence=snapshot.cooccurrence, now=now, k=k)


def recommendations_for(session: Session, *, learner_id: str, settings: Settings, now: datetime,
                        k: int = 10) -> dict[str, Any]:
    """The API's view: {items: [{badge_id, name, score, reasons}], locked: [...], index_version}."""
    learner = session.get(User, learner_id)
    if learner is None:
        raise NotFound("No such learner.")
    snapshot = load_snapshot(settings)  # once: names and ranking come from the same snapshot
    if snapshot is None:
        return {"items": [], "locked": [], "index_version": None,
                "detail": "Recommendations appear once a worker has indexed the catalogue."}
    result, names = _ranked(session, learner, snapshot, now=now, k=k), snapshot.names
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


@dataclass(frozen=True)
class PathwayStepView:
    """One step of a pathway as a learner stands on it: earned, in progress, next, or later."""

    badge_id: str
    name: str
    state: str


@dataclass(frozen=True)
class PathwayProgress:
    """A pathway the learner has started (or could start), with each step's state."""

    name: str
    description: str
    steps: tuple[PathwayStepView, ...]

    @property
    def earned(self) -> int:
        """How many steps are earned."""
        return sum(s.state == "earned" for s in self.steps)


def pathway_progress(session: Session, *, learner: User) -> list[PathwayProgress]:
    """Every pathway with the learner's state on each step; started pathways first."""
    earned = set(session.scalars(select(Award.badge_id).where(Award.learner_id == learner.id)))
    started = set(session.scalars(select(Submission.badge_id).where(
        Submission.learner_id == learner.id,
        Submission.status.in_(("draft", "queued", "scoring", "scored", "scoring_failed", "changes_requested")))))
    out = []
    for pathway in session.scalars(select(Pathway).order_by(Pathway.name)):
        views, next_given = [], False
        for step in pathway.steps:
            if step.badge_id in earned:
                state = "earned"
            elif step.badge_id in started:
                state = "in_progress"
            elif not next_given:
                state, next_given = "next", True
            else:
                state = "later"
            views.append(PathwayStepView(badge_id=step.badge_id, name=step.badge.name, state=state))
        out.append(PathwayProgress(name=pathway.name, description=pathway.description, steps=tuple(views)))
    out.sort(key=lambda p: (-(p.earned + sum(s.state == "in_progress" for s in p.steps)), p.name))
    return out
