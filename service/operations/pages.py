"""Read-only queries that shape web pages (dashboards, catalogue facets, admin counts).

Everything here reads; the two small writes a page needs (marking notifications read and
signing in) are plain enough to sit beside the reads they belong to. Permission rules stay in
the domain operations these build on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from service.auth import hash_password, verify_password
from service.errors import Forbidden, NotFound
from service.models import (
    Award,
    Badge,
    Credential,
    Notification,
    Pathway,
    PathwayStep,
    Submission,
    User,
)
from service.models.badges import badge_prerequisites
from service.operations.insights import QueueFilters, queue_candidates
from service.operations.recommendations import recommendation_set
from service.operations.users import user_by_email
from service.settings import Settings

# Submissions that block a new one for the same badge (see submissions.create_submission).
OPEN_STATUSES = ("draft", "queued", "scoring", "scored", "scoring_failed", "changes_requested")



@cache
def _dummy_hash() -> str:
    # Checked when the email is unknown, so a wrong email costs as long as a wrong password.
    return hash_password("laurel-timing-equaliser")


@dataclass(frozen=True)
class Dashboard:
    """What a signed-in user's home page shows."""

    notifications: list[Notification]
    submissions: list[Submission]
    credentials: list[Credential]
    unread: int


@dataclass(frozen=True)
class Facets:
    """The values the catalogue can be filtered by."""

    types: list[str]
    tiers: list[str]
    domains: list[str]
    skills: list[str]


@dataclass(frozen=True)
class BadgePage:
    """A badge with what its page shows around it, for one viewer."""

    badge: Badge
    pathways: list[Pathway]
    unlocks: list[Badge]
    holders: int = 0
    earned: Credential | None = None
    open_submission: Submission | None = None
    missing_prerequisites: list[Badge] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    """A badge suggested to a learner, with the reasons shown next to it."""

    badge: Badge
    reasons: list[str]


@dataclass(frozen=True)
class LockedSuggestion:
    """A badge worth aiming for once the missing prerequisites are earned."""

    badge: Badge
    missing: list[Badge]


@dataclass(frozen=True)
class Suggestions:
    """What the 'For you' page shows; ``source`` says whether the recommender ranked it."""

    items: list[Suggestion]
    locked: list[LockedSuggestion]
    source: str  # "recommender" | "catalogue"


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (no hint which part was wrong)."""
    user = user_by_email(session, email) if email.strip() else None
    if user is None or not user.password_hash:
        verify_password(User(password_hash=_dummy_hash()), password)
        return None
    if not verify_password(user, password) or not user.active:
        return None
    return user


def unread_count(session: Session, *, user: User) -> int:
    """How many of the user's notifications are unread."""
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def mark_notifications_read(session: Session, *, user: User, now: datetime) -> int:
    """Mark every unread notification of ``user`` as read; returns how many changed."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_notification(session: Session, *, user: User, notification_id: str, now: datetime) -> str:
    """Mark one of the user's notifications read and return where it points ('/' if nowhere).

    Raises NotFound for someone else's notification."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("No such notification.")
    if note.read_at is None:
        note.read_at = now
        session.flush()
    link = note.link or "/"
    return link if link.startswith("/") and not link.startswith("//") else "/"


def earned_count(session: Session, *, badge: Badge) -> int:
    """How many people hold this badge."""
    query = select(func.count(func.distinct(Award.learner_id))).where(Award.badge_id == badge.id)
    return int(session.scalar(query) or 0)


def earned_credentials(session: Session, *, learner: User) -> list[Credential]:
    """The learner's credentials, newest first."""
    query = (
        select(Credential).join(Award).where(Award.learner_id == learner.id)
        .order_by(Credential.created_at.desc())
    )
    return list(session.scalars(query).unique())


def dashboard(session: Session, *, user: User) -> Dashboard:
    """Recent notifications, submissions and credentials of ``user``."""
    notes = session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc()).limit(6)
    )
    subs = session.scalars(
        select(Submission).where(Submission.learner_id == user.id)
        .order_by(Submission.updated_at.desc()).limit(5)
    )
    return Dashboard(notifications=list(notes), submissions=list(subs.unique()),
                     credentials=earned_credentials(session, learner=user),
                     unread=unread_count(session, user=user))


def waiting_for_review(session: Session, *, reviewer: User, cap: int = 99,
                       now: datetime | None = None) -> tuple[int, bool]:
    """How many submissions wait for this reviewer (at most ``cap``) and whether there are more;
    counted like the queue page (others' live claims left out), in the order its index serves."""
    if not reviewer.has_role("reviewer"):
        raise Forbidden("Only reviewers can see the review queue.")
    rows = queue_candidates(session, reviewer=reviewer, filters=QueueFilters(), now=now or datetime.now(UTC),
                            limit=cap + 1)
    return min(len(rows), cap), len(rows) > cap


def catalogue_facets(session: Session) -> Facets:
    """Types, tiers, domains and skills present among active badges."""
    rows = session.execute(
        select(Badge.badge_type, Badge.tier, Badge.domain, Badge.skills).where(Badge.status == "active")
    ).all()
    skills = sorted({s for *_, sk in rows for s in (sk or [])}, key=str.lower)
    return Facets(
        types=sorted({t for t, *_ in rows}),
        tiers=[t for t in ("foundation", "practitioner", "advanced", "expert") if t in {r[1] for r in rows}],
        domains=sorted({d for _, _, d, _ in rows if d}),
        skills=skills,
    )


