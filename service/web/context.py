"""Request context: one database session per request, committed in exactly one place."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g
from redis import Redis
from sqlalchemy.orm import Session

from service.runtime import Runtime
from service.settings import Settings


def init_request_context(app: Flask, runtime: Runtime) -> None:
    """Open a session lazily per request; roll back whatever was not committed at teardown."""
    app.extensions["laurel_runtime"] = runtime

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def runtime() -> Runtime:
    """This app's runtime."""
    rt: Runtime = current_app.extensions["laurel_runtime"]
    return rt


def settings() -> Settings:
    """This app's settings."""
    return runtime().settings


def db() -> Session:
    """The request's database session (created on first use)."""
    if "db_session" not in g:
        g.db_session = runtime().db.sessions()
    session: Session = g.db_session
    return session


def commit() -> None:
    """Commit the request's unit of work: the one place a web request commits."""
    if "db_session" in g:
        g.db_session.commit()


def redis_or_none() -> Redis | None:
    """A Redis client when one is configured (enqueueing tolerates it being down)."""
    url = settings().redis_url
    if not url:
        return None
    if "laurel_redis" not in current_app.extensions:
        current_app.extensions["laurel_redis"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    client: Redis = current_app.extensions["laurel_redis"]
    return client


def now() -> datetime:
    """The request's clock (UTC)."""
    return datetime.now(UTC)
