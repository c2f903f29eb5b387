"""Helpers shared by the API modules: body parsing, pagination, serialisation."""

from __future__ import annotations

from typing import Any

from flask import request

from service.errors import ValidationFailed

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


def json_body() -> dict[str, Any]:
    """The request's JSON object; raises ValidationFailed on broken or non-object JSON."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("The body must be a JSON object (Content-Type: application/json).")
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.")
    return data


def page_args() -> tuple[int, str | None]:
    """``?limit=`` (1..500, default 50) and ``?cursor=``."""
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise ValidationFailed(errors={"limit": "A whole number from 1 to 500."}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(errors={"limit": "A whole number from 1 to 500."})
    return limit, request.args.get("cursor") or None


def iso(value: Any) -> str | None:
    """ISO 8601 with Z for a datetime (None stays None)."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
