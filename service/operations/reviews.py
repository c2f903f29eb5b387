"""The review queue and reviewer decisions (approval issues the credential at once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, literal_column, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import DECISIONS, REVIEWABLE, Award, Review, Submission, User
from service.models.badges import badge_reviewers
from service.operations.credentials import award_badge
from service.operations.notifications import notify
from service.operations.reviewers import may_review
from service.settings import Settings

BAND_ORDER = {"likely_pass": 0, "likely_fail": 1, "needs_review": 2}
# The queue's sort key as literal SQL, identical to the expression index ix_submissions_queue_clear
# (migration c7d2e9a41f05), so the database reads the first page in index order.
BAND_RANK_SQL = ("CASE WHEN submissions.band = 'likely_pass' THEN 0 "
                 "WHEN submissions.band = 'likely_fail' THEN 1 ELSE 2 END")
NEG_SCORE_SQL = "-coalesce(submissions.score, -1.0)"
CLAIM_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue."""

    items: list[Submission]
    next_cursor: str | None


def waiting_for(reviewer: User, now: datetime | None) -> Select[tuple[Submission]]:
    """Submissions ``reviewer`` may pick up: the one visibility rule behind every queue view.

    Reviewable, not their own, on a badge they are assigned to (or one without assigned
    reviewers), not already approved by them (a second approval comes from someone else), and,
    given ``now``, not claimed by another reviewer within CLAIM_TTL.
    """
    query = select(Submission).where(Submission.status.in_(REVIEWABLE), Submission.learner_id != reviewer.id)
    if reviewer.role != "admin":
        assigned = select(badge_reviewers.c.badge_id).distinct()
        mine = select(badge_reviewers.c.badge_id).where(badge_reviewers.c.user_id == reviewer.id)
        query = query.where(or_(Submission.badge_id.not_in(assigned), Submission.badge_id.in_(mine)))
    approved = select(Review.id).where(Review.submission_id == Submission.id, Review.version == Submission.version,
                                       Review.reviewer_id == reviewer.id, Review.decision == "approve")
    query = query.where(~approved.exists())
    if now is not None:
        query = query.where(or_(Submission.claimed_by_id.is_(None), Submission.claimed_by_id == reviewer.id,
                                Submission.claimed_at < now - CLAIM_TTL))
    return query


def review_queue(session: Session, *, reviewer: User, limit: int = 50, cursor: str | None = None,
                 badge_id: str | None = None, band: str | None = None,
                 now: datetime | None = None) -> QueuePage:
    """Submissions waiting for ``reviewer``: clear cases first (by band, then confidence).

    Ordered by (band rank, -score, submitted_at, id) with keyset pagination; the cursor is the
    last submission id of the previous page.
    """
    if not reviewer.has_role("reviewer"):
        raise Forbidden("Only reviewers can see the review queue.")
    band_rank, neg_score = literal_column(BAND_RANK_SQL), literal_column(NEG_SCORE_SQL)
    query = waiting_for(reviewer, now)
    if badge_id:
        query = query.where(Submission.badge_id == badge_id)
    if band:
        query = query.where(Submission.band == band)
    if cursor:
        last = session.get(Submission, cursor)
        if last is not None:
            key = (BAND_ORDER.get(last.band or "", 2), -(last.score if last.score is not None else -1.0),
                   last.submitted_at, last.id)
            query = query.where(tuple_(band_rank, neg_score, Submission.submitted_at, Submission.id) > tuple_(*key))
    query = query.order_by(band_rank, neg_score, Submission.submitted_at, Submission.id).limit(limit + 1)
    rows = list(session.scalars(query).unique())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return QueuePage(items=rows[:limit], next_cursor=next_cursor)


def _check_overrides(submission: Submission, overrides: Mapping[str, Any] | None) -> dict[str, float] | None:
    if not overrides:
        return None
    known = {c.id for c in submission.badge.criteria}
    clean: dict[str, float] = {}
    for cid, value in overrides.items():
        if cid not in known:
            raise ValidationFailed(errors={"overrides": f"Unknown criterion {cid!r}."})
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValidationFailed(errors={"overrides": "Each override is a number from 0 (not met) to 1 (met)."})
        clean[cid] = float(value)
    return clean


