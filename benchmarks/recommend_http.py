"""Recommendations through HTTP at 100,000 badges and 1,000,000 learners (synthetic).

The catalogue, the histories and the badge vectors come from benchmarks/recommend_speed.py's
generator. The database holds every badge, every learner and every award; a worker-style
snapshot (HNSW index, co-occurrence model, catalogue) is written where `laurel web` looks for
it; then `laurel web` (gunicorn, one process) answers GET /api/v1/learners/<id>/recommendations
for randomly chosen learners, one request at a time, over loopback. Prints p50/p95/p99 of the
HTTP round trip, after a warm-up that loads the snapshot.

Rerun from the repository root (about 5-10 minutes on 2 cores, most of it loading the database):

    .venv/bin/python benchmarks/recommend_http.py
    .venv/bin/python benchmarks/recommend_http.py --badges 20000 --learners 100000   # quick
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from recommend_speed import make_badges, make_catalog, make_histories  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load_database(path: Path, ids: list[str], catalog: object, items: np.ndarray, offsets: np.ndarray,
                   learners: int, sample: np.ndarray) -> dict[int, tuple[str, str]]:
    """Bulk-load badges, learners and awards with plain SQL (the ORM would take an hour)."""
    from service.migrate import upgrade

    upgrade(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.executemany(
        "INSERT INTO badges (id, slug, name, description, badge_type, tier, skills, criteria_narrative, "
        "evidence_prompt, \"references\", status, rubric_version, required_approvals, created_at, updated_at) "
        "VALUES (?, ?, ?, '', 'skill', ?, '[]', '', '', '[]', 'active', 1, 1, ?, ?)",
        ((b, f"b-{b}", catalog[b].title, catalog[b].level, now, now) for b in ids),  # type: ignore[index]
    )
    user_ids = [str(uuid.UUID(int=i + 1)) for i in range(learners)]
    conn.executemany(
        "INSERT INTO users (id, email, name, role, identifier_salt, goals, active, created_at) "
        "VALUES (?, ?, ?, 'learner', 'salt', '{}', 1, ?)",
        ((u, f"l{i}@bench.example", f"Learner {i}", now) for i, u in enumerate(user_ids)),
    )

    def awards():  # type: ignore[no-untyped-def]
        for learner in range(learners):
            for pos in range(offsets[learner], offsets[learner + 1]):
                yield (f"{learner}-{pos}", ids[items[pos]], user_ids[learner], now)

    conn.executemany(
        "INSERT INTO awards (id, badge_id, learner_id, issued_at, source) VALUES (?, ?, ?, ?, 'demo')", awards()
    )
    tokens: dict[int, tuple[str, str]] = {}
    for learner in sample.tolist():
        token = f"lrl_bench{learner}"
        conn.execute(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) VALUES (?, ?, 'b', ?, ?, ?)",
            (str(uuid.uuid4()), user_ids[learner], hashlib.sha256(token.encode()).hexdigest(), token[:12], now),
        )
        tokens[learner] = (user_ids[learner], token)
    conn.commit()
    conn.close()
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    workdir = Path(tempfile.mkdtemp(prefix="lrec", dir="/tmp"))
    clusters = max(10, args.badges // 100)
    vectors, cluster = make_badges(args.badges, clusters, rng)
    ids = [f"badge-{i}" for i in range(args.badges)]
    catalog = make_catalog(ids, cluster, rng)
    items, users, offsets = make_histories(args.learners, cluster, clusters, rng)
    sample = rng.choice(args.learners, size=args.requests, replace=False)

    t0 = time.perf_counter()
    tokens = _load_database(workdir / "laurel.db", ids, catalog, items, offsets, args.learners, sample)
    load_s = time.perf_counter() - t0

    from recommender.history import CoOccurrence
    from recommender.index import BadgeIndex
    from service.operations.recommendations import save_snapshot
    from service.settings import Settings

    settings = Settings.from_env({"LAUREL_INSTANCE": str(workdir), "LAUREL_SECRET_KEY": "bench"})
    t0 = time.perf_counter()
    index = BadgeIndex.build(ids, vectors, model_version="synthetic")
    cooc = CoOccurrence.fit_arrays(ids, items, users)
    save_snapshot(settings, index, cooccurrence=cooc, catalog=dict(catalog.items()),
                  names={b: catalog[b].title for b in ids}, popular={})
    build_s = time.perf_counter() - t0

    port = _free_port()
    env = dict(os.environ, LAUREL_INSTANCE=str(workdir), LAUREL_SECRET_KEY="bench", PORT=str(port))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    web = subprocess.Popen([sys.executable, "-m", "service.cli", "web", "--bind", f"127.0.0.1:{port}",
                            "--workers", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)

        def get(learner: int) -> dict[str, object]:
            user_id, token = tokens[learner]
            req = urllib.request.Request(f"{base}/api/v1/learners/{user_id}/recommendations?k=10",
                                         headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310
                body: dict[str, object] = json.loads(resp.read())
                return body

        t0 = time.perf_counter()
        first = get(int(sample[0]))
        warm_s = time.perf_counter() - t0
        assert first["items"], first
        times = []
        for learner in sample.tolist():
            t0 = time.perf_counter()
            get(learner)
            times.append(time.perf_counter() - t0)
    finally:
        web.terminate()
        web.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    arr = np.asarray(times) * 1e3
    print(json.dumps({
        "badges": args.badges, "learners": args.learners, "awards": int(len(items)),
        "database_load_s": round(load_s, 1), "index_and_model_build_s": round(build_s, 1),
        "index_kind": index.kind, "first_request_s (loads the snapshot)": round(warm_s, 2),
        "requests": len(times), "http_p50_ms": round(float(np.percentile(arr, 50)), 1),
        "http_p95_ms": round(float(np.percentile(arr, 95)), 1), "http_p99_ms": round(float(np.percentile(arr, 99)), 1),
    }, indent=2))


if __name__ == "__main__":
    main()
