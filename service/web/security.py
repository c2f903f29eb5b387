"""Authentication glue (Flask-Login, bearer tokens), CSRF, rate limits, security headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from service.auth import user_for_token
from service.errors import Forbidden, NotAuthenticated
from service.models import User
from service.web.context import db, now

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_security(app: Flask) -> None:
    """Wire login sessions, CSRF, the rate limiter and response headers into ``app``."""
    login_manager.login_view = "session_views.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.init_app(app)
    csrf.init_app(app)
    cfg = app.config["LAUREL_SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = _limiter_storage(cfg.redis_url)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
    app.after_request(_security_headers)


def _limiter_storage(redis_url: str | None) -> str:
    # Shared counters across web replicas when Redis is there; memory otherwise.
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db().get(User, user_id)
    return user if user is not None and user.active else None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/embed/"):
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'",
    )
    return response


def web_user() -> User:
    """The signed-in user of a web request; raises NotAuthenticated."""
    if not current_user.is_authenticated:
        raise NotAuthenticated("Please sign in.")
    user: User = current_user._get_current_object()
    return user


def optional_web_user() -> User | None:
    """The signed-in user, or None for visitors."""
    return web_user() if current_user.is_authenticated else None


def api_user() -> User:
    """The user of an API request's bearer token; raises NotAuthenticated."""
    if "api_user" in g:
        cached: User = g.api_user
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Send an API token: 'Authorization: Bearer <token>'.")
    user = user_for_token(db(), token.strip(), now=now())
    g.api_user = user
    return user


def optional_api_user() -> User | None:
    """The API user when a token is sent, else None (public endpoints)."""
    return api_user() if request.headers.get("Authorization") else None


def require_role(user: User, role: str) -> None:
    """Raise Forbidden unless ``user`` has ``role`` (admins have all roles)."""
    if not user.has_role(role):
        raise Forbidden(f"This needs the {role} role.")


def web_role(role: str) -> Callable[[F], F]:
    """Decorator for web views: signed in, with ``role``."""
    def wrap(view: F) -> F:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            require_role(web_user(), role)
            return view(*args, **kwargs)
        return inner  # type: ignore[return-value]
    return wrap


