"""Extraction cost: time and peak memory for a 50-page PDF and a 40-slide deck, sandboxed
(child process under limits) and unsandboxed (in this process), plus the sandbox's own costs.

Rerun:  cd /work/main && .venv/bin/python benchmarks/extraction.py [--repeat 5]

Figures are medians over ``--repeat`` runs. Peak memory: for the sandbox, the child's
VmHWM (peak resident set, including its idle baseline); unsandboxed, the tracemalloc peak of
Python allocations made during extraction (C allocations by lxml are not counted there).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from assessment.extraction import (
    ExtractionSandbox,
    UploadLimits,
    check_upload,
    extract_text_unsandboxed,
)

LIMITS = UploadLimits()
LOREM = (
    "During the migration I designed the data model, wrote the extraction jobs and "
    "coached two colleagues through code review; the new pipeline cut the nightly run "
    "from four hours to forty minutes."
)


def load_corpus() -> ModuleType:
    """The test corpus builders, loaded from the tests folder by path."""
    path = Path(__file__).resolve().parents[1] / "tests/assessment/extraction/corpus.py"
    spec = importlib.util.spec_from_file_location("extraction_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def status_kib(pid: int, field: str) -> int:
    """A memory field (VmHWM, VmRSS) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure_sample(box: ExtractionSandbox, label: str, name: str, data: bytes, repeat: int) -> str:
    """One line of figures for one sample file."""
    check = check_upload(name, data, LIMITS)
    assert check.ok and check.kind, check.message
    kind = check.kind
    check_time = median_seconds(lambda: check_upload(name, data, LIMITS), repeat)
    sandboxed = median_seconds(lambda: box.run(name, data, kind, LIMITS), repeat)
    child_peak = status_kib(box.pid or 0, "VmHWM")
    result = box.run(name, data, kind, LIMITS)
    unsandboxed = median_seconds(lambda: extract_text_unsandboxed(name, data, kind, LIMITS), repeat)
    tracemalloc.start()
    extract_text_unsandboxed(name, data, kind, LIMITS)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (
        f"{label}: {len(data) / 1024:.0f} KiB, {result.pages} pages, "
        f"{len(result.text):,} chars, status {result.status} | "
        f"check_upload {check_time * 1000:.1f} ms | "
        f"sandboxed {sandboxed * 1000:.0f} ms, child peak RSS {child_peak / 1024:.0f} MiB | "
        f"unsandboxed {unsandboxed * 1000:.0f} ms, Python peak {python_peak / 2**20:.1f} MiB"
    )


def main() -> None:
    """Build the samples, measure, print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    corpus = load_corpus()
    page = "\n".join([LOREM[i:] + " " + LOREM[:i] for i in range(0, 180, 5)])
    samples = {
        "pdf-50-pages": ("portfolio.pdf", corpus.make_pdf([page] * 50)),
        "pptx-40-slides": (
            "deck.pptx",
            corpus.make_pptx([(f"Step {n}", LOREM * 3) for n in range(40)], {0: LOREM}),
        ),
    }
    print(f"repeat={repeat} (medians)")

    starts = []
    for _ in range(repeat):
        box = ExtractionSandbox()
        started = time.perf_counter()
        box.start()
        starts.append(time.perf_counter() - started)
        idle_rss = status_kib(box.pid or 0, "VmRSS")
        box.close()
    print(f"sandbox cold start: {statistics.median(starts) * 1000:.0f} ms; "
          f"idle child RSS {idle_rss / 1024:.0f} MiB")  # fmt: skip

    with ExtractionSandbox() as box:
        box.start()
        tiny = median_seconds(lambda: box.run("t.txt", b"tiny", "txt", LIMITS), repeat * 10)
        bare = median_seconds(lambda: extract_text_unsandboxed("t.txt", b"tiny", "txt", LIMITS), repeat * 10)
        print(f"per-file overhead (warm child, tiny .txt): sandboxed {tiny * 1000:.2f} ms, "
              f"unsandboxed {bare * 1000:.2f} ms")  # fmt: skip

        for label, (name, data) in samples.items():
            print(measure_sample(box, label, name, data, repeat))


if __name__ == "__main__":
    main()
