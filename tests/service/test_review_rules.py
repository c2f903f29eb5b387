"""Reviewer rules: claims, two approvals for certifications, per-criterion overrides, the
audit trail, and learners told by email through the outbox."""

from __future__ import annotations

import socketserver
import threading
from typing import Any

from sqlalchemy import select

from service.mailer import send_outbox
from service.models import OutboxEmail, Review


def _scored(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, **badge: Any
) -> tuple[Any, str]:
    b = make_badge(**badge)
    learner = make_user("learner")
    sub = client.post(
        "/api/v1/submissions",
        json={"badge_id": b.id, "statement": "I built the SQL report."},
        headers=api_headers(learner),
    ).get_json()
    drain_queue()
    return b, str(sub["id"])


def test_a_claimed_submission_is_left_to_its_reviewer(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any
) -> None:
    _, sid = _scored(client, make_user, api_headers, make_badge, drain_queue)
    alice, bob = api_headers(make_user("reviewer")), api_headers(make_user("reviewer"))
    assert client.post(f"/api/v1/submissions/{sid}/claim", headers=alice).status_code == 200
    assert client.post(f"/api/v1/submissions/{sid}/claim", headers=bob).status_code == 409
    assert [s["id"] for s in client.get("/api/v1/review/queue", headers=bob).get_json()["items"]] == []
    assert [s["id"] for s in client.get("/api/v1/review/queue", headers=alice).get_json()["items"]] == [sid]
    client.post(f"/api/v1/submissions/{sid}/release", headers=alice)
    assert [s["id"] for s in client.get("/api/v1/review/queue", headers=bob).get_json()["items"]] == [sid]


def test_certifications_need_two_different_approvers(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    badge, sid = _scored(client, make_user, api_headers, make_badge, drain_queue, type="certification")
    admin = api_headers(make_user("admin"))
    assert client.patch(f"/api/v1/badges/{badge.id}", json={"required_approvals": 2}, headers=admin).status_code == 200
    first, second = api_headers(make_user("reviewer")), api_headers(make_user("reviewer"))
    one = client.post(f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=first).get_json()
    assert one["status"] == "scored" and "credential_id" not in one and one["approvals"] == 1
    again = client.post(f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=first)
    assert again.status_code == 409
    assert client.get("/api/v1/review/queue", headers=first).get_json()["items"] == []
    two = client.post(f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=second).get_json()
    assert two["status"] == "approved" and two["credential_id"]


def test_overrides_and_the_prescore_are_kept_in_the_audit_trail(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    badge, sid = _scored(client, make_user, api_headers, make_badge, drain_queue)
    headers = api_headers(make_user("reviewer"))
    criterion = badge.criteria[0].id
    bad = client.post(
        f"/api/v1/submissions/{sid}/decision", json={"decision": "approve", "overrides": {"nope": 1}}, headers=headers
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/submissions/{sid}/decision",
        json={"decision": "request_changes", "comment": "Show the query plan.", "overrides": {criterion: 0.0}},
        headers=headers,
    )
    assert ok.status_code == 200
    with runtime.db.sessions() as session:
        review = session.scalar(select(Review))
        assert review.overrides == {criterion: 0.0}
        assert review.prescore_band in ("likely_pass", "needs_review", "likely_fail")
        assert review.prescore_score is not None


class _Inbox(socketserver.StreamRequestHandler):
    received: list[bytes] = []

    def handle(self) -> None:
        self.wfile.write(b"220 test SMTP\r\n")
        data = False
        body = b""
        while line := self.rfile.readline():
            if data:
                if line == b".\r\n":
                    _Inbox.received.append(body)
                    data, body = False, b""
                    self.wfile.write(b"250 queued\r\n")
                else:
                    body += line
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_decisions_email_the_learner_through_the_outbox(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    _, sid = _scored(client, make_user, api_headers, make_badge, drain_queue)
    client.post(
        f"/api/v1/submissions/{sid}/decision",
        json={"decision": "reject", "comment": "Not your own work."},
        headers=api_headers(make_user("reviewer")),
    )
    with runtime.db.sessions() as session:
        email = session.scalar(select(OutboxEmail))
        assert email is not None and email.sent_at is None and "Not your own work." in email.body
    assert send_outbox(runtime) == 0  # no SMTP configured: it stays in the outbox

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        import dataclasses

        from service.runtime import Runtime

        port = server.server_address[1]
        with_smtp = Runtime(
            settings=dataclasses.replace(runtime.settings, smtp_url=f"smtp://127.0.0.1:{port}"),
            db=runtime.db,
            store=runtime.store,
        )
        assert send_outbox(with_smtp) == 1
    finally:
        server.shutdown()
    import email
    from email import policy

    message = email.message_from_bytes(_Inbox.received[-1], policy=policy.default)
    assert "Not your own work." in message.get_content()  # type: ignore[attr-defined]
    with runtime.db.sessions() as session:
        assert session.scalar(select(OutboxEmail)).sent_at is not None


def test_the_api_queue_pages_clear_cases_first_without_gaps(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any, runtime: Any
) -> None:
    from service.models import Submission

    badge = make_badge()
    ids = []
    for _ in range(5):
        sub = client.post(
            "/api/v1/submissions",
            json={"badge_id": badge.id, "statement": "My SQL report."},
            headers=api_headers(make_user("learner", password=None)),
        ).get_json()
        ids.append(sub["id"])
    drain_queue()
    bands = [("needs_review", 0.5), ("likely_pass", 0.9), ("likely_fail", 0.1), ("likely_pass", 0.95), (None, None)]
    with runtime.db.unit_of_work() as session:
        for sid, (band, score) in zip(ids, bands, strict=True):
            row = session.get(Submission, sid)
            row.band, row.score = band, score
    headers = api_headers(make_user("reviewer"))
    seen, cursor = [], None
    while True:
        url = "/api/v1/review/queue?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).get_json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [ids[3], ids[1], ids[2], ids[0], ids[4]]
