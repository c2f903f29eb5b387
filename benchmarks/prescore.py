"""Pre-scoring throughput under a burst, end to end, against raw model.encode on the same texts.

A burst of realistic submissions goes through the real HTTP API (gunicorn), Redis and ONE
`laurel worker` process; the script prints submissions scored per second, p50/p95 time from
submit to scored, the worker's peak memory, and raw ``model.encode`` throughput on the same
texts the worker encodes during the burst, timed in the same run just before the burst and
again just after it (the shared machine's speed drifts; the ratio uses the mean of the two).
``after_submissions_end_vs_raw`` is a diagnostic beside the target: the same ratio counted only
once every submission is in, when the API and the clients no longer share the cores.

After the burst, a global calibration learnt from the demo's labelled sample evidence is stored
and the same worker's background pass pre-scores the now undecided queue again with it, as after
reviewers' decisions; ``rescore_after_refit`` gives how many and how fast.

Rerun (about 3 minutes a run on 2 cores; the machine's drift moves the ratio by +-0.1 from run
to run, so judge the target by the median of several runs):

    .venv/bin/python benchmarks/prescore.py --submissions 500 --runs 5

Uses DATABASE_URL / REDIS_URL when set, else a temporary SQLite file and an embedded Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Each run sets REDIS_URL etc. in os.environ for the code it imports; the next run starts
# from the caller's environment, not from the last run's embedded Redis.
CALLER_ENV = dict(os.environ)
DEMO = ROOT / "service" / "demo" / "catalogue.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(badge key, evidence) pairs: the demo's sample evidence, recombined sentence by sentence."""
    catalogue = json.loads(DEMO.read_text(encoding="utf-8"))
    pools: dict[str, list[str]] = {}
    for key, sample in catalogue["sample_evidence"].items():
        sentences = [s.strip() + "." for t in sample["strong"] + sample["weak"] for s in t.split(". ") if s.strip()]
        pools[key] = sentences
    keys = sorted(pools)
    out = []
    for i in range(n):
        key = keys[i % len(keys)]
        k = min(len(pools[key]), rng.randint(6, 12))
        out.append((key, " ".join(rng.sample(pools[key], k))))
    return out


