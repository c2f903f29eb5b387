"""/api/v1/badges: the catalogue (public list; admins create and change)."""

from __future__ import annotations

from typing import Any

from flask import request

from service.api import api
from service.api.common import json_body, page_args
from service.api.serializers import badge_json
from service.models import User
from service.operations.badges import change_badge, create_badge, get_badge, list_badges, update_badge
from service.queue import enqueue_index_rebuild, enqueue_rubric_change
from service.web.context import commit, db, now, redis_or_none, settings
from service.web.security import api_user, optional_api_user, require_role


def _staff(user: User | None) -> bool:
    """Reviewers and admins may read a badge's model answers; learners never do."""
    return user is not None and user.has_role("reviewer")


@api.get("/badges")
def badges_index() -> Any:
    """Active badges for anyone; admins may add ?status=all."""
    limit, cursor = page_args()
    user = optional_api_user()
    everything = request.args.get("status") == "all" and user is not None and user.role == "admin"
    rows = list_badges(db(), include_inactive=everything, after=cursor, limit=limit + 1,
                       badge_type=request.args.get("type") or None, search=request.args.get("q") or None)
    staff = _staff(user)
    return {"items": [badge_json(b, model_answers=staff) for b in rows[:limit]],
            "next_cursor": rows[limit - 1].id if len(rows) > limit else None}


@api.post("/badges")
def badges_create() -> Any:
    """Create a badge with its rubric (admins)."""
    user = api_user()
    require_role(user, "admin")
    badge = create_badge(db(), actor=user, data=json_body(), now=now())
    commit()
    enqueue_index_rebuild(redis_or_none(), settings().queue_name)
    return badge_json(badge, model_answers=True), 201, {"Location": f"/api/v1/badges/{badge.id}"}


@api.get("/badges/<badge_id>")
def badges_show(badge_id: str) -> Any:
    """One badge (retired and draft badges only for admins)."""
    badge = get_badge(db(), badge_id)
    user = optional_api_user()
    if badge.status != "active" and not (user and user.role == "admin"):
        from service.errors import NotFound

        raise NotFound("No such badge.")
    return badge_json(badge, model_answers=_staff(user))


@api.route("/badges/<badge_id>", methods=["PATCH", "PUT"])
def badges_update(badge_id: str) -> Any:
    """Change a badge (admins); a changed rubric bumps rubric_version."""
    user = api_user()
    require_role(user, "admin")
    change = change_badge(db(), actor=user, badge_id=badge_id, data=json_body(), now=now())
    commit()
    if change.rubric_changed:
        enqueue_rubric_change(redis_or_none(), settings().queue_name, change.badge.id, change.rescore)
    enqueue_index_rebuild(redis_or_none(), settings().queue_name)
    return badge_json(change.badge, model_answers=True)


@api.delete("/badges/<badge_id>")
def badges_retire(badge_id: str) -> Any:
    """Retire a badge (admins): earned credentials stay valid, no new submissions."""
    user = api_user()
    require_role(user, "admin")
    badge = update_badge(db(), actor=user, badge_id=badge_id, data={"status": "retired"}, now=now())
    commit()
    return badge_json(badge, model_answers=True)