def decide(session: Session, *, reviewer: User, submission_id: str, decision: str, comment: str,
           settings: Settings, now: datetime,
           overrides: Mapping[str, Any] | None = None) -> tuple[Submission, Award | None]:
    """Record a decision. Approval creates exactly one award with its signed credential.

    Deciding an already-approved submission again answers with the existing award (double
    clicks, retries); a race is settled by the unique award-per-submission constraint. A badge
    that requires two approvals is awarded on the second approval by another reviewer.
    ``overrides`` records the reviewer's per-criterion judgement (criterion id -> 0..1).
    Raises NotFound, Forbidden (own submission, not assigned), Conflict (not reviewable,
    already approved by this reviewer), ValidationFailed (bad decision or override, no
    comment on a rejection).
    """
    if decision not in DECISIONS:
        raise ValidationFailed(errors={"decision": "approve, reject or request_changes"})
    comment = (comment or "").strip()
    if decision in ("reject", "request_changes") and not comment:
        raise ValidationFailed(errors={"comment": "Tell the learner why."})
    # Lock the row (plain SELECT ... FOR UPDATE: eager outer joins cannot be locked on PostgreSQL)
    # so concurrent approvals of one submission queue up and the later ones see the award.
    session.execute(select(Submission.id).where(Submission.id == submission_id).with_for_update())
    submission = session.get(Submission, submission_id, populate_existing=True)
    if submission is None or not reviewer.has_role("reviewer"):
        raise NotFound("No such submission.")
    if not may_review(reviewer, submission.badge, submission):
        if submission.learner_id == reviewer.id:
            raise Forbidden("You cannot review your own submission.")
        raise Forbidden("You are not a reviewer of this badge.")
    existing = session.scalar(select(Award).where(Award.submission_id == submission.id))
    if submission.status == "approved" and existing is not None:
        if decision == "approve":
            return submission, existing
        raise Conflict("This submission is already approved.")
    if submission.status not in REVIEWABLE:
        raise Conflict(f"This submission is {submission.status.replace('_', ' ')}, not waiting for review.")
    earlier_approvals = {r.reviewer_id for r in submission.reviews
                         if r.version == submission.version and r.decision == "approve"}
    if decision == "approve" and reviewer.id in earlier_approvals:
        raise Conflict("You have already approved this version; another reviewer must give the second approval.")
    submission.reviews.append(Review(
        submission_id=submission.id, reviewer_id=reviewer.id, version=submission.version,
        decision=decision, comment=comment, prescore_score=submission.score,
        prescore_band=submission.band, overrides=_check_overrides(submission, overrides), created_at=now,
    ))
    submission.updated_at = now
    submission.claimed_by_id = None
    submission.claimed_at = None
    if decision == "approve" and len(earlier_approvals) + 1 < submission.badge.required_approvals:
        session.flush()  # first of two approvals: stays in the queue for a second reviewer
        return submission, None
    award = None
    if decision == "approve":
        submission.status = "approved"
        try:
            with session.begin_nested():
                award = award_badge(session, learner=submission.learner, submission=submission,
                                    badge_id=submission.badge_id, settings=settings, now=now)
        except IntegrityError:
            award = session.scalar(select(Award).where(Award.submission_id == submission.id))
            if award is None:
                raise
        subject = f"You earned {submission.badge.name}"
        message = f"Congratulations: you earned {submission.badge.name}."
        link = f"/c/{award.credential.id}" if award.credential else "/me"
    else:
        submission.status = "rejected" if decision == "reject" else "changes_requested"
        verb = "was not approved" if decision == "reject" else "needs changes"
        subject = f"Your {submission.badge.name} submission {verb}"
        message = f"Your submission for {submission.badge.name} {verb}: {comment}"
        link = f"/me/submissions/{submission.id}"
    notify(session, user=submission.learner, message=message, link=link, now=now, subject=subject,
           base_url=settings.base_url)
    return submission, award


def claim(session: Session, *, reviewer: User, submission_id: str, now: datetime) -> Submission:
    """Take a submission so other reviewers leave it alone for CLAIM_TTL; Conflict if another
    reviewer holds a live claim."""
    submission = get_reviewable(session, reviewer=reviewer, submission_id=submission_id)
    if submission.status not in REVIEWABLE:
        raise Conflict("This submission is not waiting for review.")
    holder = submission.claimed_by_id
    if holder and holder != reviewer.id and submission.claimed_at and now - submission.claimed_at < CLAIM_TTL:
        raise Conflict("Another reviewer is working on this submission.", claimed_by=holder)
    submission.claimed_by_id = reviewer.id
    submission.claimed_at = now
    session.flush()
    return submission


def release(session: Session, *, reviewer: User, submission_id: str) -> Submission:
    """Give back one's own claim."""
    submission = get_reviewable(session, reviewer=reviewer, submission_id=submission_id)
    if submission.claimed_by_id == reviewer.id:
        submission.claimed_by_id = None
        submission.claimed_at = None
        session.flush()
    return submission


def get_reviewable(session: Session, *, reviewer: User, submission_id: str) -> Submission:
    """A submission the reviewer may open in the review view; raises NotFound/Forbidden."""
    submission = session.get(Submission, submission_id)
    if submission is None or not reviewer.has_role("reviewer"):
        raise NotFound("No such submission.")
    if not may_review(reviewer, submission.badge, submission):
        raise Forbidden("You may not review this submission.")
    return submission
