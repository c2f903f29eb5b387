"""Read-only queries behind the admin and reviewer pages: counts, insights, lists, the queue view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, literal_column, select, tuple_
from sqlalchemy.orm import Session, selectinload

from service.models import (
    REVIEWABLE,
    Award,
    Badge,
    Credential,
    Department,
    IssuerKey,
    OutboxEmail,
    Review,
    Submission,
    User,
)
from service.operations.reviews import BAND_RANK_SQL, NEG_SCORE_SQL, waiting_for


@dataclass(frozen=True)
class Overview:
    """Headline counts for the admin page."""

    learners: int
    badges: int
    pending: int
    awards_this_month: int


def admin_overview(session: Session, *, now: datetime) -> Overview:
    """Learners, active badges, submissions waiting for review, and awards since the 1st."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def count(model: Any, condition: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)

    return Overview(
        learners=count(User, User.role == "learner"),
        badges=count(Badge, Badge.status == "active"),
        pending=count(Submission, Submission.status.in_(REVIEWABLE)),
        awards_this_month=count(Award, Award.issued_at >= month_start),
    )


@dataclass(frozen=True)
class Insights:
    """What the admin overview charts: awards by month, top badges, departments, turnaround."""

    awards_by_month: list[tuple[str, int]]
    top_badges: list[tuple[Badge, int]]
    departments: list[tuple[str, int, int, str]]  # name, learners, awards, most earned skill
    median_turnaround_days: float | None
    approval_rate: float | None


def admin_insights(session: Session, *, now: datetime, months: int = 6) -> Insights:
    """Earning over the last ``months`` months, the most earned badges, skills by department,
    and how fast and how often reviewers approve (last 90 days)."""
    labels = []
    year, month = now.year, now.month
    for _ in range(months):
        labels.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    labels.reverse()
    since = datetime(labels[0][0], labels[0][1], 1, tzinfo=now.tzinfo)
    rows = session.execute(select(Award.issued_at, Award.badge_id).where(Award.issued_at >= since)).all()
    per_month = Counter((r.issued_at.year, r.issued_at.month) for r in rows)
    by_month = [(datetime(y, m, 1).strftime("%b"), per_month.get((y, m), 0)) for y, m in labels]
    top_ids = Counter(r.badge_id for r in rows).most_common(5)
    badges = {b.id: b for b in session.scalars(select(Badge).where(Badge.id.in_([i for i, _ in top_ids])))}
    top = [(badges[i], n) for i, n in top_ids if i in badges]
    median, rate = _turnaround(session, now=now)
    return Insights(awards_by_month=by_month, top_badges=top, departments=_departments(session),
                    median_turnaround_days=median, approval_rate=rate)


def _departments(session: Session) -> list[tuple[str, int, int, str]]:
    learners = Counter(d for (d,) in session.execute(
        select(Department.name).join(User, User.department_id == Department.id)))
    skills: dict[str, Counter[str]] = {}
    awards: Counter[str] = Counter()
    for dept, badge_skills in session.execute(
        select(Department.name, Badge.skills).select_from(Award).join(User, Award.learner_id == User.id)
        .join(Department, User.department_id == Department.id).join(Badge, Award.badge_id == Badge.id)
    ):
        awards[dept] += 1
        skills.setdefault(dept, Counter()).update(badge_skills or [])
    out = []
    for name, people in learners.items():
        top_skill = skills[name].most_common(1)[0][0] if skills.get(name) else "—"
        out.append((name, people, awards.get(name, 0), top_skill))
    return sorted(out, key=lambda row: (-row[2], row[0]))


