"""/api/v1/submissions and the review queue."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from service.api import api
from service.api.common import json_body, page_args
from service.api.serializers import submission_json
from service.errors import ValidationFailed
from service.operations.reviews import claim, decide, release, review_queue
from service.operations.submissions import (
    Upload,
    create_submission,
    learner_submissions,
    resubmit,
    submission_for_viewer,
)
from service.queue import enqueue_recalibration, enqueue_scoring
from service.web.context import commit, db, now, redis_or_none, runtime, settings
from service.web.security import api_user


def _submission_input() -> tuple[dict[str, Any], list[Upload]]:
    """JSON {badge_id, statement, links[]} or multipart with the same fields plus files[]."""
    if request.mimetype == "multipart/form-data":
        links: Any = request.form.getlist("links")
        if len(links) == 1 and links[0].startswith("["):
            try:
                links = json.loads(links[0])
            except json.JSONDecodeError:
                raise ValidationFailed(errors={"links": "Not a JSON list."}) from None
        data = {"badge_id": request.form.get("badge_id", ""), "statement": request.form.get("statement", ""),
                "links": links, "draft": request.form.get("draft") in ("1", "true")}
        files = [Upload(name=f.filename or "upload", data=f.read()) for f in request.files.getlist("files[]")
                 + request.files.getlist("files")]
        return data, files
    return json_body(), []


@api.post("/submissions")
def submissions_create() -> Any:
    """Submit evidence; 202 with the queued submission (its pre-score follows)."""
    user = api_user()
    data, files = _submission_input()
    if not isinstance(data.get("badge_id"), str) or not data.get("badge_id"):
        raise ValidationFailed(errors={"badge_id": "Required."})
    statement = data.get("statement", "")
    if not isinstance(statement, str):
        raise ValidationFailed(errors={"statement": "Must be text."})
    submission = create_submission(
        db(), learner=user, badge_id=data["badge_id"], statement=statement,
        links=data.get("links") or [], files=files, store=runtime().store,
        limits=settings().upload_limits, now=now(), draft=bool(data.get("draft")),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    commit()
    if submission.status == "queued":
        enqueue_scoring(redis_or_none(), settings().queue_name, [submission.id])
    return submission_json(submission, include_prescore=True), 202, {
        "Location": f"/api/v1/submissions/{submission.id}"}


@api.get("/submissions")
def submissions_mine() -> Any:
    """The caller's own submissions."""
    user = api_user()
    rows = learner_submissions(db(), learner=user)
    return {"items": [submission_json(s, include_prescore=True) for s in rows], "next_cursor": None}


@api.get("/submissions/<submission_id>")
def submissions_show(submission_id: str) -> Any:
    """One submission with its pre-score (its learner, reviewers allowed on it, admins)."""
    user = api_user()
    sub = submission_for_viewer(db(), user=user, submission_id=submission_id)
    return submission_json(sub, include_prescore=True)


@api.post("/submissions/<submission_id>/resubmit")
def submissions_resubmit(submission_id: str) -> Any:
    """Send a draft, or a new version after changes were requested."""
    user = api_user()
    data, files = _submission_input()
    sub = resubmit(db(), learner=user, submission_id=submission_id, statement=data.get("statement", ""),
                   links=data.get("links") or [], files=files, store=runtime().store,
                   limits=settings().upload_limits, now=now())
    commit()
    enqueue_scoring(redis_or_none(), settings().queue_name, [sub.id])
    return submission_json(sub, include_prescore=True), 202


@api.post("/submissions/<submission_id>/decision")
def submissions_decide(submission_id: str) -> Any:
    """approve | reject | request_changes, with a comment; approval returns the credential id."""
    user = api_user()
    data = json_body()
    decision, comment = data.get("decision"), data.get("comment", "")
    overrides = data.get("overrides")
    if not isinstance(decision, str) or not isinstance(comment, str):
        raise ValidationFailed(errors={"decision": "approve, reject or request_changes"})
    if overrides is not None and not isinstance(overrides, dict):
        raise ValidationFailed(errors={"overrides": "An object: criterion id -> 0..1."})
    sub, award = decide(db(), reviewer=user, submission_id=submission_id, decision=decision,
                        comment=comment, settings=settings(), now=now(), overrides=overrides)
    commit()
    enqueue_recalibration(redis_or_none(), settings().queue_name, sub.badge_id)
    approvals = sum(1 for r in sub.reviews if r.version == sub.version and r.decision == "approve")
    body: dict[str, Any] = {"id": sub.id, "status": sub.status, "approvals": approvals,
                            "required_approvals": sub.badge.required_approvals}
    if award is not None and award.credential is not None:
        body["credential_id"] = award.credential.id
    return body


@api.get("/review/queue")
def review_queue_index() -> Any:
    """Submissions waiting for the caller's review, clearest cases first."""
    user = api_user()
    limit, cursor = page_args()
    page = review_queue(db(), reviewer=user, limit=limit, cursor=cursor, now=now(),
                        badge_id=request.args.get("badge_id") or None, band=request.args.get("band") or None)
    return {"items": [submission_json(s, include_prescore=True) for s in page.items],
            "next_cursor": page.next_cursor}


@api.post("/submissions/<submission_id>/claim")
def submissions_claim(submission_id: str) -> Any:
    """Claim a submission for review (409 if another reviewer holds it)."""
    sub = claim(db(), reviewer=api_user(), submission_id=submission_id, now=now())
    commit()
    return {"id": sub.id, "claimed_by": sub.claimed_by_id}


@api.post("/submissions/<submission_id>/release")
def submissions_release(submission_id: str) -> Any:
    """Give back one's claim."""
    sub = release(db(), reviewer=api_user(), submission_id=submission_id)
    commit()
    return {"id": sub.id, "claimed_by": sub.claimed_by_id}
