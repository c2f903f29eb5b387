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

    def __init__(self, cores: int, *, min_interval: float = 0.05, max_window: float = 2.0) -> None:
        self.cores = cores
        self.min_interval = min_interval
        self.max_window = max_window
        self._last = self._reading()
        self._threads = cores

    @staticmethod
    def _reading() -> tuple[float, float | None, float]:
        return time.monotonic(), _host_busy_seconds(), _own_busy_seconds()

    def threads(self) -> int:
        """Cores the others left free over the last interval (at least one)."""
        last, now = self._last, self._reading()
        if now[0] - last[0] > self.max_window:
            # The last reading is from before an idle spell (the first batch of a burst): its
            # average would hide the load that arrived with the burst, so look at now instead.
            time.sleep(2 * self.min_interval)
            last, now = now, self._reading()
        wall, host_now, host_last = now[0] - last[0], now[1], last[1]
        if host_now is None or host_last is None:
            return self.cores  # no /proc/stat: nothing to share by
        if wall < self.min_interval:
            return self._threads  # too short to read jiffies (10 ms) reliably
        others = ((host_now - host_last) - (now[2] - last[2])) / wall
        self._last = now
        self._threads = max(1, min(self.cores, self.cores - int(others + 0.5)))
        return self._threads
