"""Extraction in a child process with time and memory limits, reused across files."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

from assessment.extraction.errors import SandboxUnavailable
from assessment.extraction.filenames import extension_of
from assessment.extraction.limits import UploadLimits
from assessment.extraction.protocol import (
    PREFIX_SIZE,
    READY,
    ProtocolError,
    Request,
    decode_result,
    encode_request,
    unpack_length,
)
from assessment.extraction.results import KINDS, ExtractionResult, failed
from assessment.extraction.sniffing import EXTENSION_KINDS, check_upload

_ASSESSMENT_DIR = Path(__file__).resolve().parents[1]
_READ_CHUNK = 1 << 16
# Far above any real answer (max_chars of JSON-escaped text), far below harm to the worker.
_MAX_REPLY_BYTES = 256 << 20
# The child needs only this subpackage and assessment.evidence. It registers a bare
# ``assessment`` package so the parent package's __init__ (numpy, scikit-learn, the scoring
# code) is not imported: that would cost about a second per child start and widen what a
# hostile file's process holds. ``python -m assessment.extraction.child`` works the same.
_BOOTSTRAP = (
    "import sys, types\n"
    "package = types.ModuleType('assessment')\n"
    f"package.__path__ = [{str(_ASSESSMENT_DIR)!r}]\n"
    "sys.modules['assessment'] = package\n"
    "from assessment.extraction.child import main\n"
    "sys.exit(main())\n"
)


class ExtractionSandbox:
    """A child process that extracts one file at a time under RLIMIT_AS / RLIMIT_CPU, killed
    on a wall-clock overrun and restarted after an unexpected failure or ``max_tasks`` files.

    Thread-safe (one file at a time); a forked copy starts its own child.
    """

    def __init__(self, max_tasks: int = 200, start_timeout_s: float = 30.0) -> None:
        """Prepare a sandbox; the child starts on first use (or ``start()``)."""
        self.max_tasks = max_tasks
        self.start_timeout_s = start_timeout_s
        self.starts = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._tasks = 0
        self._owner = os.getpid()
        self._finalizer = weakref.finalize(self, _stop_owned, None, self._owner)

    @property
    def pid(self) -> int | None:
        """The running child's process id, or None."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> None:
        """Start the child now (a worker calls this before taking jobs); raises
        SandboxUnavailable if it cannot start."""
        with self._lock:
            self._ensure_child()

    def close(self) -> None:
        """Stop the child; a later call starts a new one."""
        with self._lock:
            self._stop()

    def __enter__(self) -> ExtractionSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, name: str, data: bytes, kind: str, limits: UploadLimits) -> ExtractionResult:
        """Extract one file of a known kind in the child.

        Never raises for bad files (they give ``failed`` results); raises
        SandboxUnavailable if the child cannot be started at all, ValueError for an unknown
        ``kind``.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        request = encode_request(Request(name, kind, limits, data))
        with self._lock:
            proc = self._ensure_child()
            try:
                assert proc.stdin is not None
                proc.stdin.write(request)
                proc.stdin.flush()
                payload = _read_frame(proc, time.monotonic() + limits.timeout_s)
                result, recycle = decode_result(payload)
            except TimeoutError:
                self._stop()
                return failed(kind, f"{name}: reading it took longer than {limits.timeout_s:g} s")
            except (OSError, ProtocolError):
                code = self._stop()
                return failed(kind, f"{name}: {_death_message(code, limits)}")
            except BaseException:
                # Interrupted from outside (a job timeout's SIGALRM, Ctrl-C): the child may
                # still answer this request later, so it must not serve the next one.
                self._stop()
                raise
            self._tasks += 1
            if recycle or self._tasks >= self.max_tasks:
                self._stop()
            return result

    def _ensure_child(self) -> subprocess.Popen[bytes]:
        if self._owner != os.getpid():
            # A forked copy: that child belongs to the parent process; start our own.
            self._proc, self._tasks, self._owner = None, 0, os.getpid()
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        proc = _spawn()
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _stop_owned, proc, self._owner)
        try:
            ready = _read_frame(proc, time.monotonic() + self.start_timeout_s)
        except (TimeoutError, OSError, ProtocolError) as exc:
            code = _stop_process(proc)
            raise SandboxUnavailable(
                f"the extraction process did not start (exit status {code}, {exc!r}); "
                f"run `{sys.executable} -m assessment.extraction.child` to see why"
            ) from exc
        if ready != READY:
            _stop_process(proc)
            raise SandboxUnavailable(f"the extraction process answered {ready[:80]!r}")
        self._proc, self._tasks = proc, 0
        self.starts += 1
        return proc

    def _stop(self) -> int | None:
        proc, self._proc = self._proc, None
        if self._owner != os.getpid():
            self._owner = os.getpid()
            return None  # a forked copy: the child is the parent's
        return _stop_process(proc)


def _spawn() -> subprocess.Popen[bytes]:
    # A bare environment: the child reading hostile files gets no secrets or service settings.
    env = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.Popen(
        # -P: no working directory on sys.path, so no file there can shadow a module.
        [sys.executable, "-s", "-P", "-c", _BOOTSTRAP],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd="/",
        env=env,
        start_new_session=True,
    )


def _read_frame(proc: subprocess.Popen[bytes], deadline: float) -> bytes:
    """One framed message from the child by ``deadline``; raises TimeoutError, ProtocolError."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buffer = bytearray()
    needed = PREFIX_SIZE
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(buffer) < needed:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise TimeoutError
            chunk = os.read(fd, min(_READ_CHUNK, needed - len(buffer)))
            if not chunk:
                raise ProtocolError("the extraction process ended without an answer")
            buffer += chunk
            if needed == PREFIX_SIZE and len(buffer) == PREFIX_SIZE:
                needed += unpack_length(bytes(buffer))
                if needed > _MAX_REPLY_BYTES:
                    raise ProtocolError(f"the extraction process announced {needed:,} bytes")
    return bytes(buffer[PREFIX_SIZE:])


