"""Longer page flows: drafts, requested changes and resubmission, suspension, paging, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.models import Submission
from service.operations.reviews import decide
from service.operations.submissions import create_submission

pytestmark = pytest.mark.usefixtures("runtime")


def _scored(runtime: Any, learner: Any, badge: Any, *, score: float, band: str, statement: str = "Evidence.",
            submitted: datetime | None = None) -> str:
    """A submission as a worker would leave it (scored), without running the model."""
    with runtime.db.unit_of_work() as session:
        sub = create_submission(session, learner=session.merge(learner), badge_id=badge.id, statement=statement,
                                links=[], files=[], store=runtime.store, limits=runtime.settings.upload_limits,
                                now=submitted or datetime.now(UTC))
        sub.status, sub.score, sub.band, sub.confidence = "scored", score, band, 0.5
        sub.prescore = {"score": score, "band": band, "confidence": 0.5, "criteria": [],
                        "flags": [{"code": "too_little_text", "message": "Only 1 word.", "related_id": None}]}
        return sub.id


def test_draft_then_send(client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any,
                         csrf: Any, evidence: str) -> None:
    badge = make_badge()
    sign_in(make_user("learner"))
    saved = client.post(f"/badges/{badge.id}/submit", data={
        "statement": "Half written", "action": "draft", "csrf_token": csrf(f"/badges/{badge.id}/submit")})
    assert saved.status_code == 302
    page_url = saved.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    assert "This is a draft" in page and "Half written" in page and "Finish and send" in page
    sub_id = page_url.rsplit("/", 1)[1]
    sent = client.post(f"/me/submissions/{sub_id}/resubmit", data={
        "statement": evidence, "links": "", "csrf_token": csrf(page_url)}, follow_redirects=True)
    assert "Queued for scoring" in sent.get_data(as_text=True)
    with runtime.db.sessions() as session:
        assert session.get(Submission, sub_id).status == "queued"  # type: ignore[union-attr]


def test_changes_requested_feedback_and_new_version(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any, evidence: str
) -> None:
    badge = make_badge()
    learner, reviewer = make_user("learner"), make_user("reviewer", name="Rae Viewer")
    sub_id = _scored(runtime, learner, badge, score=0.3, band="needs_review", statement="Too short.")
    sign_in(reviewer)
    review_page = client.get(f"/review/{sub_id}").get_data(as_text=True)
    assert "Too little text" in review_page and "Only 1 word." in review_page
    client.post(f"/review/{sub_id}/decision", data={
        "decision": "request_changes", "comment": "Please show the query plan you used.",
        "csrf_token": csrf(f"/review/{sub_id}")})

    sign_in(learner)
    page = client.get(f"/me/submissions/{sub_id}").get_data(as_text=True)
    assert "Changes requested" in page and "Please show the query plan you used." in page
    assert "Rae Viewer" in page and "Send a new version" in page
    assert "30%" not in page and "needs_review" not in page  # never the pre-score
    bad = client.post(f"/me/submissions/{sub_id}/resubmit", data={
        "statement": "", "links": "not a url", "csrf_token": csrf(f"/me/submissions/{sub_id}")})
    assert bad.status_code == 422 and "the link contains spaces" in bad.get_data(as_text=True)
    client.post(f"/me/submissions/{sub_id}/resubmit", data={
        "statement": evidence, "links": "", "csrf_token": csrf(f"/me/submissions/{sub_id}")})
    page = client.get(f"/me/submissions/{sub_id}").get_data(as_text=True)
    assert "Version 2" in page and "Earlier versions" in page and "Too short." in page


def test_review_page_says_what_the_pre_score_rests_on(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                                     sign_in: Any) -> None:
    badge = make_badge()
    sub_id = _scored(runtime, make_user("learner"), badge, score=0.998, band="likely_pass")
    with runtime.db.unit_of_work() as session:
        sub = session.get(Submission, sub_id)
        sub.prescore = {**sub.prescore, "basis": {"calibration": "badge", "examples": 42, "context": "history"}}
    sign_in(make_user("reviewer"))
    page = client.get(f"/review/{sub_id}").get_data(as_text=True)
    assert "Learned from 42 reviewer decisions on this badge." in page
    assert "compared with this badge&#39;s reviewed submissions" in page
    # An estimate from finite history never reads as a certainty.
    assert "&gt;99%" in page and "100%" not in page


def test_admin_suspends_and_reinstates(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                       sign_in: Any, csrf: Any) -> None:
    admin, learner = make_user("admin"), make_user("learner", department="Finance")
    sub_id = _scored(runtime, learner, make_badge(), score=0.9, band="likely_pass")
    with runtime.db.unit_of_work() as session:
        _, award = decide(session, reviewer=session.merge(admin), submission_id=sub_id, decision="approve",
                          comment="", settings=runtime.settings, now=datetime.now(UTC))
        cid = award.credential.id  # type: ignore[union-attr]
    sign_in(admin)
    overview = client.get("/admin").get_data(as_text=True)
    assert "Skills by department" in overview and "<td>Finance</td><td>1</td><td>1</td>" in overview
    assert "approval rate <strong>100%</strong>" in overview
    page = f"/admin/credentials/{cid}"
    missing = client.post(f"{page}/status", data={"action": "suspend", "reason": "", "csrf_token": csrf(page)})
    assert missing.status_code == 422 and "Give a reason" in missing.get_data(as_text=True)
    client.post(f"{page}/status", data={"action": "suspend", "reason": "Under investigation", "csrf_token": csrf(page)})
    public = client.get(f"/c/{cid}").get_data(as_text=True)
    assert "Suspended" in public and "verdict-warn" in public and "Under investigation" in public
    assert "Suspended" in client.get(f"/embed/c/{cid}").get_data(as_text=True)
    client.post(f"{page}/status", data={"action": "unsuspend", "reason": "Cleared", "csrf_token": csrf(page)})
    assert "verdict-valid" in client.get(f"/c/{cid}").get_data(as_text=True)
    embed = client.get(f"/embed/c/{cid}")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers


def test_review_queue_orders_filters_and_pages(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                               sign_in: Any, monkeypatch: Any) -> None:
    import service.web.review as review_views

    monkeypatch.setattr(review_views, "PAGE_SIZE", 2)
    badge, other_badge = make_badge(), make_badge()
    start = datetime.now(UTC) - timedelta(hours=5)
    for i, (score, band) in enumerate([(0.2, "likely_fail"), (0.9, "likely_pass"), (0.5, "needs_review")]):
        _scored(runtime, make_user("learner", name=f"Learner {band}"), badge, score=score, band=band,
                submitted=start + timedelta(minutes=i))
    _scored(runtime, make_user("learner", name="Other badge learner"), other_badge, score=0.95, band="likely_pass")
    sign_in(make_user("reviewer"))
    first = client.get(f"/review?badge={badge.id}").get_data(as_text=True)
    assert first.index("Learner likely_pass") < first.index("Learner likely_fail")
    assert "Learner needs_review" not in first and "Other badge learner" not in first
    assert "Next page" in first and "Too little text" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/review?badge={badge.id}&cursor={cursor}").get_data(as_text=True)
    assert "Learner needs_review" in second and "Learner likely_pass" not in second and "First page" in second
    banded = client.get("/review?band=likely_pass").get_data(as_text=True)
    assert "Other badge learner" in banded and "Learner likely_fail" not in banded


def test_login_is_rate_limited(runtime: Any, make_user: Any) -> None:
    import re

    from service.app import create_app
    from service.runtime import Runtime

    tight = runtime.settings.with_overrides(login_rate_limit="3/minute")
    strict = create_app(tight, Runtime(settings=tight, db=runtime.db, store=runtime.store))
    client = strict.test_client()
    user = make_user("learner")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    codes = [client.post("/login", data={"email": user.email, "password": "wrong-password-x",
                                         "csrf_token": token}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert client.get("/login").status_code == 200  # only POSTs count


def test_recommendations_page_uses_the_recommender_index(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any
) -> None:
    import shutil

    from service.jobs import build_badge_index
    from service.operations.credentials import award_badge

    shutil.rmtree(runtime.settings.index_path, ignore_errors=True)
    learner = make_user("learner")
    basics = make_badge(name="SQL Basics", tier="foundation", skills=["SQL"])
    advanced = make_badge(name="Advanced SQL", skills=["SQL", "Query tuning"], prerequisites=[basics.id])
    make_badge(name="Negotiation Skills", skills=["Negotiation"], criteria=[
        {"title": "Prepares", "description": "Knows their walk-away point and the other side's interests."}])
    sign_in(learner)
    before = client.get("/me/recommendations").get_data(as_text=True)
    assert "Personalised ranking starts" in before and "SQL Basics" in before and "Advanced SQL" not in before

    with runtime.db.unit_of_work() as session:
        award_badge(session, learner=session.merge(learner), submission=None, badge_id=basics.id,
                    settings=runtime.settings, now=datetime.now(UTC), source="import")
    try:
        build_badge_index(runtime)
        page = client.get("/me/recommendations").get_data(as_text=True)
        assert "Personalised ranking starts" not in page
        assert "Advanced SQL" in page and "SQL Basics</a></h2>" not in page  # earned ones are not suggested
        hidden = client.post(f"/me/recommendations/{advanced.id}/hide",
                             data={"csrf_token": csrf("/me/recommendations")}, follow_redirects=True)
        text = hidden.get_data(as_text=True)
        assert "won&#39;t suggest Advanced SQL again" in text
        assert f'href="/badges/{advanced.id}">Advanced SQL</a></h2>' not in text
    finally:
        shutil.rmtree(runtime.settings.index_path, ignore_errors=True)


def test_bulk_approval_of_likely_passes(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                        sign_in: Any, csrf: Any) -> None:
    from service.models import Award

    badge = make_badge()
    reviewer = make_user("reviewer")
    first = _scored(runtime, make_user("learner", name="Pass One"), badge, score=0.95, band="likely_pass")
    second = _scored(runtime, make_user("learner", name="Pass Two"), badge, score=0.9, band="likely_pass")
    unsure = _scored(runtime, make_user("learner", name="Unsure"), badge, score=0.5, band="needs_review")
    sign_in(reviewer)
    queue = client.get("/review").get_data(as_text=True)
    assert f'value="{first}" form="bulk"' in queue and f'value="{unsure}" form="bulk"' in queue
    token = csrf("/review")
    confirm = client.post("/review/bulk-approve", data={"submission_id": [first, second], "decision": "approve",
                                                        "csrf_token": token})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Approve 2 submissions for" in page
    assert "this issues 2 signed credentials to Pass One, Pass Two" in page
    with runtime.db.sessions() as session:  # the confirmation page writes nothing
        assert session.get(Submission, first).status == "scored"  # type: ignore[union-attr]
    with runtime.db.unit_of_work() as session:  # someone else decides one meanwhile
        decide(session, reviewer=session.merge(make_user("admin")), submission_id=second, decision="reject",
               comment="Copied from a colleague.", settings=runtime.settings, now=datetime.now(UTC))
    done = client.post("/review/bulk", data={"submission_id": [first, second], "decision": "approve",
                                             "confirmed": "1", "csrf_token": token}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Approved 1 submission; 1 credential issued." in text
    assert "1 could not be decided: This submission is rejected, not waiting for review." in text
    with runtime.db.sessions() as session:
        statuses = {sid: session.get(Submission, sid).status for sid in (first, second, unsure)}  # type: ignore[union-attr]
        assert statuses == {first: "approved", second: "rejected", unsure: "scored"}
        assert len(list(session.scalars(select(Award)))) == 1
