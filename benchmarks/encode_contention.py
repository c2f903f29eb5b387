"""Encoding beside a busy process: torch's fixed thread count against the worker's core sharing.

When web and worker share a host, a burst of uploads keeps a web process busy while the worker
encodes. This times one worker-sized batch (32 evidence texts and their content words) with
both cores free and then beside a process that spins on one core, once with torch's threads
fixed at the core count and once with ``MiniLMEncoder.share_cores()`` (what ``laurel worker``
turns on). Prints seconds per batch (median of --repeats) for each case as JSON.

Rerun (about a minute on 2 cores):

    .venv/bin/python benchmarks/encode_contention.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prescore import _texts  # noqa: E402 - the throughput benchmark's realistic evidence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    from embeddings import MiniLMEncoder

    evidence = [t for _, t in _texts(32, random.Random(1))]
    words = sorted({w.strip(".,;:").lower() for t in evidence for w in t.split()})
    batch = evidence + words
    cores = min(4, os.cpu_count() or 1)
    fixed, shared = MiniLMEncoder(threads=cores), MiniLMEncoder(threads=cores)
    shared.share_cores()
    fixed.encode(batch[:8])

    def seconds(encoder: MiniLMEncoder) -> float:
        times = []
        for _ in range(args.repeats):
            torch.set_num_threads(cores)  # fixed: as loaded; shared: it picks its own
            t0 = time.perf_counter()
            encoder.encode(batch)
            times.append(time.perf_counter() - t0)
        return round(statistics.median(times), 3)

    figures: dict[str, object] = {"cores": cores, "texts_per_batch": len(batch)}
    figures["idle_host"] = {"fixed_threads_s": seconds(fixed), "share_cores_s": seconds(shared)}
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        figures["beside_one_busy_core"] = {"fixed_threads_s": seconds(fixed), "share_cores_s": seconds(shared)}
    finally:
        spinner.kill()
        spinner.wait()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