def _stop_owned(proc: subprocess.Popen[bytes] | None, owner: int) -> None:
    # At exit of a forked copy (which inherits this finalizer) the child is not ours to kill.
    if os.getpid() == owner:
        _stop_process(proc)


def _stop_process(proc: subprocess.Popen[bytes] | None) -> int | None:
    if proc is None:
        return None
    if proc.poll() is None:
        proc.kill()
    code = proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    return code


def _death_message(code: int | None, limits: UploadLimits) -> str:
    if code == -signal.SIGXCPU:
        return f"reading it used more than {limits.timeout_s:g} s of CPU time"
    if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        return f"reading it crashed the extractor (possibly over {limits.memory_mb} MB of memory)"
    return f"the extractor stopped unexpectedly (exit status {code})"


_default: ExtractionSandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> ExtractionSandbox:
    """The process-wide sandbox, created on first use (its child starts lazily)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ExtractionSandbox()
        return _default


def extract_text(
    name: str, data: bytes, limits: UploadLimits, sandbox: ExtractionSandbox | None = None
) -> ExtractionResult:
    """Check a file and extract its text in the sandboxed child.

    Never raises for bad files. A file that fails ``check_upload`` gets a ``failed`` result
    (kind "unknown" unless recognised) without reaching the child; an empty file gets
    ``no_text``. Raises SandboxUnavailable only if the child cannot start.
    """
    check = check_upload(name, data, limits)
    if not data:
        return ExtractionResult("no_text", check.message, _kind_from_name(check.safe_name), ())
    if not check.ok or check.kind is None:
        return failed(check.kind or "unknown", check.message)
    return (sandbox or default_sandbox()).run(check.safe_name, data, check.kind, limits)


def _kind_from_name(safe_name: str) -> str:
    return EXTENSION_KINDS.get(extension_of(safe_name), "unknown")