def _turnaround(session: Session, *, now: datetime) -> tuple[float | None, float | None]:
    rows = session.execute(
        select(Review.created_at, Review.decision, Submission.submitted_at).join(Submission)
        .where(Review.created_at >= now - timedelta(days=90))
    ).all()
    waits = sorted((r.created_at - r.submitted_at).total_seconds() / 86400 for r in rows if r.submitted_at)
    median = waits[len(waits) // 2] if waits else None
    rate = sum(r.decision == "approve" for r in rows) / len(rows) if rows else None
    return median, rate


def all_badges(session: Session) -> list[Badge]:
    """Every badge, any status, by name (admin lists)."""
    return list(session.scalars(select(Badge).order_by(Badge.name).options(selectinload(Badge.criteria))).unique())


def active_badges(session: Session) -> list[Badge]:
    """Active badges by name (filter menus)."""
    return list(session.scalars(select(Badge).where(Badge.status == "active").order_by(Badge.name)).unique())


def recent_credentials(session: Session, *, limit: int = 15) -> list[Credential]:
    """The newest credentials issued (admin overview)."""
    return list(session.scalars(select(Credential).order_by(Credential.created_at.desc()).limit(limit)).unique())


def signing_keys(session: Session) -> list[IssuerKey]:
    """Every signing key, newest first."""
    return list(session.scalars(select(IssuerKey).order_by(IssuerKey.created_at.desc())))


def credentials_by_key(session: Session, key_ids: Sequence[str]) -> dict[str, int]:
    """How many credentials each key signed."""
    rows = session.execute(
        select(Credential.key_id, func.count()).where(Credential.key_id.in_(key_ids)).group_by(Credential.key_id)
    )
    return {k: int(n) for k, n in rows}


QUEUE_SORTS = ("clear", "oldest", "newest")


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrowed the queue to; empty values mean no filter."""

    badge_id: str = ""
    band: str = ""
    department_id: str = ""
    flag: str = ""
    min_age_days: int = 0
    sort: str = "clear"


@dataclass(frozen=True)
class QueueView:
    """One page of the reviewer's queue with what each row shows beside the submission."""

    items: list[Submission]
    next_cursor: str | None
    approvals: dict[str, int]


def sla_colour(submitted_at: datetime | None, now: datetime) -> str:
    """green under 2 days in the queue, amber under 5, red older."""
    if submitted_at is None:
        return "grey"
    days = (now - submitted_at).total_seconds() / 86400
    return "green" if days < 2 else ("amber" if days < 5 else "red")


def _queue_query(reviewer: User, filters: QueueFilters, now: datetime) -> Any:
    query = waiting_for(reviewer, now)  # the queue's visibility rule, plus the page's filters
    if filters.badge_id:
        query = query.where(Submission.badge_id == filters.badge_id)
    if filters.band:
        query = query.where(Submission.band == filters.band)
    if filters.department_id:
        query = query.where(Submission.learner_id.in_(
            select(User.id).where(User.department_id == filters.department_id)))
    if filters.flag:
        # Flags live in the pre-score JSON; the quoted code is specific enough to match on.
        query = query.where(cast(Submission.prescore, Text).like(f'%"{filters.flag}"%'))
    if filters.min_age_days:
        query = query.where(Submission.submitted_at <= now - timedelta(days=filters.min_age_days))
    return query


# The "clear cases first" order, written as plain SQL so an expression index on exactly these
# terms can serve it (see benchmarks/review_queue.py --index): band rank, then higher score first.


def _sort_key(sort: str) -> list[Any]:
    if sort in ("oldest", "newest"):
        return [Submission.submitted_at, Submission.id]
    return [literal_column(BAND_RANK_SQL), literal_column(NEG_SCORE_SQL), Submission.submitted_at, Submission.id]


def _key_of(last: Submission, sort: str) -> list[Any]:
    if sort in ("oldest", "newest"):
        return [last.submitted_at, last.id]
    rank = {"likely_pass": 0, "likely_fail": 1}.get(last.band or "", 2)
    return [rank, -(last.score if last.score is not None else -1.0), last.submitted_at, last.id]


def _after(query: Any, last: Submission, sort: str) -> Any:
    # A row-value comparison, so an index on the sort key can seek straight to the cursor.
    key, value = tuple_(*_sort_key(sort)), tuple_(*_key_of(last, sort))
    return query.where(key < value if sort == "newest" else key > value)


def _ordered(query: Any, sort: str) -> Any:
    terms = _sort_key(sort)
    return query.order_by(*(t.desc() for t in terms)) if sort == "newest" else query.order_by(*terms)


def queue_candidates(session: Session, *, reviewer: User, filters: QueueFilters, now: datetime,
                     limit: int) -> list[Submission]:
    """Up to ``limit`` submissions waiting for ``reviewer`` in the filters' order (no paging)."""
    query = _ordered(_queue_query(reviewer, filters, now), filters.sort).limit(limit)
    return list(session.scalars(query).unique())


def queue_view(session: Session, *, reviewer: User, filters: QueueFilters, now: datetime, limit: int = 25,
               cursor: str | None = None) -> QueueView:
    """A page of the reviewer's queue, keyset-paged (the cursor is the previous page's last id),
    with the approvals already given to each row's current version."""
    query = _queue_query(reviewer, filters, now)
    last = session.get(Submission, cursor) if cursor else None
    if last is not None:
        query = _after(query, last, filters.sort)
    rows = list(session.scalars(_ordered(query, filters.sort).limit(limit + 1)).unique())
    items = rows[:limit]
    counts = session.execute(
        select(Review.submission_id, func.count(func.distinct(Review.reviewer_id)))
        .join(Submission, Submission.id == Review.submission_id)
        .where(Review.submission_id.in_([s.id for s in items]), Review.decision == "approve",
               Review.version == Submission.version)
        .group_by(Review.submission_id)
    ).all()
    return QueueView(items=items, next_cursor=items[-1].id if len(rows) > limit else None,
                     approvals={sid: int(n) for sid, n in counts})


def departments(session: Session) -> list[Department]:
    """Every department, by name (the queue's department filter)."""
    return list(session.scalars(select(Department).order_by(Department.name)))


def outbox(session: Session, *, limit: int = 200) -> list[OutboxEmail]:
    """The newest emails in the outbox, sent or not."""
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.created_at.desc()).limit(limit)))
