"""The Flask application factory: a table of contents of named setup steps."""

from __future__ import annotations

import logging

from flask import Flask

from service.runtime import Runtime, build_runtime
from service.settings import Settings


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the web application for ``settings`` (default: from the environment)."""
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    app = Flask(__name__, instance_path=str(settings.instance_path))
    configure_flask(app, settings)
    configure_logging(app)
    attach_runtime(app, runtime or build_runtime(settings))
    register_security(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_template_helpers(app)
    warm_caches()
    limit_native_threads()
    return app


def limit_native_threads() -> None:
    """One FAISS/OpenMP thread per web process: replicas and request threads share the cores."""
    from recommender.index import configure_threads

    configure_threads(1)


def warm_caches() -> None:
    """Resolve the bundled JSON-LD contexts now, not on the first signature or verification."""
    from issuance.jsonld import warm_up

    warm_up()


def configure_flask(app: Flask, settings: Settings) -> None:
    """Flask's own settings, derived from ours."""
    app.config.update(
        SECRET_KEY=settings.secret_key,
        LAUREL_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.upload_limits.max_submission_bytes + 1_000_000,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.testing,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]


def configure_logging(app: Flask) -> None:
    """Log to stderr at INFO."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def attach_runtime(app: Flask, runtime: Runtime) -> None:
    """Per-request database session, committed once by the view layer (service.web.context)."""
    from service.web.context import init_request_context

    init_request_context(app, runtime)


def register_security(app: Flask) -> None:
    """Login sessions, CSRF on every form, rate limits, security headers."""
    from service.web.security import init_security

    init_security(app)


def register_error_handlers(app: Flask) -> None:
    """JSON problem details under /api/, friendly pages elsewhere."""
    from service.web.errors import init_error_handlers

    init_error_handlers(app)


def register_blueprints(app: Flask) -> None:
    """Every blueprint, by audience."""
    from service.api import api
    from service.web.admin import admin
    from service.web.learner import learner
    from service.web.public import public
    from service.web.review import review
    from service.web.session_views import session_views

    for blueprint in (public, session_views, learner, review, admin, api):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from service.web.templating import init_templating

    init_templating(app)
