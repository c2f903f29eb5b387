"""Errors mapped to HTTP once: RFC 9457 problem details on /api/, a friendly page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service.errors import LaurelError, NotAuthenticated

log = logging.getLogger(__name__)

FRIENDLY = {
    400: "That request did not make sense to us.",
    401: "Please sign in to continue.",
    403: "You don't have access to this page.",
    404: "We couldn't find that page.",
    405: "That action isn't available here.",
    409: "That conflicts with something that already happened.",
    413: "That upload is too large.",
    415: "That file type isn't supported.",
    422: "Some of what you entered needs fixing.",
    429: "Too many requests: please wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    """A problem-details JSON response."""
    body = {
        "type": f"https://laurel.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def _page(status: int, title: str, detail: str, errors: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template(
        "error.html",
        status=status,
        title=title,
        detail=detail,
        friendly=FRIENDLY.get(status, detail),
        errors=errors or {},
    ), status


def init_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(LaurelError)
    def _laurel(exc: LaurelError) -> Any:
        if _wants_json():
            return problem(exc.status, exc.title, exc.detail, exc.code, **exc.extra)
        if isinstance(exc, NotAuthenticated):
            return redirect(url_for("session_views.login", next=request.full_path))
        return _page(exc.status, exc.title, exc.detail, getattr(exc, "errors", None))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return _page(
            400, "Form expired", "The form was missing its security token or it expired. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        title = exc.name
        detail = exc.description or title
        if status == 429:
            detail = "Rate limit exceeded: " + str(exc.description)
        if _wants_json():
            return problem(status, title, detail, title.lower().replace(" ", "_"))
        return _page(status, title, detail)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return problem(500, "Internal error", "An unexpected error occurred; it has been logged.", "internal_error")
        return _page(500, "Internal error", "An unexpected error occurred; it has been logged.")
