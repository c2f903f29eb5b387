"""Deciding several submissions at once: a loop over decide() that skips what it cannot do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import REVIEWABLE, Submission, User
from service.operations.reviewers import may_review
from service.operations.reviews import decide
from service.settings import Settings

BULK_LIMIT = 50


@dataclass(frozen=True)
class Skipped:
    """A submission a bulk decision left alone, and why."""

    submission_id: str
    reason: str


@dataclass(frozen=True)
class BulkResult:
    """What a bulk decision did: decided ids, credentials issued, first approvals, skips."""

    decided: list[str] = field(default_factory=list)
    awarded: list[str] = field(default_factory=list)
    first_approvals: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    badge_ids: list[str] = field(default_factory=list)  # the badges whose calibration has new decisions


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk decision would do, for the confirmation page (nothing is written)."""

    decision: str
    ready: list[Submission]
    awards: int
    first_approvals: int
    skipped: list[Skipped]
    badge_names: list[str]


def _skip_reason(reviewer: User, submission: Submission | None) -> str | None:
    if submission is None:
        return "no such submission"
    if not may_review(reviewer, submission.badge, submission):
        return "your own submission" if submission.learner_id == reviewer.id else "not a badge you review"
    if submission.status not in REVIEWABLE:
        return f"already {submission.status.replace('_', ' ')}"
    if any(r.reviewer_id == reviewer.id and r.version == submission.version and r.decision == "approve"
           for r in submission.reviews):
        return "you already approved it; it waits for a second reviewer"
    return None


def plan_many(session: Session, *, reviewer: User, submission_ids: list[str], decision: str) -> BulkPlan:
    """Describe what decide_many would do now, without writing anything."""
    ids = list(dict.fromkeys(submission_ids))[:BULK_LIMIT]
    found = {s.id: s for s in session.scalars(select(Submission).where(Submission.id.in_(ids))).unique()}
    ready: list[Submission] = []
    skipped: list[Skipped] = []
    awards = firsts = 0
    for sid in ids:
        submission = found.get(sid)
        reason = _skip_reason(reviewer, submission)
        if reason or submission is None:
            skipped.append(Skipped(sid, reason or "no such submission"))
            continue
        ready.append(submission)
        if decision == "approve":
            given = {r.reviewer_id for r in submission.reviews
                     if r.version == submission.version and r.decision == "approve"}
            if len(given) + 1 >= submission.badge.required_approvals:
                awards += 1
            else:
                firsts += 1
    names = sorted({s.badge.name for s in ready})
    return BulkPlan(decision=decision, ready=ready, awards=awards, first_approvals=firsts, skipped=skipped,
                    badge_names=names)


def decide_many(session: Session, *, reviewer: User, submission_ids: list[str], decision: str, comment: str,
                settings: Settings, now: datetime) -> BulkResult:
    """Apply one decision to many submissions, each as if decided alone (at most BULK_LIMIT).

    One that was decided meanwhile, is not the reviewer's to decide, or fails validation is
    skipped with a reason; each decision runs in its own savepoint so a skip undoes nothing else.
    Raises ValidationFailed only for a bad decision or a missing comment (nothing is decided).
    """
    if decision in ("reject", "request_changes") and not (comment or "").strip():
        raise ValidationFailed(errors={"comment": "Tell the learners why."})
    result = BulkResult()
    for sid in list(dict.fromkeys(submission_ids))[:BULK_LIMIT]:
        try:
            with session.begin_nested():
                submission, award = decide(session, reviewer=reviewer, submission_id=sid, decision=decision,
                                           comment=comment, settings=settings, now=now)
        except ValidationFailed as exc:
            if "decision" in exc.errors:
                raise
            result.skipped.append(Skipped(sid, "; ".join(str(v) for v in exc.errors.values())))
            continue
        except (Conflict, Forbidden, NotFound) as exc:
            result.skipped.append(Skipped(sid, str(exc)))
            continue
        result.decided.append(sid)
        if submission.badge_id not in result.badge_ids:
            result.badge_ids.append(submission.badge_id)
        if award is not None:
            result.awarded.append(sid)
        elif decision == "approve" and submission.status != "approved":
            result.first_approvals.append(sid)
    return result
