"""Bad input gets a clear problem-details error and loses nothing; authorisation on every object."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from service.models import ApiToken, Submission


def _problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["detail"]
    return body


def test_missing_unknown_and_expired_tokens_are_401(client: Any, make_user: Any, token_for: Any, runtime: Any) -> None:
    _problem(client.get("/api/v1/submissions"), 401)
    _problem(client.get("/api/v1/submissions", headers={"Authorization": "Bearer lrl_nope"}), 401)
    user = make_user("learner")
    token = token_for(user)
    with runtime.db.unit_of_work() as session:
        for row in session.scalars(select(ApiToken)):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    body = _problem(client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"}), 401)
    assert "expired" in body["detail"]


def test_tokens_are_stored_hashed(make_user: Any, token_for: Any, runtime: Any) -> None:
    token = token_for(make_user("learner"))
    with runtime.db.sessions() as session:
        stored = session.scalar(select(ApiToken.token_hash))
    assert stored and token not in stored and len(stored) == 64


def test_broken_json_and_invalid_badges_are_explained(client: Any, make_user: Any, api_headers: Any) -> None:
    headers = api_headers(make_user("admin"))
    _problem(
        client.post("/api/v1/badges", data="{not json", headers={**headers, "Content-Type": "application/json"}), 422
    )
    body = _problem(
        client.post("/api/v1/badges", json={"name": "", "type": "wizardry", "criteria": []}, headers=headers), 422
    )
    assert {"name", "type", "criteria"} <= set(body["errors"])


def test_learners_cannot_create_badges_or_see_the_queue(
    client: Any, make_user: Any, api_headers: Any, badge_body: Any
) -> None:
    headers = api_headers(make_user("learner"))
    _problem(client.post("/api/v1/badges", json=badge_body, headers=headers), 403)
    _problem(client.get("/api/v1/review/queue", headers=headers), 403)


def test_a_learner_never_sees_another_learners_submission(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any
) -> None:
    badge = make_badge()
    alice, bob = make_user("learner"), make_user("learner")
    sub = client.post(
        "/api/v1/submissions", json={"badge_id": badge.id, "statement": "My evidence text."}, headers=api_headers(alice)
    ).get_json()
    _problem(client.get(f"/api/v1/submissions/{sub['id']}", headers=api_headers(bob)), 404)
    _problem(client.get("/api/v1/submissions/does-not-exist", headers=api_headers(alice)), 404)


def test_nobody_reviews_their_own_submission(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    reviewer = make_user("reviewer")
    sub = client.post(
        "/api/v1/submissions",
        json={"badge_id": badge.id, "statement": "I built the report."},
        headers=api_headers(reviewer),
    ).get_json()
    drain_queue()
    _problem(
        client.post(
            f"/api/v1/submissions/{sub['id']}/decision", json={"decision": "approve"}, headers=api_headers(reviewer)
        ),
        403,
    )


def test_rejection_needs_a_comment_and_unknown_decisions_fail(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    sub = client.post(
        "/api/v1/submissions",
        json={"badge_id": badge.id, "statement": "I built the report."},
        headers=api_headers(make_user("learner")),
    ).get_json()
    drain_queue()
    headers = api_headers(make_user("reviewer"))
    _problem(
        client.post(f"/api/v1/submissions/{sub['id']}/decision", json={"decision": "reject"}, headers=headers), 422
    )
    _problem(client.post(f"/api/v1/submissions/{sub['id']}/decision", json={"decision": "maybe"}, headers=headers), 422)


def test_duplicate_requests_with_an_idempotency_key_create_one_submission(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    badge = make_badge()
    headers = {**api_headers(make_user("learner")), "Idempotency-Key": "submit-123"}
    first = client.post("/api/v1/submissions", json={"badge_id": badge.id, "statement": "Evidence."}, headers=headers)
    second = client.post("/api/v1/submissions", json={"badge_id": badge.id, "statement": "Evidence."}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.get_json()["id"] == second.get_json()["id"]
    with runtime.db.sessions() as session:
        assert session.scalar(select(func.count(Submission.id))) == 1


def test_a_second_open_submission_for_the_same_badge_is_a_conflict(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any
) -> None:
    badge = make_badge()
    headers = api_headers(make_user("learner"))
    assert (
        client.post(
            "/api/v1/submissions", json={"badge_id": badge.id, "statement": "One."}, headers=headers
        ).status_code
        == 202
    )
    body = _problem(
        client.post("/api/v1/submissions", json={"badge_id": badge.id, "statement": "Two."}, headers=headers), 409
    )
    assert body["submission_id"]


def test_a_refused_upload_is_recorded_with_its_reason_and_the_rest_is_kept(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    import io

    badge = make_badge()
    headers = api_headers(make_user("learner"))
    exe = b"MZ\x90\x00\x03 this is a windows executable"
    only_bad = {"badge_id": badge.id, "files": [(io.BytesIO(exe), "report.pdf")]}
    body = _problem(client.post("/api/v1/submissions", data=only_bad, headers=headers,
                                content_type="multipart/form-data"), 422)
    assert "report.pdf" in body["errors"]
    with runtime.db.sessions() as session:
        assert session.scalar(select(func.count(Submission.id))) == 0

    mixed = {"badge_id": badge.id, "statement": "See the attached notes.",
             "files": [(io.BytesIO(exe), "../../report.pdf"), (io.BytesIO(b"My notes on the report."), "notes.txt")]}
    resp = client.post("/api/v1/submissions", data=mixed, headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 202, resp.get_json()
    files = {f["name"]: f for f in resp.get_json()["files"]}
    assert files["report.pdf"]["extraction_status"] == "refused" and files["report.pdf"]["extraction_message"]
    assert files["notes.txt"]["extraction_status"] == "pending"
    stored = [p for p in runtime.settings.uploads_path.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == b"My notes on the report."


def test_multipart_evidence_files_are_extracted_and_scored(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any
) -> None:
    import io

    badge = make_badge()
    headers = api_headers(make_user("learner"))
    text = (
        "# Revenue report\n\nI joined orders and customers on customer_id and grouped revenue by region. "
        "An index on order_date cut the runtime from 40 s to 2 s.\n"
    )
    data = {
        "badge_id": badge.id,
        "statement": "My report write-up is attached.",
        "files": [(io.BytesIO(text.encode()), "write-up.md")],
    }
    resp = client.post("/api/v1/submissions", data=data, headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 202, resp.get_json()
    sid = resp.get_json()["id"]
    drain_queue()
    sub = client.get(f"/api/v1/submissions/{sid}", headers=headers).get_json()
    assert sub["status"] == "scored"
    assert sub["files"][0]["extraction_status"] == "ok"
    sources = {p["source"] for c in sub["prescore"]["criteria"] for p in c["passages"]}
    assert "write-up.md" in sources


def test_lists_paginate_with_a_cursor(client: Any, make_badge: Any) -> None:
    for _ in range(3):
        make_badge()
    first = client.get("/api/v1/badges?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/v1/badges?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {b["id"] for b in first["items"]}.isdisjoint({b["id"] for b in second["items"]})
    _problem(client.get("/api/v1/badges?limit=0"), 422)


def test_openapi_document_lists_the_contract(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/badges",
        "/submissions",
        "/submissions/{id}",
        "/submissions/{id}/decision",
        "/verify",
        "/credentials/{id}",
        "/learners/{id}/recommendations",
    ):
        assert path in doc["paths"]
