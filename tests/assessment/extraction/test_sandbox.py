"""The extraction child: limits enforced, overruns killed, the worker never harmed."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.extraction import (
    ExtractionSandbox,
    SandboxUnavailable,
    UploadLimits,
    default_sandbox,
    extract_text,
)

from .corpus import heavy_pdf, make_docx

# 3 million text operators: about 40 s of pypdf work and far beyond 64 MB of parsed objects.
SLOW_PDF_OPERATORS = 3_000_000


@pytest.fixture(scope="module")
def slow_pdf() -> bytes:
    return heavy_pdf(SLOW_PDF_OPERATORS)


@pytest.fixture
def sandbox() -> Iterator[ExtractionSandbox]:
    with ExtractionSandbox() as box:
        yield box


def test_overrun_is_killed_and_the_next_file_still_extracts(sandbox: ExtractionSandbox, slow_pdf: bytes) -> None:
    started = time.monotonic()
    result = extract_text("slow.pdf", slow_pdf, UploadLimits(timeout_s=1.0), sandbox=sandbox)
    elapsed = time.monotonic() - started

    assert (result.status, result.message) == ("failed", "slow.pdf: reading it took longer than 1 s")
    assert elapsed < 5
    assert sandbox.pid is None  # the child was killed
    after = extract_text("ok.docx", make_docx(["still fine"]), UploadLimits(), sandbox=sandbox)
    assert after.status == "ok" and "still fine" in after.text


def test_memory_limit_ends_as_a_failed_file(sandbox: ExtractionSandbox, slow_pdf: bytes) -> None:
    result = extract_text("big.pdf", slow_pdf, UploadLimits(memory_mb=64), sandbox=sandbox)

    assert result.status == "failed"
    assert "64 MB" in result.message


def test_child_killed_from_outside_gives_a_failed_file(sandbox: ExtractionSandbox, slow_pdf: bytes) -> None:
    sandbox.start()
    pid = sandbox.pid
    assert pid is not None
    killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))
    killer.start()
    try:
        result = extract_text("oom.pdf", slow_pdf, UploadLimits(), sandbox=sandbox)
    finally:
        killer.cancel()

    assert result.status == "failed"
    assert "crashed the extractor" in result.message


def test_child_is_reused_across_files_and_recycled(sandbox: ExtractionSandbox) -> None:
    recycling = ExtractionSandbox(max_tasks=2)
    try:
        for n in range(5):
            assert extract_text(f"n{n}.txt", b"text", UploadLimits(), sandbox=sandbox).status == "ok"
            assert extract_text(f"n{n}.txt", b"text", UploadLimits(), sandbox=recycling).status == "ok"
        assert sandbox.starts == 1
        assert recycling.starts == 3
    finally:
        recycling.close()


def test_child_gets_no_secrets_and_cannot_write_files(
    sandbox: ExtractionSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAUREL_SECRET_KEY", "do-not-leak")
    sandbox.start()

    environ = Path(f"/proc/{sandbox.pid}/environ").read_bytes()
    limits = Path(f"/proc/{sandbox.pid}/limits").read_text()
    assert b"do-not-leak" not in environ
    assert b"LAUREL" not in environ
    file_size_line = next(line for line in limits.splitlines() if line.startswith("Max file size"))
    assert file_size_line.split()[3:5] == ["0", "0"]


def test_threads_share_one_sandbox_safely(sandbox: ExtractionSandbox) -> None:
    results: list[str] = []

    def work(n: int) -> None:
        result = extract_text(f"t{n}.md", f"# note {n}".encode(), UploadLimits(), sandbox=sandbox)
        results.append(result.text)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == sorted(f"# note {n}" for n in range(8))


def test_a_child_that_cannot_start_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    box = ExtractionSandbox(start_timeout_s=5)

    with pytest.raises(SandboxUnavailable, match="did not start"):
        box.run("a.txt", b"text", "txt", UploadLimits())


def test_default_sandbox_is_one_per_process() -> None:
    assert default_sandbox() is default_sandbox()


def test_an_interrupted_run_does_not_leak_its_answer_into_the_next(sandbox: ExtractionSandbox, slow_pdf: bytes) -> None:
    class JobTimeout(Exception):
        pass

    def on_alarm(signum: int, frame: object) -> None:
        raise JobTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(JobTimeout):
            sandbox.run("slow.pdf", slow_pdf, "pdf", UploadLimits())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    result = sandbox.run("next.txt", b"the next file", "txt", UploadLimits())
    assert result.text == "the next file"


@pytest.mark.parametrize("extract_in_fork", [True, False])
def test_a_forked_copy_starts_its_own_child_and_leaves_the_parents_alone(
    sandbox: ExtractionSandbox, extract_in_fork: bool
) -> None:
    sandbox.start()
    parent_child = sandbox.pid
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked copy: maybe extract, report, close
        try:
            report = "from the fork|True"
            if extract_in_fork:
                result = extract_text("f.txt", b"from the fork", UploadLimits(), sandbox=sandbox)
                report = f"{result.text}|{sandbox.pid != parent_child}"
            os.write(write_end, report.encode())
        finally:
            sandbox.close()
            os._exit(0)
    os.close(write_end)
    report = os.read(read_end, 1000).decode()
    os.waitpid(pid, 0)
    os.close(read_end)

    assert report == "from the fork|True"
    assert sandbox.pid == parent_child  # the parent's child survived the fork's cleanup
    assert extract_text("p.txt", b"parent", UploadLimits(), sandbox=sandbox).text == "parent"
