"""Learning from reviewers: graded history per badge, stored calibration versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment import Calibration, GradedExample
from service.models import Badge, CalibrationRecord, Review, Submission
from service.operations.scoring import evidence_item

OUTCOME = {"approve": 1.0, "reject": 0.0, "request_changes": 0.0}


def graded_examples(session: Session, badge_id: str) -> list[GradedExample]:
    """Every decided version of the badge's submissions, oldest first, with its outcome."""
    rows = session.execute(
        select(Review, Submission).join(Submission, Submission.id == Review.submission_id)
        .where(Submission.badge_id == badge_id).order_by(Review.created_at)
    ).all()
    latest: dict[tuple[str, int], float] = {}
    subs: dict[str, Submission] = {}
    for review, sub in rows:
        latest[(sub.id, review.version)] = OUTCOME[review.decision]
        subs[sub.id] = sub
    examples = []
    for (sid, version), outcome in latest.items():
        sub = subs[sid]
        if version != sub.version:
            continue  # only the current version's text is at hand; earlier ones are archived
        examples.append(GradedExample(item=evidence_item(sub), score=outcome))
    return examples


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
    if calibration.badge_id != badge_id:
        return None  # not enough history: the fit fell back to its base, nothing new to store
    row = CalibrationRecord(badge_id=badge_id, version=calibration.version, data=calibration.to_json(),
                            examples=examples, created_at=now)
    session.add(row)
    session.flush()
    return row


def badge_exists(session: Session, badge_id: str) -> bool:
    """True when the badge is there (a job may outlive a deleted badge)."""
    return session.get(Badge, badge_id) is not None
