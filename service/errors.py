"""One error hierarchy, raised by operations and mapped to HTTP once (see service.web.errors)."""

from __future__ import annotations

from typing import Any


class LaurelError(Exception):
    """Base of every error an operation raises on purpose."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ValidationFailed(LaurelError):
    status, title, code = 422, "Invalid input", "validation_failed"

    def __init__(self, detail: str = "", errors: dict[str, str] | None = None) -> None:
        super().__init__(detail or "Some fields are invalid.", errors=errors or {})
        self.errors = errors or {}


class NotAuthenticated(LaurelError):
    status, title, code = 401, "Authentication required", "not_authenticated"


class Forbidden(LaurelError):
    status, title, code = 403, "Not allowed", "forbidden"


class NotFound(LaurelError):
    status, title, code = 404, "Not found", "not_found"


class Conflict(LaurelError):
    status, title, code = 409, "Conflict", "conflict"


class PayloadTooLarge(LaurelError):
    status, title, code = 413, "Upload too large", "payload_too_large"


class UnsupportedMedia(LaurelError):
    status, title, code = 415, "Unsupported file", "unsupported_media_type"
