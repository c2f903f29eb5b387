"""How many intra-op threads the model should use right now, given what else the host runs.

When web and worker share a host (``laurel run``, or a small deployment), a burst of uploads
keeps the web processes busy on one core while the worker encodes. Torch's threads meet at a
barrier after every operator, so a thread that loses its core stalls the others: two threads on
one free core encode slower than one thread alone (measured here: 4.8 s against 4.0 s for one
batch beside a busy process, 2.1 s with both cores free). ``CoreShare`` reads how much CPU the
other processes used since the last call and leaves them those cores.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC_STAT = Path("/proc/stat")


def _host_busy_seconds() -> float | None:
    """CPU seconds every core of the host spent busy since boot (None off Linux)."""
    try:
        fields = PROC_STAT.read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: steal is time the hypervisor
    # gave to other machines, not load from this host's processes, so it is left out.
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_busy_seconds() -> float:
    t = os.times()
    return t.user + t.system


class CoreShare:
    """Picks a thread count each time it is asked: all ``cores`` less those others kept busy."""

    def __init__(self, cores: int, *, min_interval: float = 0.05) -> None:
        self.cores = cores
        self.min_interval = min_interval
        self._last = self._reading()
        self._threads = cores

    @staticmethod
    def _reading() -> tuple[float, float | None, float]:
        return time.monotonic(), _host_busy_seconds(), _own_busy_seconds()

    def threads(self) -> int:
        """Cores the others left free over the last interval (at least one)."""
        now = self._reading()
        wall = now[0] - self._last[0]
        if now[1] is None or self._last[1] is None:
            return self.cores
        if wall < self.min_interval:
            return self._threads  # too short to read jiffies (10 ms) reliably
        others = ((now[1] - self._last[1]) - (now[2] - self._last[2])) / wall
        self._last = now
        self._threads = max(1, min(self.cores, self.cores - int(others + 0.5)))
        return self._threads
