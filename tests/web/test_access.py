"""Who may open which page: roles, other learners' data, CSRF, private credentials."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from service.models import Submission
from service.operations.reviews import decide
from service.operations.submissions import Upload, create_submission

pytestmark = pytest.mark.usefixtures("runtime")


def _submission(runtime: Any, learner: Any, badge: Any, *, files: list[Upload] | None = None,
                status: str | None = None) -> Submission:
    with runtime.db.unit_of_work() as session:
        sub = create_submission(
            session, learner=session.merge(learner), badge_id=badge.id,
            statement="I built the monthly revenue report with joins on the right keys.",
            links=["https://example.com/report"], files=files or [], store=runtime.store,
            limits=runtime.settings.upload_limits, now=datetime.now(UTC),
        )
        if status:
            sub.status = status
        session.flush()
        session.refresh(sub)
        _ = [f.id for f in sub.files]  # loaded while the session is open
        return sub


def _approved_credential_id(runtime: Any, reviewer: Any, learner: Any, badge: Any) -> str:
    sub = _submission(runtime, learner, badge, status="scored")
    with runtime.db.unit_of_work() as session:
        _, award = decide(session, reviewer=session.merge(reviewer), submission_id=sub.id, decision="approve",
                          comment="", settings=runtime.settings, now=datetime.now(UTC))
        assert award is not None and award.credential is not None
        return award.credential.id


def test_visitor_is_sent_to_login_from_private_pages(client: Any) -> None:
    for path in ("/me", "/me/submissions", "/me/recommendations", "/review", "/admin", "/admin/keys"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_learner_gets_403_on_review_and_admin(client: Any, make_user: Any, sign_in: Any, make_badge: Any) -> None:
    badge = make_badge()
    sign_in(make_user("learner"))
    for path in ("/review", f"/review/{badge.id}", "/admin", "/admin/badges/new", f"/admin/badges/{badge.id}/edit",
                 "/admin/keys"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "have access to this page" in response.get_data(as_text=True)


def test_reviewer_may_review_but_not_administer(client: Any, make_user: Any, sign_in: Any) -> None:
    sign_in(make_user("reviewer"))
    assert client.get("/review").status_code == 200
    assert client.get("/admin").status_code == 403


def test_learner_never_sees_another_learners_submission_or_file(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any
) -> None:
    owner, other = make_user("learner"), make_user("learner")
    sub = _submission(runtime, owner, make_badge(), files=[Upload("notes.txt", b"My SQL report notes.\n")])
    file_id = sub.files[0].id
    sign_in(other)
    assert client.get(f"/me/submissions/{sub.id}").status_code == 404
    assert client.get(f"/me/submissions/{sub.id}/files/{file_id}").status_code == 404
    assert sub.id not in client.get("/me/submissions").get_data(as_text=True)
    sign_in(owner)
    page = client.get(f"/me/submissions/{sub.id}")
    assert page.status_code == 200 and "Queued for scoring" in page.get_data(as_text=True)


def test_files_download_as_attachments_for_owner_and_reviewer(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any
) -> None:
    owner = make_user("learner")
    sub = _submission(runtime, owner, make_badge(), files=[Upload("notes.txt", b"<script>alert(1)</script>")])
    file_id = sub.files[0].id
    for user in (owner, make_user("reviewer")):
        sign_in(user)
        response = client.get(f"/me/submissions/{sub.id}/files/{file_id}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/octet-stream"
        assert response.data == b"<script>alert(1)</script>"


def test_post_without_csrf_token_is_refused_with_a_page(client: Any, make_user: Any, make_badge: Any,
                                                        sign_in: Any) -> None:
    badge = make_badge()
    sign_in(make_user("learner"))
    response = client.post(f"/badges/{badge.id}/submit", data={"statement": "hello", "action": "submit"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "security token" in text and "<html" in text
    assert client.post("/login", data={"email": "x@y.z", "password": "nope"}).status_code == 400


def test_private_credential_is_404_except_for_its_owner(
    client: Any, runtime: Any, make_user: Any, make_badge: Any, sign_in: Any, csrf: Any
) -> None:
    learner, reviewer = make_user("learner"), make_user("reviewer")
    cid = _approved_credential_id(runtime, reviewer, learner, make_badge())
    assert client.get(f"/c/{cid}").status_code == 200
    sign_in(learner)
    response = client.post(f"/me/credentials/{cid}/privacy",
                           data={"private": "1", "csrf_token": csrf("/me")})
    assert response.status_code == 302
    assert client.get(f"/c/{cid}").status_code == 200  # the owner still sees it
    sign_in(make_user("learner"))
    assert client.get(f"/c/{cid}").status_code == 404
    assert client.get(f"/c/{cid}.json").status_code == 404
    client.delete_cookie("session")
    assert client.get(f"/c/{cid}").status_code == 404
    # Another learner cannot flip someone else's privacy either.
    sign_in(make_user("learner"))
    other = client.post(f"/me/credentials/{cid}/privacy", data={"private": "0", "csrf_token": csrf("/me")})
    assert other.status_code == 404


def test_login_rejects_wrong_password_and_offsite_next(client: Any, make_user: Any, csrf: Any) -> None:
    user = make_user("learner")
    bad = client.post("/login", data={"email": user.email, "password": "wrong-password", "csrf_token": csrf()})
    assert bad.status_code == 401 and "match an account" in bad.get_data(as_text=True)
    good = client.post("/login", data={"email": user.email.upper(), "password": "correct-horse-battery",
                                       "next": "//evil.example/steal", "csrf_token": csrf()})
    assert good.status_code == 302 and good.headers["Location"] == "/"


def test_public_credential_page_json_and_verify(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                                 csrf: Any) -> None:
    cid = _approved_credential_id(runtime, make_user("reviewer"), make_user("learner", name="Ada Lovelace"),
                                  make_badge())
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    assert "Ada Lovelace" in page and "verdict-valid" in page and ">Valid<" in page
    assert "linkedin.com/profile/add?" in page
    document = client.get(f"/c/{cid}.json")
    assert document.mimetype == "application/ld+json"
    body = document.get_json(force=True)
    assert body["id"] == f"urn:uuid:{cid}" and "proof" in body
    negotiated = client.get(f"/c/{cid}", headers={"Accept": "application/ld+json"})
    assert negotiated.get_json(force=True) == body

    verified = client.post("/verify", data={"credential": json.dumps(body), "csrf_token": csrf("/verify")})
    assert verified.status_code == 200 and "verdict-valid" in verified.get_data(as_text=True)
    body["credentialSubject"]["achievement"]["name"] = "Something else"
    tampered = client.post("/verify", data={"credential": json.dumps(body), "csrf_token": csrf("/verify")})
    text = tampered.get_data(as_text=True)
    assert "verdict-bad" in text and "Invalid signature" in text


def test_machine_endpoints(client: Any, make_badge: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    status = client.get("/status/revocation/1")
    assert status.status_code == 200 and status.headers["Cache-Control"] == "public, max-age=300"
    assert "BitstringStatusListCredential" in status.get_data(as_text=True)
    assert client.get("/status/revocation/9").status_code == 404
    did = client.get("/.well-known/did.json").get_json()
    assert did["id"].startswith("did:web:") and did["verificationMethod"]
    assert client.get("/.well-known/jwks.json").get_json()["keys"]
    badge = make_badge(name="Cloud <Cost> Basics")
    svg = client.get(f"/badges/{badge.id}/image.svg")
    assert svg.mimetype == "image/svg+xml" and "Cloud &lt;Cost&gt; Basics" in svg.get_data(as_text=True)
    png = client.get(f"/badges/{badge.id}/image.png")
    assert png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_credential_page_download_links_work(client: Any, runtime: Any, make_user: Any, make_badge: Any,
                                             csrf: Any) -> None:
    cid = _approved_credential_id(runtime, make_user("reviewer"), make_user("learner"), make_badge())
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    for link in (f"/api/v1/credentials/{cid}/baked.png", f"/api/v1/credentials/{cid}/baked.svg",
                 f"/api/v1/credentials/{cid}?format=jwt"):
        assert f'href="{link}"' in page
        assert client.get(link).status_code == 200, link
    baked = client.get(f"/api/v1/credentials/{cid}/baked.png").data
    verdict = client.post("/verify", data={"file": (io.BytesIO(baked), "badge.png"), "csrf_token": csrf("/verify")},
                          content_type="multipart/form-data")
    assert "verdict-valid" in verdict.get_data(as_text=True)
