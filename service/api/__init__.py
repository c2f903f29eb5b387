"""JSON API under /api/v1: bearer tokens, problem details, cursor pagination."""

from __future__ import annotations

from flask import Blueprint

from service.web.security import csrf

api = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens, never cookies, so CSRF does not apply.
csrf.exempt(api)

from service.api import badges, credentials, learners, openapi, submissions  # noqa: E402,F401
