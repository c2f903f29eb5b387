"""Learning from reviewers: graded history per badge, stored calibration versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import DEFAULT_CALIBRATION, Calibration, GradedExample
from assessment.calibration import MIN_STAGE_ROWS
from service.models import Badge, CalibrationRecord, RefitAttempt, Review, Submission
from service.operations.scoring import evidence_item

OUTCOME = {"approve": 1.0, "reject": 0.0, "request_changes": 0.0}
# The global calibration (for badges without enough decisions of their own) is refitted once
# this many submissions have been decided since the last fit, from at most the newest
# GLOBAL_PER_BADGE decisions of each badge (so one busy badge does not speak for all).
GLOBAL_REFIT_EVERY = 20
GLOBAL_MIN_EXAMPLES = MIN_STAGE_ROWS
GLOBAL_PER_BADGE = 100
GLOBAL_MAX_DECISIONS = 2000
GLOBAL_SCOPE = "global"


def graded_examples(session: Session, badge_id: str | None, *, newest: int | None = None) -> list[GradedExample]:
    """Every decided version of the badge's submissions (of every badge for None; only the
    ``newest`` decisions when given), oldest first, with its outcome."""
    query = select(Review, Submission).join(Submission, Submission.id == Review.submission_id)
    if badge_id is not None:
        query = query.where(Submission.badge_id == badge_id)
    rows = session.execute(query.order_by(Review.created_at.desc()).limit(newest)).all()[::-1]
    latest: dict[tuple[str, int], Review] = {}
    subs: dict[str, Submission] = {}
    for review, sub in rows:
        latest[(sub.id, review.version)] = review
        subs[sub.id] = sub
    examples = []
    for (sid, version), review in latest.items():
        sub = subs[sid]
        if version != sub.version:
            continue  # only the current version's text is at hand; earlier ones are archived
        item = evidence_item(sub)
        examples.append(GradedExample(item=item, score=OUTCOME[review.decision],
                                      criteria=criterion_judgements(review, [c.id for c in item.criteria])))
    return examples


def criterion_judgements(review: Review, criterion_ids: list[str]) -> dict[str, float]:
    """What the reviewer judged of each criterion: their Met / Not met where they marked one;
    on an approval, the criteria left unmarked count as met (approving says the evidence meets
    the criteria the reviewer did not mark as not met). Other decisions say nothing of the
    criteria left unmarked."""
    marked = {cid: float(v) for cid, v in (review.overrides or {}).items() if cid in criterion_ids}
    if review.decision == "approve":
        return {cid: marked.get(cid, 1.0) for cid in criterion_ids}
    return marked


def decided_counts(session: Session) -> tuple[int, int]:
    """How many submissions have a decision on their current version, and of how many badges."""
    submissions, badges = session.execute(
        select(func.count(func.distinct(Review.submission_id)), func.count(func.distinct(Submission.badge_id)))
        .join(Submission, Submission.id == Review.submission_id).where(Review.version == Submission.version)
    ).one()
    return int(submissions or 0), int(badges or 0)


def global_refit_due(session: Session, *, decided: int, badges: int) -> bool:
    """True when enough new decisions (``decided_counts``) have come in since the global
    calibration was last fitted, over at least two badges (one badge's decisions are its own
    calibration, not a model for the others).

    "Fitted" counts a fit that stored nothing new (``record_global_refit``): until reviewers
    have rejected something there is nothing to learn, and each decision would otherwise pay
    for the same futile fit."""
    if badges < 2:
        return False
    current = latest_calibration(session, None)
    attempt = session.get(RefitAttempt, GLOBAL_SCOPE)
    if current is None and attempt is None:
        return decided >= GLOBAL_MIN_EXAMPLES
    last = max(current.examples if current else 0, attempt.decided if attempt else 0)
    return decided - last >= GLOBAL_REFIT_EVERY


def record_global_refit(session: Session, *, decided: int, stored: bool, now: datetime) -> None:
    """Remember that the global calibration was refitted at ``decided`` decisions."""
    attempt = session.get(RefitAttempt, GLOBAL_SCOPE)
    if attempt is None:
        session.add(RefitAttempt(scope=GLOBAL_SCOPE, decided=decided, stored=stored, attempted_at=now))
    else:
        attempt.decided, attempt.stored, attempt.attempted_at = decided, stored, now


def global_examples(session: Session) -> list[GradedExample]:
    """The examples the global calibration learns from: the newest GLOBAL_PER_BADGE decided
    submissions of each badge, among the newest GLOBAL_MAX_DECISIONS decisions."""
    by_badge: dict[str, list[GradedExample]] = {}
    for ex in graded_examples(session, None, newest=GLOBAL_MAX_DECISIONS):
        by_badge.setdefault(ex.item.badge_id, []).append(ex)
    return [ex for exs in by_badge.values() for ex in exs[-GLOBAL_PER_BADGE:]]


def latest_calibration(session: Session, badge_id: str | None) -> CalibrationRecord | None:
    """The newest stored calibration for a badge (or the global one for None)."""
    query = select(CalibrationRecord).order_by(CalibrationRecord.created_at.desc()).limit(1)
    query = query.where(CalibrationRecord.badge_id.is_(None) if badge_id is None
                        else CalibrationRecord.badge_id == badge_id)
    return session.scalar(query)


def store_calibration(session: Session, *, calibration: Calibration, badge_id: str | None, examples: int,
                      now: datetime) -> CalibrationRecord | None:
    """Record a calibration if it differs from the newest one (versions are content hashes)."""
    current = latest_calibration(session, badge_id)
    if current is not None and current.version == calibration.version:
        return None
    if calibration.badge_id != badge_id or calibration.version == DEFAULT_CALIBRATION.version:
        return None  # not enough history: the fit fell back to its base, nothing new to store
    row = CalibrationRecord(badge_id=badge_id, version=calibration.version, data=calibration.to_json(),
                            examples=examples, created_at=now)
    session.add(row)
    session.flush()
    return row


def badge_exists(session: Session, badge_id: str) -> bool:
    """True when the badge is there (a job may outlive a deleted badge)."""
    return session.get(Badge, badge_id) is not None
