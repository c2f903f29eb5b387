"""Pages doing their job through the test client: catalogue, forms, review, admin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select

from service.models import Badge, Credential, Submission
from service.queue import scoring_queue, waiting_job_id

pytestmark = pytest.mark.usefixtures("runtime")



def test_catalogue_filters_and_badge_page(client: Any, make_badge: Any) -> None:
    sql = make_badge(name="SQL Reporting", tier="practitioner", skills=["SQL"])
    make_badge(name="Cloud Cost Basics", tier="foundation", type="knowledge", skills=["FinOps"])
    old = make_badge(name="Old Badge", status="retired")
    draft = make_badge(name="Draft Badge", status="draft")
    make_badge(name="SQL Performance Tuning", prerequisites=[sql.id])
    page = client.get("/badges").get_data(as_text=True)
    assert "SQL Reporting" in page and "Cloud Cost Basics" in page and "Old Badge" not in page
    by_tier = client.get("/badges?tier=practitioner").get_data(as_text=True)
    assert "SQL Reporting" in by_tier and "Cloud Cost Basics" not in by_tier
    by_skill = client.get("/badges?skill=finops").get_data(as_text=True)
    assert "Cloud Cost Basics" in by_skill and "SQL Reporting" not in by_skill
    by_search = client.get("/badges?q=cloud").get_data(as_text=True)
    assert "Cloud Cost Basics" in by_search and "SQL Reporting" not in by_search
    detail = client.get(f"/badges/{sql.id}").get_data(as_text=True)
    assert "Correct joins and aggregation" in detail and "Sign in to submit evidence" in detail
    assert "Leads on to" in detail and "SQL Performance Tuning" in detail
    retired = client.get(f"/badges/{old.id}").get_data(as_text=True)
    assert "Retired: no longer awarded" in retired and "Sign in to submit evidence" not in retired
    assert client.get(f"/badges/{draft.id}").status_code == 404
    for image in ("image.svg", "image.png"):  # not even its generated image, which shows its name
        assert client.get(f"/badges/{draft.id}/{image}").status_code == 404
        assert client.get(f"/badges/{sql.id}/{image}").headers["Cache-Control"] == "public, max-age=3600"


def test_admins_see_a_drafts_image_and_no_cache_keeps_it(
    client: Any, make_user: Any, make_badge: Any, sign_in: Any
) -> None:
    draft = make_badge(name="Draft Badge", status="draft")
    sign_in(make_user("admin"))
    png = client.get(f"/badges/{draft.id}/image.png")
    assert png.status_code == 200 and png.headers["Cache-Control"] == "private, no-store"


def test_learner_submits_and_the_job_is_queued_after_commit(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any, evidence: str
) -> None:
    badge = make_badge()
    sign_in(make_user("learner"))
    form = client.get(f"/badges/{badge.id}/submit").get_data(as_text=True)
    assert "Up to 10 files" in form and "Save draft" in form
    empty = client.post(f"/badges/{badge.id}/submit",
                        data={"statement": "", "action": "submit", "csrf_token": csrf(f"/badges/{badge.id}/submit")})
    assert empty.status_code == 422 and "Describe your evidence" in empty.get_data(as_text=True)
    response = client.post(f"/badges/{badge.id}/submit", data={
        "statement": evidence, "links": "https://example.com/report\n", "action": "submit",
        "csrf_token": csrf(f"/badges/{badge.id}/submit"),
    })
    assert response.status_code == 302
    with runtime.db.sessions() as session:
        sub = session.scalar(select(Submission).where(Submission.badge_id == badge.id))
        assert sub is not None and sub.status == "queued" and sub.links == ["https://example.com/report"]
    connection = Redis.from_url(runtime.settings.redis_url)
    assert waiting_job_id(connection, scoring_queue(connection, runtime.settings.queue_name), f"score-{sub.id}")
    # A second submission for the same badge goes to the existing one.
    again = client.get(f"/badges/{badge.id}/submit")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/me/submissions/{sub.id}")


def test_review_flow_scores_approves_and_issues(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any, drain_queue: Any, evidence: str
) -> None:
    badge = make_badge()
    learner, reviewer = make_user("learner", name="Grace Hopper"), make_user("reviewer")
    sign_in(learner)
    client.post(f"/badges/{badge.id}/submit", data={"statement": evidence, "action": "submit",
                                                    "csrf_token": csrf(f"/badges/{badge.id}/submit")})
    drain_queue()
    with runtime.db.sessions() as session:
        sub = session.scalar(select(Submission).where(Submission.badge_id == badge.id))
        assert sub is not None and sub.status == "scored", sub.scoring_error if sub else None
        sub_id, score = sub.id, sub.score
    mine = client.get(f"/me/submissions/{sub_id}").get_data(as_text=True)
    assert "Waiting for review" in mine and "Pre-score" not in mine  # learners never see it

    sign_in(reviewer)
    queue = client.get("/review").get_data(as_text=True)
    assert "Grace Hopper" in queue and f"{round(score * 100)}%" in queue
    detail = client.get(f"/review/{sub_id}").get_data(as_text=True)
    assert "Rubric and supporting passages" in detail and "<mark>" in detail
    assert '<mark class="cited">' in detail  # the statement shows which passages were matched
    missing = client.post(f"/review/{sub_id}/decision", data={
        "decision": "reject", "comment": "", "csrf_token": csrf(f"/review/{sub_id}")})
    assert missing.status_code == 422 and "Tell the learner why." in missing.get_data(as_text=True)
    approved = client.post(f"/review/{sub_id}/decision", data={
        "decision": "approve", "comment": "Clear evidence.", "csrf_token": csrf(f"/review/{sub_id}")},
        follow_redirects=True)
    text = approved.get_data(as_text=True)
    assert "Approved: Grace Hopper now holds" in text and "View the credential" in text
    with runtime.db.sessions() as session:
        credential = session.scalar(select(Credential))
        assert credential is not None
        cid = credential.id
    assert "verdict-valid" in client.get(f"/c/{cid}").get_data(as_text=True)
    sign_in(learner)
    home = client.get("/").get_data(as_text=True)
    assert "Congratulations: you earned" in home and f"/c/{cid}" in home and '<span class="count">1</span>' in home
    note_id = re.search(r'action="/me/notifications/([0-9a-f-]{36})"', home)[1]
    sign_in(reviewer)
    assert client.post(f"/me/notifications/{note_id}", data={"csrf_token": csrf("/")}).status_code == 404
    sign_in(learner)
    opened = client.post(f"/me/notifications/{note_id}", data={"csrf_token": csrf("/")})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/c/{cid}"
    assert '<span class="count">' not in client.get("/").get_data(as_text=True)  # read now
    assert "1 person holds this badge." in client.get(f"/badges/{badge.id}").get_data(as_text=True)


def test_admin_designs_a_badge_with_rubric_and_prerequisite(
    client: Any, runtime: Any, make_user: Any, sign_in: Any, csrf: Any, make_badge: Any
) -> None:
    basics = make_badge(name="Data Storytelling Basics")
    sign_in(make_user("admin"))
    form = {
        "name": "Stakeholder Storytelling", "description": "Presents data to leaders.", "type": "skill",
        "tier": "advanced", "skills": "Communication, Data visualisation", "validity_months": "24",
        "criteria-0-title": "Clear narrative", "criteria-0-description": "A beginning, middle and end.",
        "criteria-1-title": "Right chart", "criteria-1-description": "Chart fits the question.",
        "criteria-2-title": "Decision made", "criteria-2-description": "Leaders acted on it.",
        "criteria-2-weight": "2", "prerequisites_shown": "1", "prerequisites": [basics.id],
    }
    bad = client.post("/admin/badges/new", data={**form, "name": "", "csrf_token": csrf("/admin/badges/new")})
    assert bad.status_code == 422 and "Required." in bad.get_data(as_text=True)
    created = client.post("/admin/badges/new", data={**form, "csrf_token": csrf("/admin/badges/new")})
    assert created.status_code == 302
    with runtime.db.sessions() as session:
        badge = session.scalar(select(Badge).where(Badge.name == "Stakeholder Storytelling"))
        assert badge is not None
        assert [c.title for c in badge.criteria] == ["Clear narrative", "Right chart", "Decision made"]
        assert badge.criteria[2].weight == 2.0 and badge.skills == ["Communication", "Data visualisation"]
        assert badge.validity_months == 24 and badge.tier == "advanced"
        assert [p.id for p in badge.prerequisites] == [basics.id]
        badge_id = badge.id
    edit = client.get(f"/admin/badges/{badge_id}/edit").get_data(as_text=True)
    assert 'value="Right chart"' in edit and f'<option value="{basics.id}" selected>' in edit
    saved = client.post(f"/admin/badges/{badge_id}/edit", data={
        **form, "tier": "expert", "status": "active", "prerequisites": [],
        "criteria-1-title": "Right chart for the question", "csrf_token": csrf(f"/admin/badges/{badge_id}/edit")})
    assert saved.status_code == 302
    with runtime.db.sessions() as session:
        badge = session.get(Badge, badge_id)
        assert badge is not None and badge.tier == "expert" and badge.prerequisites == []
        assert badge.criteria[1].title == "Right chart for the question" and badge.rubric_version == 2
    overview = client.get("/admin").get_data(as_text=True)
    assert "Stakeholder Storytelling" in overview and "Active badges" in overview
    keys = client.post("/admin/keys/rotate", data={"csrf_token": csrf("/admin/keys")}, follow_redirects=True)
    assert "is active" in keys.get_data(as_text=True)


def test_admin_gives_levels_and_model_answers_in_the_badge_form(
    client: Any, runtime: Any, make_user: Any, sign_in: Any, csrf: Any, make_badge: Any
) -> None:
    levels = ["Exemplary: joins on keys and checks totals.", "Developing: joins work, totals unchecked."]
    badge = make_badge(references=[], criteria=[{"title": "Correct joins", "description": "Joins on keys.",
                                                  "levels": levels}])
    sign_in(make_user("admin"))
    url = f"/admin/badges/{badge.id}/edit"
    edit = client.get(url).get_data(as_text=True)
    assert "Exemplary: joins on keys and checks totals.\nDeveloping: joins work, totals unchecked.</textarea>" in edit
    form = {
        "name": badge.name, "description": badge.description, "type": "skill", "tier": "practitioner",
        "status": "active", "criteria-0-title": "Correct joins", "criteria-0-description": "Joins on keys.",
        "criteria-0-levels": "\r\n".join(levels) + "\r\n",  # as the browser sends the textarea back
        "criteria-0-exemplars": "I joined orders to customers on customer_id.\r\n---\r\nJoined on the surrogate key.",
        "references": "A monthly revenue report joining orders and customers.\n\nIt aggregates per region.",
    }
    saved = client.post(url, data={**form, "csrf_token": csrf(url)}, follow_redirects=True)
    assert saved.status_code == 200
    with runtime.db.sessions() as session:
        stored = session.get(Badge, badge.id)
        assert stored.criteria[0].levels == levels  # editing other fields keeps the levels
        assert stored.criteria[0].exemplars == ["I joined orders to customers on customer_id.",
                                                "Joined on the surrogate key."]
        assert stored.references == ["A monthly revenue report joining orders and customers.\n\n"
                                     "It aggregates per region."]  # paragraphs stay one answer
        assert stored.rubric_version == 2
    edit = client.get(url).get_data(as_text=True)
    assert "customer_id.\n---\nJoined on the surrogate key.</textarea>" in edit
    assert "Levels and model answers · 2 levels · 2 model answers" in edit
    again = client.post(url, data={**form, "csrf_token": csrf(url)})  # the same form again: no new version
    assert again.status_code == 302
    with runtime.db.sessions() as session:
        assert session.get(Badge, badge.id).rubric_version == 2
    sign_in(make_user("learner"))
    page = client.get(f"/badges/{badge.id}").get_data(as_text=True)
    assert "Developing: joins work, totals unchecked." in page
    assert "surrogate key" not in page and "monthly revenue report joining" not in page


def test_evidence_files_upload_through_the_form(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                                sign_in: Any, csrf: Any, evidence: str) -> None:
    import io

    badge = make_badge()
    sign_in(make_user("learner"))
    form_url = f"/badges/{badge.id}/submit"
    only_bad = client.post(form_url, data={
        "statement": "", "action": "submit", "csrf_token": csrf(form_url),
        "files": [(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")]}, content_type="multipart/form-data")
    assert only_bad.status_code == 422 and "files of type .exe are not accepted" in only_bad.get_data(as_text=True)
    accepted = client.post(form_url, data={
        "statement": evidence, "action": "submit", "csrf_token": csrf(form_url),
        "files": [(io.BytesIO(b"# Report notes\nJoins on keys.\n"), "notes.md"),
                  (io.BytesIO(b"Query plan: index scan on order_date.\n"), "plan.txt"),
                  (io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")]},
        content_type="multipart/form-data")
    assert accepted.status_code == 302
    page = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "notes.md" in page and "plan.txt" in page
    assert "Not accepted: tool.exe: files of type .exe are not accepted" in page  # the flash
    assert page.count('href="/me/submissions/') >= 2 and "tool.exe</span>" in page
    with runtime.db.sessions() as session:
        sub = session.scalar(select(Submission).where(Submission.badge_id == badge.id))
        assert sub is not None and sorted(f.name for f in sub.files if f.digest) == ["notes.md", "plan.txt"]
        file_id = next(f.id for f in sub.files if f.name == "plan.txt")
        refused_id = next(f.id for f in sub.files if f.name == "tool.exe")
        sub_id = sub.id
    download = client.get(f"/me/submissions/{sub_id}/files/{file_id}")
    assert download.data == b"Query plan: index scan on order_date.\n"
    assert client.get(f"/me/submissions/{sub_id}/files/{refused_id}").status_code == 404
