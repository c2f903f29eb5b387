"""`laurel seed-demo` builds the organisation the README promises, with real signed credentials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select

from service.demo_seed import seed_demo
from service.jobs import score_claimed
from service.models import Award, Badge, CalibrationRecord, Credential, Organisation, Pathway, Review, Submission, User
from service.operations.credentials import verify_any


def test_demo_organisation_is_complete_verifiable_pre_scored_and_loaded_once(runtime: Any) -> None:
    now = datetime.now(UTC)
    summary = seed_demo(runtime, now=now)
    assert summary["badges"] >= 40 and summary["learners"] >= 200 and summary["submissions"] > 0
    with runtime.db.sessions() as session:
        assert session.get(Organisation, 1).name == "Northwind Analytics"
        types = set(session.scalars(select(Badge.badge_type)))
        assert types == {"skill", "knowledge", "achievement", "participation", "certification"}
        assert len(set(session.scalars(select(Badge.tier)))) == 4
        assert session.scalar(select(func.count(Pathway.id))) >= 3
        assert session.scalar(select(func.count(User.id)).where(User.role == "learner")) >= 200
        assert session.scalar(select(func.count(Award.id))) >= 300
        assert session.scalar(select(func.count(Review.id))) > 0  # a decided history for the dashboard
        # ... that the pre-scorer has learnt from: the queue is not scored by hand-set rules.
        learned = session.scalar(select(CalibrationRecord).where(CalibrationRecord.badge_id.is_(None)))
        assert learned is not None and learned.examples == session.scalar(select(func.count(Review.id)))
        assert session.scalar(select(func.count(Submission.id)).where(Submission.status == "queued")) > 0
        # Credentials still in force verify as valid; the demo also holds lapsed certifications,
        # which verify as expired (unordered, PostgreSQL may return either kind first).
        current = select(Credential).join(Award).where(
            or_(Award.valid_until.is_(None), Award.valid_until > now), Credential.revoked_at.is_(None),
            Credential.suspended.is_(False)).order_by(Credential.id).limit(3)
        for credential in session.scalars(current):
            result = verify_any(session, credential.document, settings=runtime.settings, now=now)
            assert result.status == "valid", result.to_json()
        lapsed = session.scalars(select(Credential).join(Award).where(Award.valid_until <= now).limit(1)).first()
        assert lapsed is not None
        assert verify_any(session, lapsed.document, settings=runtime.settings, now=now).status == "expired"
    assert seed_demo(runtime, now=now)["badges"] == 0  # a second run changes nothing
    # The queue is evidence new to the pre-scorer, which tells strong from weak.
    while score_claimed(runtime, first_id=None)["claimed"]:
        pass
    with runtime.db.sessions() as session:
        queue = list(session.scalars(select(Submission).where(Submission.status == "scored")))
    assert len(queue) >= 45
    # No queued evidence repeats a decided submission (the history has its own samples).
    assert not [s.id for s in queue if any(f["code"] == "near_duplicate" for f in s.prescore["flags"])]
    assert {s.band for s in queue} >= {"likely_pass", "likely_fail"}
