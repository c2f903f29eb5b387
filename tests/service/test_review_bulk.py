"""decide_many: each submission decided as if alone, skips explained, nothing half done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from service.errors import ValidationFailed
from service.models import Badge, Submission, User
from service.operations.bulk_review import decide_many, plan_many
from service.operations.reviews import decide
from service.operations.submissions import create_submission

pytestmark = pytest.mark.usefixtures("runtime")


def _scored(runtime: Any, learner: Any, badge: Any) -> str:
    with runtime.db.unit_of_work() as session:
        sub = create_submission(session, learner=session.merge(learner), badge_id=badge.id,
                                statement="I joined orders to customers and checked totals.", links=[], files=[],
                                store=runtime.store, limits=runtime.settings.upload_limits, now=datetime.now(UTC))
        sub.status, sub.score, sub.band = "scored", 0.9, "likely_pass"
        return sub.id


def test_decide_many_skips_with_reasons_and_counts_first_approvals(runtime: Any, make_user: Any,
                                                                    make_badge: Any) -> None:
    badge, cert = make_badge(), make_badge(type="certification")
    with runtime.db.unit_of_work() as session:
        session.get(Badge, cert.id).required_approvals = 2  # type: ignore[union-attr]
    reviewer, other = make_user("reviewer", password=None), make_user("reviewer", password=None)
    plain = _scored(runtime, make_user("learner", password=None), badge)
    gone = _scored(runtime, make_user("learner", password=None), badge)
    twice = _scored(runtime, make_user("learner", password=None), cert)
    own = _scored(runtime, reviewer, badge := make_badge())
    with runtime.db.unit_of_work() as session:
        decide(session, reviewer=session.merge(other), submission_id=gone, decision="reject", comment="No.",
               settings=runtime.settings, now=datetime.now(UTC))
    with runtime.db.unit_of_work() as session:
        me = session.get(User, reviewer.id)
        assert me is not None
        plan = plan_many(session, reviewer=me, submission_ids=[plain, gone, twice, own, "nope"], decision="approve")
        assert [s.id for s in plan.ready] == [plain, twice] and plan.awards == 1 and plan.first_approvals == 1
        result = decide_many(session, reviewer=me, submission_ids=[plain, gone, twice, own, "nope", plain],
                             decision="approve", comment="", settings=runtime.settings, now=datetime.now(UTC))
    assert result.decided == [plain, twice] and result.awarded == [plain] and result.first_approvals == [twice]
    reasons = {s.submission_id: s.reason for s in result.skipped}
    assert reasons == {gone: "This submission is rejected, not waiting for review.",
                       own: "You cannot review your own submission.", "nope": "No such submission."}
    with runtime.db.sessions() as session:
        status = {sid: session.get(Submission, sid).status for sid in (plain, gone, twice, own)}  # type: ignore[union-attr]
    assert status == {plain: "approved", gone: "rejected", twice: "scored", own: "scored"}


def test_a_rejection_without_a_comment_decides_nothing(runtime: Any, make_user: Any, make_badge: Any) -> None:
    badge = make_badge()
    ids = [_scored(runtime, make_user("learner", password=None), badge) for _ in range(2)]
    reviewer = make_user("reviewer", password=None)
    with runtime.db.unit_of_work() as session, pytest.raises(ValidationFailed):
        decide_many(session, reviewer=session.merge(reviewer), submission_ids=ids, decision="reject", comment=" ",
                    settings=runtime.settings, now=datetime.now(UTC))
    with runtime.db.sessions() as session:
        assert {session.get(Submission, sid).status for sid in ids} == {"scored"}  # type: ignore[union-attr]
