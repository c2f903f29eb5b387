"""/api/v1/learners/<id>/... : per-learner views for integrations."""

from __future__ import annotations

from typing import Any

from flask import request

from service.api import api
from service.errors import NotFound, ValidationFailed
from service.web.context import db, now, settings
from service.web.security import api_user


@api.get("/learners/<learner_id>/recommendations")
def learner_recommendations(learner_id: str) -> Any:
    """Next badges for a learner (the learner themself, or an admin)."""
    user = api_user()
    if user.id != learner_id and user.role != "admin":
        raise NotFound("No such learner.")
    try:
        k = int(request.args.get("k", "10"))
    except ValueError:
        raise ValidationFailed(errors={"k": "A whole number from 1 to 50."}) from None
    if not 1 <= k <= 50:
        raise ValidationFailed(errors={"k": "A whole number from 1 to 50."})
    from service.operations.recommendations import recommendations_for

    result = recommendations_for(db(), learner_id=learner_id, settings=settings(), now=now(), k=k)
    return result
