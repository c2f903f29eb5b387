"""Serving the newest badge index snapshot: replicas swap it in without a restart.

A worker builds the index after badges change and calls ``BadgeIndex.save(folder)``, which
writes the snapshot files and then repoints ``folder/CURRENT``. Each web process holds an
:class:`IndexHolder`; at most every ``check_every`` seconds it reads ``CURRENT`` and, if it
names another snapshot, loads it beside the old one and swaps the reference. Requests in
flight keep the index object they started with, so nothing is locked while searching.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from recommender.errors import IndexFormatError
from recommender.index import BadgeIndex, current_snapshot

log = logging.getLogger(__name__)


class IndexHolder:
    """The badge index this process serves, refreshed from a snapshot folder."""

    def __init__(
        self,
        folder: Path,
        *,
        check_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._index: BadgeIndex | None = None
        self._snapshot: Path | None = None
        self._checked_at = float("-inf")

    def current(self) -> BadgeIndex:
        """Return the index to serve, loading a newer snapshot first if one is due and present.

        Raises IndexFormatError only when there has never been a loadable snapshot; a broken
        newer snapshot is logged and the previous index is kept.
        """
        if self._clock() - self._checked_at >= self.check_every:
            self.refresh()
        if self._index is None:
            raise IndexFormatError(f"no badge index snapshot in {self.folder}")
        return self._index

    def refresh(self) -> bool:
        """Load the snapshot CURRENT names if it differs from the one held; True if swapped."""
        with self._lock:
            self._checked_at = self._clock()
            target = current_snapshot(self.folder)
            if target is None or target == self._snapshot:
                return False
            try:
                fresh = BadgeIndex.load(target)
            except IndexFormatError:
                if self._index is None:
                    raise
                log.warning("keeping index %s: cannot load %s", self._index.version, target)
                return False
            self._index, self._snapshot = fresh, target
            log.info("serving badge index %s (%d badges)", fresh.version, len(fresh))
            return True
