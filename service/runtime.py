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
    """Create the runtime for ``settings`` (connections open lazily)."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return Runtime(settings=settings, db=Database.connect(settings.database_url),
                   store=LocalFileStore(settings.uploads_path))


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
