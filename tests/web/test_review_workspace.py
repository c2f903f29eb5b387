"""The reviewer workspace through the web: queue filters and SLA, claims, two approvals, overrides
and the audit trail, similar groups with a confirmed bulk decision, dashboard, outbox, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from service.models import Badge, OutboxEmail, Review, Submission, User
from service.operations.submissions import create_submission

pytestmark = pytest.mark.usefixtures("runtime")


def _vector(seed: int, noise: float = 0.0, base: int | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    v = np.random.default_rng(base).normal(size=384) if base is not None else rng.normal(size=384)
    v = v + noise * rng.normal(size=384)
    return (v / np.linalg.norm(v)).astype(np.float32).tobytes()


def _scored(runtime: Any, learner: Any, badge: Any, *, score: float = 0.9, band: str = "likely_pass",
            age_days: float = 0, flags: list[str] | None = None, vector: bytes | None = None,
            statement: str = "I joined orders and customers and checked the totals.") -> str:
    """A submission as a worker leaves it (scored), without running the model."""
    submitted = datetime.now(UTC) - timedelta(days=age_days)
    with runtime.db.unit_of_work() as session:
        sub = create_submission(session, learner=session.merge(learner), badge_id=badge.id, statement=statement,
                                links=[], files=[], store=runtime.store, limits=runtime.settings.upload_limits,
                                now=submitted)
        sub.status, sub.score, sub.band, sub.confidence, sub.vector = "scored", score, band, 0.6, vector
        sub.submitted_at = submitted
        criteria = [{"id": c.id, "score": 0.8, "probability": 0.8, "passages": []} for c in sub.badge.criteria]
        sub.prescore = {"score": score, "band": band, "confidence": 0.6, "criteria": criteria,
                        "flags": [{"code": f, "message": "", "related_id": None} for f in flags or []]}
        return sub.id


def _set_badge(runtime: Any, badge: Any, *, approvals: int | None = None, reviewers: list[Any] | None = None) -> None:
    with runtime.db.unit_of_work() as session:
        b = session.get(Badge, badge.id)
        assert b is not None
        if approvals is not None:
            b.required_approvals = approvals
        if reviewers is not None:
            b.reviewers = [session.get(User, r.id) for r in reviewers]


def test_queue_shows_sla_and_filters_by_age_department_flag_and_sort(
        client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any) -> None:
    badge = make_badge()
    fresh = _scored(runtime, make_user("learner", name="Fresh Fay", department="Finance"), badge, age_days=0.5)
    middle = _scored(runtime, make_user("learner", name="Middle Mo", department="Sales"), badge, age_days=3,
                     flags=["keyword_stuffing"], band="needs_review", score=0.5)
    old = _scored(runtime, make_user("learner", name="Old Olga", department="Sales"), badge, age_days=7,
                  band="likely_fail", score=0.1)
    sign_in(make_user("reviewer"))
    page = client.get("/review").get_data(as_text=True)
    assert "sla-green" in page and "sla-amber" in page and "sla-red" in page
    # Clear cases first: likely pass, likely fail, then needs review.
    assert page.index(fresh) < page.index(old) < page.index(middle)
    oldest = client.get("/review?sort=oldest").get_data(as_text=True)
    assert oldest.index(old) < oldest.index(middle) < oldest.index(fresh)
    over5 = client.get("/review?age=5").get_data(as_text=True)
    assert old in over5 and middle not in over5 and fresh not in over5
    with runtime.db.sessions() as session:
        sales = session.scalar(select(User).where(User.name == "Middle Mo")).department_id  # type: ignore[union-attr]
    by_dept = client.get(f"/review?department={sales}").get_data(as_text=True)
    assert old in by_dept and middle in by_dept and fresh not in by_dept
    flagged = client.get("/review?flag=keyword_stuffing").get_data(as_text=True)
    assert middle in flagged and old not in flagged and fresh not in flagged
    bogus = client.get("/review?flag=<script>&age=abc&sort=nope&band=zzz")
    assert bogus.status_code == 200 and fresh in bogus.get_data(as_text=True)


def test_queue_pages_with_a_cursor(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                   sign_in: Any) -> None:
    badge = make_badge()
    ids = [_scored(runtime, make_user("learner", password=None), badge, score=0.99 - i * 0.001) for i in range(27)]
    sign_in(make_user("reviewer"))
    first = client.get("/review").get_data(as_text=True)
    assert first.count('name="submission_id"') == 25 and 'rel="next"' in first
    second = client.get(f"/review?cursor={ids[24]}").get_data(as_text=True)
    assert second.count('name="submission_id"') == 2 and ids[25] in second and ids[26] in second
    assert 'rel="next"' not in second and "First page" in second
    oldest = client.get(f"/review?sort=oldest&cursor={ids[24]}").get_data(as_text=True)
    assert oldest.count('name="submission_id"') == 2 and ids[25] in oldest and ids[26] in oldest
    newest = client.get(f"/review?sort=newest&cursor={ids[2]}").get_data(as_text=True)
    assert newest.count('name="submission_id"') == 2 and newest.index(ids[1]) < newest.index(ids[0])


def test_claims_hide_a_submission_from_other_reviewers(client: Any, runtime: Any, make_user: Any,
                                                       make_badge: Any, sign_in: Any, csrf: Any) -> None:
    sid = _scored(runtime, make_user("learner"), make_badge())
    alice, bob = make_user("reviewer", name="Alice Reviewer"), make_user("reviewer", name="Bob Reviewer")
    sign_in(alice)
    claimed = client.post(f"/review/{sid}/claim", data={"csrf_token": csrf("/review")}, follow_redirects=True)
    assert "Claimed by you" in claimed.get_data(as_text=True)
    assert "Claimed by you" in client.get("/review").get_data(as_text=True)
    sign_in(bob)
    assert sid not in client.get("/review").get_data(as_text=True)
    assert "Claimed by Alice Reviewer" in client.get(f"/review/{sid}").get_data(as_text=True)
    refused = client.post(f"/review/{sid}/claim", data={"csrf_token": csrf("/review")}, follow_redirects=True)
    assert "Another reviewer is working on this submission." in refused.get_data(as_text=True)
    assert client.post(f"/review/{sid}/claim").status_code == 400  # no CSRF token
    sign_in(alice)
    client.post(f"/review/{sid}/release", data={"csrf_token": csrf("/review")})
    sign_in(bob)
    assert sid in client.get("/review").get_data(as_text=True)


def test_two_approvals_shown_and_required(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                          sign_in: Any, csrf: Any) -> None:
    badge = make_badge(type="certification")
    _set_badge(runtime, badge, approvals=2)
    sid = _scored(runtime, make_user("learner", name="Cert Learner"), badge)
    first, second = make_user("reviewer", name="First Reviewer"), make_user("reviewer", name="Second Reviewer")
    sign_in(first)
    assert "Approval 1 of 2" in client.get("/review").get_data(as_text=True)
    done = client.post(f"/review/{sid}/decision", data={"decision": "approve", "comment": "",
                                                        "csrf_token": csrf(f"/review/{sid}")}, follow_redirects=True)
    assert "Approval 1 of 2 recorded for Cert Learner" in done.get_data(as_text=True)
    assert sid not in client.get("/review").get_data(as_text=True)
    sign_in(second)
    assert "Approval 2 of 2" in client.get("/review").get_data(as_text=True)
    detail = client.get(f"/review/{sid}").get_data(as_text=True)
    assert "Approved by First Reviewer; 1 more approval needed" in detail
    done = client.post(f"/review/{sid}/decision", data={"decision": "approve", "comment": "",
                                                        "csrf_token": csrf(f"/review/{sid}")}, follow_redirects=True)
    assert "Approved: Cert Learner now holds" in done.get_data(as_text=True)


def test_overrides_are_recorded_and_shown_in_the_audit_trail(client: Any, runtime: Any, make_user: Any,
                                                             make_badge: Any, sign_in: Any, csrf: Any) -> None:
    badge = make_badge()
    sid = _scored(runtime, make_user("learner"), badge, score=0.7)
    sign_in(make_user("reviewer", name="Rita Reviewer"))
    detail = client.get(f"/review/{sid}").get_data(as_text=True)
    c1, c2, _ = [c.id for c in badge.criteria]
    assert f'name="override-{c1}" value="0"' in detail
    assert 'data-template="Please show more evidence for &#34;Query performance&#34;' in detail
    response = client.post(f"/review/{sid}/decision", data={
        "decision": "request_changes", "comment": "Show the query plan.", f"override-{c1}": "1",
        f"override-{c2}": "0", "csrf_token": csrf(f"/review/{sid}")})
    assert response.status_code == 302
    with runtime.db.sessions() as session:
        review = session.scalar(select(Review).where(Review.submission_id == sid))
        assert review is not None and review.overrides == {c1: 1.0, c2: 0.0}
        assert review.prescore_score == pytest.approx(0.7)
    trail = client.get(f"/review/{sid}").get_data(as_text=True)
    assert "Audit trail" in trail and "Rita Reviewer" in trail and "Pre-score then: 70%" in trail
    assert "Correct joins and aggregation — <strong>met</strong>" in trail
    assert "Query performance — <strong>not met</strong>" in trail


def test_similar_submissions_are_grouped_and_bulk_rejected_after_confirmation(
        client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any) -> None:
    badge = make_badge(name="SQL Foundations")
    copies = [_scored(runtime, make_user("learner", name=f"Copy {i}"), badge, score=0.85, vector=_vector(i, 0.05, 99))
              for i in range(3)]
    other = _scored(runtime, make_user("learner", name="Original"), badge, vector=_vector(1234))
    sign_in(make_user("reviewer"))
    groups = client.get("/review/groups").get_data(as_text=True)
    assert "SQL Foundations · 3 similar submissions" in groups
    assert all(c in groups for c in copies) and other not in groups
    token = csrf("/review/groups")
    confirm = client.post("/review/bulk", data={"submission_id": copies, "decision": "reject", "csrf_token": token})
    text = confirm.get_data(as_text=True)
    assert "Reject 3 submissions for SQL Foundations" in text and "Copy 0, Copy 1, Copy 2" in text
    no_comment = client.post("/review/bulk", data={"submission_id": copies, "decision": "reject",
                                                   "confirmed": "1", "comment": "", "csrf_token": token})
    assert no_comment.status_code == 200 and "Tell the learners why." in no_comment.get_data(as_text=True)
    done = client.post("/review/bulk", data={"submission_id": copies, "decision": "reject", "confirmed": "1",
                                             "comment": "This is copied text.", "csrf_token": token},
                       follow_redirects=True)
    assert "Rejected 3 submissions." in done.get_data(as_text=True)
    with runtime.db.sessions() as session:
        assert {session.get(Submission, c).status for c in copies} == {"rejected"}  # type: ignore[union-attr]
        assert session.get(Submission, other).status == "scored"  # type: ignore[union-attr]
        assert len(list(session.scalars(select(OutboxEmail)))) == 3


def test_dashboard_and_outbox(client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any,
                              csrf: Any) -> None:
    badge = make_badge(name="Metrics Badge")
    good = _scored(runtime, make_user("learner"), badge, score=0.9)
    bad = _scored(runtime, make_user("learner", email="bad@northwind.example"), badge, score=0.2,
                  band="likely_fail")
    reviewer = make_user("reviewer", name="Dash Reviewer")
    sign_in(reviewer)
    client.post(f"/review/{good}/decision", data={"decision": "approve", "csrf_token": csrf(f"/review/{good}")})
    client.post(f"/review/{bad}/decision", data={"decision": "reject", "comment": "No evidence of joins.",
                                                 "csrf_token": csrf(f"/review/{bad}")})
    page = client.get("/review/dashboard").get_data(as_text=True)
    assert "Metrics Badge" in page and "1.00" in page and "100%" in page and "Dash Reviewer" in page
    assert "50%" in page  # one approval of two decisions
    assert client.get("/admin/outbox").status_code == 403
    sign_in(make_user("admin"))
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "bad@northwind.example" in outbox and "submission was not approved" in outbox
    assert "No evidence of joins." in outbox and "Not sent" in outbox


def test_review_access_rules(client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any,
                             csrf: Any) -> None:
    assigned, outsider = make_user("reviewer", name="Assigned"), make_user("reviewer", name="Outsider")
    badge = make_badge()
    _set_badge(runtime, badge, reviewers=[assigned])
    sid = _scored(runtime, make_user("learner"), badge)
    sign_in(outsider)
    assert sid not in client.get("/review").get_data(as_text=True)
    assert client.get(f"/review/{sid}").status_code == 403
    token = csrf("/review")
    assert client.post(f"/review/{sid}/claim", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/review/{sid}/decision", data={"decision": "approve", "csrf_token": token}).status_code == 403
    confirm = client.post("/review/bulk", data={"submission_id": [sid], "decision": "approve", "csrf_token": token})
    assert "not a badge you review" in confirm.get_data(as_text=True)
    done = client.post("/review/bulk", data={"submission_id": [sid], "decision": "approve", "confirmed": "1",
                                             "csrf_token": token}, follow_redirects=True)
    assert "Approved 0 submissions" in done.get_data(as_text=True)
    # A reviewer never decides their own submission, one by one or in bulk.
    own = _scored(runtime, assigned, make_badge())
    sign_in(assigned)
    queue = client.get("/review").get_data(as_text=True)
    assert own not in queue and sid in queue
    token = csrf("/review")
    assert client.post(f"/review/{own}/decision", data={"decision": "approve", "csrf_token": token}).status_code == 403
    confirm = client.post("/review/bulk", data={"submission_id": [own], "decision": "approve", "csrf_token": token})
    assert "your own submission" in confirm.get_data(as_text=True)
    with runtime.db.sessions() as session:
        assert {session.get(Submission, s).status for s in (sid, own)} == {"scored"}  # type: ignore[union-attr]
    # Learners reach none of it.
    sign_in(make_user("learner"))
    for path in ("/review", "/review/groups", "/review/dashboard", f"/review/{sid}"):
        assert client.get(path).status_code == 403, path
    token = csrf("/me")
    for path in (f"/review/{sid}/claim", f"/review/{sid}/release", "/review/bulk", f"/review/{sid}/decision"):
        assert client.post(path, data={"csrf_token": token, "submission_id": sid}).status_code == 403, path