def catalogue(session: Session, *, badge_type: str = "", tier: str = "", domain: str = "",
              skill: str = "", search: str = "") -> list[Badge]:
    """Active badges matching every given filter, by name. Skill and search match loosely."""
    query = select(Badge).where(Badge.status == "active").order_by(Badge.name, Badge.id)
    if badge_type:
        query = query.where(Badge.badge_type == badge_type)
    if tier:
        query = query.where(Badge.tier == tier)
    if domain:
        query = query.where(Badge.domain == domain)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Badge.name).like(like), func.lower(Badge.description).like(like)))
    badges = list(session.scalars(query).unique())
    if skill:
        # Skills are a JSON list: filtered here so SQLite and PostgreSQL behave the same.
        wanted = skill.strip().lower()
        badges = [b for b in badges if any(s.lower() == wanted for s in b.skills or [])]
    return badges


def badge_page(session: Session, *, badge: Badge, viewer: User | None) -> BadgePage:
    """The pathways a badge belongs to, what it unlocks, and the viewer's standing on it."""
    pathways = list(session.scalars(
        select(Pathway).join(PathwayStep).where(PathwayStep.badge_id == badge.id).order_by(Pathway.name)
    ).unique())
    unlocks = list(session.scalars(
        select(Badge).join(badge_prerequisites, badge_prerequisites.c.badge_id == Badge.id)
        .where(badge_prerequisites.c.required_id == badge.id, Badge.status == "active").order_by(Badge.name)
    ).unique())
    holders = earned_count(session, badge=badge)
    if viewer is None:
        return BadgePage(badge=badge, pathways=pathways, unlocks=unlocks, holders=holders)
    earned_ids = _earned_badge_ids(session, viewer)
    credential = session.scalar(
        select(Credential).join(Award).where(Award.learner_id == viewer.id, Award.badge_id == badge.id)
        .order_by(Credential.created_at.desc()).limit(1)
    )
    open_submission = session.scalar(
        select(Submission).where(Submission.learner_id == viewer.id, Submission.badge_id == badge.id,
                                 Submission.status.in_(OPEN_STATUSES)).limit(1)
    )
    missing = [p for p in badge.prerequisites if p.id not in earned_ids]
    return BadgePage(badge=badge, pathways=pathways, unlocks=unlocks, holders=holders, earned=credential,
                     open_submission=open_submission, missing_prerequisites=missing)


def _earned_badge_ids(session: Session, learner: User) -> set[str]:
    return set(session.scalars(select(Award.badge_id).where(Award.learner_id == learner.id)))


def suggested_badges(session: Session, *, learner: User, limit: int = 10) -> list[Suggestion]:
    """Active badges the learner has not earned or started, with simple reasons.

    A stand-in until the recommender's ranking is wired to this page: badges whose
    prerequisites are met and that build on earned badges or wanted skills come first.
    """
    earned = _earned_badge_ids(session, learner)
    started = set(session.scalars(select(Submission.badge_id).where(Submission.learner_id == learner.id)))
    started |= set((learner.goals or {}).get("not_interested", []))
    earned_badges = {b.id: b for b in session.scalars(select(Badge).where(Badge.id.in_(earned))).unique()}
    my_skills = {s.lower() for b in earned_badges.values() for s in b.skills or []}
    wanted = {s.lower() for s in (learner.department.priority_skills if learner.department else [])}
    scored: list[tuple[float, str, Suggestion]] = []
    active = select(Badge).where(Badge.status == "active").options(selectinload(Badge.prerequisites))
    for badge in session.scalars(active).unique():
        if badge.id in earned or badge.id in started:
            continue
        if any(p.id not in earned for p in badge.prerequisites):
            continue
        reasons, weight = _reasons(badge, earned_badges, my_skills, wanted)
        scored.append((-weight, badge.name.lower(), Suggestion(badge=badge, reasons=reasons)))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [s for *_, s in scored[:limit]]


def suggestions_for(session: Session, *, learner: User, settings: Settings, now: datetime,
                    limit: int = 10) -> Suggestions:
    """The recommender's ranking for ``learner``, or simple catalogue suggestions until a worker
    has built the first badge index."""
    ranked = recommendation_set(session, learner=learner, settings=settings, now=now, k=limit)
    if ranked is None:
        return Suggestions(items=suggested_badges(session, learner=learner, limit=limit), locked=[],
                           source="catalogue")
    wanted = {r.badge_id for r in ranked.items} | {lk.badge_id for lk in ranked.locked}
    wanted |= {m for lk in ranked.locked for m in lk.missing}
    badges = {b.id: b for b in session.scalars(select(Badge).where(Badge.id.in_(wanted))).unique()}
    items = [Suggestion(badge=badges[r.badge_id], reasons=list(r.reasons)) for r in ranked.items
             if r.badge_id in badges and badges[r.badge_id].status == "active"]
    locked = [LockedSuggestion(badge=badges[lk.badge_id], missing=[badges[m] for m in lk.missing if m in badges])
              for lk in ranked.locked if lk.badge_id in badges and badges[lk.badge_id].status == "active"]
    return Suggestions(items=items, locked=locked, source="recommender")


def _reasons(badge: Badge, earned: dict[str, Badge], my_skills: set[str],
             wanted: set[str]) -> tuple[list[str], float]:
    reasons: list[str] = []
    weight = 0.0
    built_on = [p.name for p in badge.prerequisites if p.id in earned]
    if built_on:
        reasons.append("Builds on " + ", ".join(built_on) + ", which you earned")
        weight += 3
    skills = [s for s in badge.skills or [] if s.lower() in wanted]
    if skills:
        reasons.append("Priority skill for your department: " + ", ".join(skills))
        weight += 2
    shared = [s for s in badge.skills or [] if s.lower() in my_skills]
    if shared:
        reasons.append("Extends skills you have shown: " + ", ".join(shared))
        weight += 1
    if not reasons:
        reasons.append(f"A {badge.tier} {badge.badge_type} badge open to you now")
        weight += 0.5 if badge.tier == "foundation" else 0
    return reasons, weight
