"""Approval yields exactly one award and one credential: double clicks, retries, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from service.models import Award, Credential, User
from service.operations.reviews import decide


def _scored_submission(client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any) -> str:
    badge = make_badge()
    sub = client.post(
        "/api/v1/submissions",
        json={"badge_id": badge.id, "statement": "I built the report with SQL."},
        headers=api_headers(make_user("learner")),
    ).get_json()
    drain_queue()
    return str(sub["id"])


def test_concurrent_approvals_create_one_award(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    sid = _scored_submission(client, make_user, api_headers, make_badge, drain_queue)
    reviewers = [make_user("reviewer", password=None) for _ in range(4)]
    barrier = threading.Barrier(len(reviewers))
    results: list[str] = []
    errors: list[BaseException] = []

    def approve(reviewer_id: str) -> None:
        try:
            barrier.wait()
            with runtime.db.unit_of_work() as session:
                reviewer = session.get(User, reviewer_id)
                _, award = decide(
                    session,
                    reviewer=reviewer,
                    submission_id=sid,
                    decision="approve",
                    comment="",
                    settings=runtime.settings,
                    now=datetime.now(UTC),
                )
                assert award is not None
                results.append(award.id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(r.id,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == len(reviewers) and len(set(results)) == 1
    with runtime.db.sessions() as session:
        assert session.scalar(select(func.count(Award.id))) == 1
        assert session.scalar(select(func.count(Credential.id))) == 1


def test_a_retried_approval_returns_the_same_credential(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    sid = _scored_submission(client, make_user, api_headers, make_badge, drain_queue)
    headers = api_headers(make_user("reviewer"))
    first = client.post(f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=headers)
    retry = client.post(f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=headers)
    assert first.get_json()["credential_id"] == retry.get_json()["credential_id"]
    conflict = client.post(
        f"/api/v1/submissions/{sid}/decision", json={"decision": "reject", "comment": "x"}, headers=headers
    )
    assert conflict.status_code == 409


def test_the_database_refuses_a_second_award_for_one_submission(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    sid = _scored_submission(client, make_user, api_headers, make_badge, drain_queue)
    client.post(
        f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=api_headers(make_user("reviewer"))
    )
    with runtime.db.sessions() as session:
        award = session.scalar(select(Award))
        assert award is not None
        session.add(
            Award(submission_id=sid, badge_id=award.badge_id, learner_id=award.learner_id, issued_at=datetime.now(UTC))
        )
        with pytest.raises(IntegrityError):
            session.flush()
