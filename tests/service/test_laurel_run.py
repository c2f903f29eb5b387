"""`laurel run` from any directory: migrates, starts an embedded Redis, web and worker, and
stops every process it started on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _embedded_redis(instance: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "redis-server" and Path(proc.cwd()) == instance / "redis":
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.mark.slow
def test_laurel_run_serves_and_stops_everything_it_started() -> None:
    instance = Path(tempfile.mkdtemp(prefix="lrun", dir="/tmp"))
    elsewhere = Path(tempfile.mkdtemp(prefix="lcwd", dir="/tmp"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "LAUREL_SECRET_KEY")}
    env.update(LAUREL_INSTANCE=str(instance), PORT=str(port))
    laurel = str(Path(sys.executable).with_name("laurel"))
    proc = subprocess.Popen([laurel, "run"], cwd=elsewhere, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:  # noqa: S310
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "laurel run did not answer within 120 s"
                time.sleep(0.5)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # web (gunicorn master + workers) and the RQ worker
        redis = _embedded_redis(instance)
        assert len(redis) == 1
        assert (instance / "laurel.db").exists() and (instance / "dev-secret-key").exists()

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs([*children, *redis], timeout=15)
        assert not alive, [p.pid for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(instance, ignore_errors=True)
        shutil.rmtree(elsewhere, ignore_errors=True)