def _call(base: str, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    req = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback
        data: dict[str, Any] = json.loads(resp.read())
        return data


def _peak_rss(pid: int, stop: threading.Event, out: list[int]) -> None:
    import psutil

    proc = psutil.Process(pid)
    peak = 0
    while not stop.is_set():
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    out.append(peak)


def _cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU seconds of ``pid`` (and, by default, its live children)."""
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in (proc, *(proc.children(recursive=True) if children else ())):
        t = p.cpu_times()
        total += t.user + t.system
    return total


def _wait_for_worker(redis_url: str, worker: subprocess.Popen[bytes]) -> None:
    """Block until the worker has loaded the model and registered with Redis."""
    from redis import Redis
    from rq import Worker

    conn = Redis.from_url(redis_url)
    while not Worker.all(connection=conn):
        if worker.poll() is not None:
            raise SystemExit("the worker exited during start-up")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the whole burst (fresh database and processes each time) and summarise")
    args = parser.parse_args()
    if args.runs > 1 and CALLER_ENV.get("DATABASE_URL"):
        parser.error("--runs needs the default fresh SQLite database per run (unset DATABASE_URL)")
    results = []
    for run in range(args.runs):
        results.append(_run_once(args.submissions, run))
        print(json.dumps(results[-1], indent=2), flush=True)
    if len(results) > 1:
        summary: dict[str, Any] = {"runs": len(results)}
        for key in ("end_to_end_vs_raw", "after_submissions_end_vs_raw", "scored_per_second",
                    "raw_encode_submissions_per_second"):
            values = sorted(r[key] for r in results)
            summary[key] = {"median": round(statistics.median(values), 3), "min": values[0], "max": values[-1],
                            "each": [r[key] for r in results]}
        print(json.dumps({"summary": summary}, indent=2))


def _run_once(submissions: int, run: int) -> dict[str, Any]:
    """One burst on a fresh instance folder, web and worker; returns its figures."""
    rng = random.Random(11)
    workdir = Path(tempfile.mkdtemp(prefix="lbench", dir="/tmp"))
    port = _free_port()
    env = dict(
        CALLER_ENV,
        LAUREL_INSTANCE=str(workdir),
        PORT=str(port),
        LAUREL_SECRET_KEY="bench-secret",
        LAUREL_BASE_URL=f"http://127.0.0.1:{port}",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        LAUREL_QUEUE=f"bench-{os.getpid()}-{run}",
    )
    server = None
    if not env.get("REDIS_URL"):
        from service.embedded_redis import start_embedded_redis

        server, env["REDIS_URL"] = start_embedded_redis(workdir / "redis")
    os.environ.update(env)
    from sqlalchemy import select

    from service.auth import issue_api_token
    from service.migrate import upgrade
    from service.models import Badge, Submission
    from service.operations.badges import create_badge
    from service.operations.users import create_user
    from service.runtime import build_runtime
    from service.settings import Settings

    settings = Settings.from_env(env)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    catalogue = json.loads(DEMO.read_text(encoding="utf-8"))
    texts = _texts(submissions, rng)
    now = datetime.now(UTC)
    with runtime.db.unit_of_work() as session:
        wanted = {k for k, _ in texts}
        for b in catalogue["badges"]:
            if b["key"] in wanted:
                create_badge(
                    session,
                    actor=None,
                    now=now,
                    data={  # type: ignore[arg-type]
                        "slug": b["key"],
                        "name": b["name"],
                        "description": b["description"],
                        "type": b["type"],
                        "tier": b["tier"],
                        "skills": b["skills"],
                        "references": b.get("references", []),
                        "criteria": [{"title": c["title"], "description": c["description"]} for c in b["criteria"]],
                    },
                )
        tokens = []
        for i in range(len(texts)):
            user = create_user(session, email=f"bench{i}@northwind.example", role="learner", now=now)
            tokens.append(issue_api_token(session, user=user, now=now))
    with runtime.db.sessions() as session:
        slugs = {b.slug: b.id for b in session.scalars(select(Badge))}

    laurel = [sys.executable, "-m", "service.cli"]
    web = subprocess.Popen(
        [*laurel, "web", "--bind", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    worker = subprocess.Popen([*laurel, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        _wait_for_worker(env["REDIS_URL"], worker)
        raw_batches = _raw_batches(runtime, texts, slugs)
        raw_before = _raw_encode_rate(raw_batches, len(texts))
        stop, peak = threading.Event(), []  # type: ignore[var-annotated]
        threading.Thread(target=_peak_rss, args=(worker.pid, stop, peak), daemon=True).start()

        cpu_before = _cpu_seconds(web.pid), _cpu_seconds(worker.pid), _cpu_seconds(os.getpid(), children=False)
        t0 = time.time()
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(
                pool.map(
                    lambda it: _call(
                        base, "/api/v1/submissions", {"badge_id": slugs[it[1][0]], "statement": it[1][1]}, tokens[it[0]]
                    )["id"],
                    enumerate(texts),
                )
            )
        submit_done = time.time() - t0
        while True:
            with runtime.db.sessions() as session:
                left = session.scalar(
                    select(Submission.id).where(Submission.status.in_(("queued", "scoring"))).limit(1)
                )
            if left is None:
                break
            time.sleep(0.5)
        stop.set()
        cpu_after = _cpu_seconds(web.pid), _cpu_seconds(worker.pid), _cpu_seconds(os.getpid(), children=False)
        with runtime.db.sessions() as session:
            rows = session.execute(
                select(Submission.submitted_at, Submission.scored_at, Submission.status).where(Submission.id.in_(ids))
            ).all()
        rescore = _rescore_after_refit(runtime, catalogue, slugs, worker.pid)
    finally:
        worker.terminate()
        web.terminate()
        worker.wait(timeout=30)
        web.wait(timeout=30)
    latencies = sorted((r.scored_at - r.submitted_at).total_seconds() for r in rows if r.scored_at)
    first = min(r.submitted_at for r in rows)
    last = max(r.scored_at for r in rows if r.scored_at)
    wall = (last - first).total_seconds()
    e2e_rate = len(latencies) / wall
    # Diagnostic, not the target: the rate once every submission is in, when the worker no
    # longer shares the cores with the API and the submitting clients.
    submitted_by = max(r.submitted_at for r in rows)
    after = [r for r in rows if r.scored_at and r.scored_at > submitted_by]
    steady_rate = len(after) / max((last - submitted_by).total_seconds(), 1e-9)

    # The shared machine's speed drifts over minutes: raw encode is timed just before and just
    # after the burst, and the burst is compared with their mean.
    raw_after = _raw_encode_rate(raw_batches, len(texts))
    raw_rate = (raw_before + raw_after) / 2
    figures = {
        "submissions": len(ids),
        "scored": len(latencies),
        "failed": sum(r.status != "scored" for r in rows),
        "submit_seconds": round(submit_done, 2),
        "burst_seconds": round(wall, 2),
        "scored_per_second": round(e2e_rate, 2),
        "latency_p50_s": round(statistics.median(latencies), 2),
        "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "worker_peak_rss_mb": round(peak[0] / 2**20, 1) if peak else None,
        "raw_encode_before_after": [round(raw_before, 2), round(raw_after, 2)],
        "raw_encode_submissions_per_second": round(raw_rate, 2),
        "raw_encode_texts": sum(len(b) for b in raw_batches),
        # Where the burst's CPU went: web (gunicorn and its workers), the scoring worker, and
        # this script (the submitting clients and the polling).
        "cpu_seconds_web_worker_clients": [round(a - b, 1) for a, b in zip(cpu_after, cpu_before, strict=True)],
        "end_to_end_vs_raw": round(e2e_rate / raw_rate, 3),
        "after_submissions_end_vs_raw": round(steady_rate / raw_rate, 3),
        "rescore_after_refit": rescore,
    }
    if server is not None:
        server.shutdown()
    shutil.rmtree(workdir, ignore_errors=True)
    return figures


def _rescore_after_refit(runtime: Any, catalogue: dict[str, Any], slugs: dict[str, str], worker_pid: int
                         ) -> dict[str, Any]:
    """Store a learnt global calibration and time the worker's background pass that pre-scores
    the undecided queue again with it."""
    from redis import Redis
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from assessment import GradedExample, fit_calibration
    from assessment.evidence import Segment
    from embeddings import default_encoder
    from service.models import Badge
    from service.operations.calibration import store_calibration
    from service.operations.scoring import badge_item
    from service.queue import enqueue_rescoring

    with runtime.db.sessions() as session:
        badges = {key: session.get(Badge, bid) for key, bid in slugs.items()}
        examples = [GradedExample(item=badge_item(badges[key], item_id=f"{key}-{kind}-{i}", owner=f"{key}-{i}",
                                                  segments=(Segment(text=text, source="statement"),)),
                                  score=1.0 if kind == "strong" else 0.0)
                    for key, sample in catalogue["sample_evidence"].items() if key in badges
                    for kind in ("strong", "weak") for i, text in enumerate(sample[kind])]
    calibration = fit_calibration(examples, default_encoder())
    with runtime.db.unit_of_work() as session:
        store_calibration(session, calibration=calibration, badge_id=None, examples=len(examples),
                          now=datetime.now(UTC))
    connection = Redis.from_url(runtime.settings.redis_url)
    cpu_before = _cpu_seconds(worker_pid)
    job_id = enqueue_rescoring(connection, runtime.settings.queue_name)
    if job_id is None:
        raise SystemExit("a rescoring pass was already waiting: run the benchmark on a queue of its own")
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    while job.get_status(refresh=True) not in ("finished", "failed"):
        time.sleep(0.2)
    job.refresh()
    seconds = (job.ended_at - job.started_at).total_seconds() if job.ended_at and job.started_at else None
    result = job.return_value() or {}
    return {"taught_by": len(examples), **result, "seconds": round(seconds, 2) if seconds else None,
            "per_second": round(result.get("rescored", 0) / seconds, 1) if seconds else None,
            "worker_cpu_seconds": round(_cpu_seconds(worker_pid) - cpu_before, 1)}


def _raw_batches(runtime: Any, texts: list[tuple[str, str]], slugs: dict[str, str]) -> list[list[str]]:
    """The texts the scorer encodes during the burst (chunks, rubric targets, content words),
    in the worker's batches of 32. The rubric texts the worker encoded at start-up, before the
    burst, are left out, as are repeats the worker's cache skips."""
    import numpy as np
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from assessment import Segment
    from assessment.featurize import encode_items, rubric_texts
    from embeddings import EMBEDDING_DIM
    from service.models import Badge
    from service.operations.scoring import badge_item, warm_up_inputs

    class Recorder:
        version, dim = "record", EMBEDDING_DIM

        def __init__(self) -> None:
            self.texts: list[str] = []

        def encode(self, texts: Any) -> np.ndarray:
            self.texts.extend(texts)
            return np.zeros((len(texts), EMBEDDING_DIM), np.float32)

    with runtime.db.sessions() as session:
        badges = {b.id: b for b in session.scalars(select(Badge).options(selectinload(Badge.criteria)))}
        items = [badge_item(badges[slugs[key]], item_id=str(i), segments=(Segment(text=text, source="statement"),))
                 for i, (key, text) in enumerate(texts)]
        warm_items, warm_words = warm_up_inputs(session)
    batches: list[list[str]] = []
    seen = {t for it in warm_items for t in rubric_texts(it)} | set(warm_words)
    for start in range(0, len(items), 32):
        recorder = Recorder()
        encode_items(items[start:start + 32], recorder)  # type: ignore[arg-type]
        fresh = [t for t in dict.fromkeys(recorder.texts) if t not in seen]
        seen.update(fresh)
        batches.append(fresh)
    return batches


def _raw_encode_rate(batches: list[list[str]], n_items: int) -> float:
    """Submissions per second when only model.encode runs on ``batches``."""
    from embeddings import MiniLMEncoder

    encoder = MiniLMEncoder()  # loaded once per process
    encoder.encode(["warm up"])
    t0 = time.perf_counter()
    for texts in batches:
        encoder.encode(texts)
    return n_items / (time.perf_counter() - t0)


if __name__ == "__main__":
    main()
