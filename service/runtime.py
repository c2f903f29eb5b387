"""Process-wide resources, created lazily once per process (web worker or job worker)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from redis import Redis

from service.db import Database
from service.settings import Settings
from service.storage import FileStore, LocalFileStore


@dataclass
class Runtime:
    """What a process shares across requests or jobs: settings, database, file store, Redis."""

    settings: Settings
    db: Database
    store: FileStore

    def redis(self) -> Redis:
        """A Redis client for the configured URL (raises if none is configured)."""
        if not self.settings.redis_url:
            raise RuntimeError("REDIS_URL is not set")
        return Redis.from_url(self.settings.redis_url)


def build_runtime(settings: Settings) -> Runtime:
    """Create the runtime for ``settings``; the organisation's name comes from the database."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    db = Database.connect(settings.database_url)
    return Runtime(settings=with_organisation(settings, db), db=db, store=LocalFileStore(settings.uploads_path))


def with_organisation(settings: Settings, db: Database) -> Settings:
    """Settings with the issuer name stored in the database (set by an admin or the demo)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.models import Organisation

    try:
        with db.sessions() as session:
            org = session.get(Organisation, 1)
    except SQLAlchemyError:  # not migrated yet: `laurel db upgrade` comes first
        return settings
    return settings.with_overrides(organisation_name=org.name) if org is not None else settings


_current: Runtime | None = None
_lock = threading.Lock()


def current_runtime() -> Runtime:
    """The runtime of this process, built from the environment on first use (job workers)."""
    global _current
    with _lock:
        if _current is None:
            _current = build_runtime(Settings.from_env())
        return _current


def install_runtime(runtime: Runtime) -> None:
    """Make ``runtime`` this process's runtime (tests, the worker command)."""
    global _current
    with _lock:
        _current = runtime
