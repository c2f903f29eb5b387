"""Server time of the reviewer queue page (/review) with 10,000 and then 100,000 pending submissions.

Bulk-inserts scored submissions (20 badges, 5 departments, 5,000 learners, random pre-scores,
bands, ages up to 10 days and a few flags) with plain SQL into a temporary SQLite database
migrated with service.migrate.upgrade, signs a reviewer in through the real login form, then
times GET /review with the Flask test client (in-process, so it is the server's time: routing,
queries, template). For each case: median and p95 of 20 requests after one warm-up:

* first page (clear cases first), a deep page (cursor from the middle of the queue),
* first page oldest-first, first page filtered by one department and one flag.

With --index it also repeats the runs after creating, from the benchmark itself, the two indexes
the queue's orders can walk (INDEXES below; the migration is the lead's call).

Rerun from the repository root (about 1-3 minutes on 2 cores):

    .venv/bin/python benchmarks/review_queue.py
    .venv/bin/python benchmarks/review_queue.py --sizes 10000 --index     # quicker
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-123"
# What the queue's two orders need (proposed to the lead as a migration): the "clear cases
# first" key exactly as service.operations.insights writes it, and (submitted_at, id).
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_submissions_queue_clear ON submissions ("
    "(CASE WHEN band = 'likely_pass' THEN 0 WHEN band = 'likely_fail' THEN 1 ELSE 2 END), "
    "(-coalesce(score, -1.0)), submitted_at, id)",
    "CREATE INDEX IF NOT EXISTS ix_submissions_queue_age ON submissions (submitted_at, id)",
)
FLAGS = ("near_duplicate", "too_little_text", "keyword_stuffing")
FMT = "%Y-%m-%d %H:%M:%S.%f"


def _seed(conn: sqlite3.Connection, rng: random.Random, now: datetime) -> dict[str, Any]:
    stamp = now.strftime(FMT)
    depts = [(str(uuid.uuid4()), f"Department {i}") for i in range(5)]
    conn.executemany("INSERT INTO departments (id, name, priority_skills) VALUES (?, ?, '[]')", depts)
    badges = [str(uuid.uuid4()) for _ in range(20)]
    conn.executemany(
        "INSERT INTO badges (id, slug, name, description, badge_type, tier, skills, criteria_narrative, "
        "evidence_prompt, \"references\", status, rubric_version, required_approvals, created_at, updated_at) "
        "VALUES (?, ?, ?, '', 'skill', 'foundation', '[]', '', '', '[]', 'active', 1, ?, ?, ?)",
        [(b, f"bench-{i}", f"Bench badge {i}", 2 if i % 5 == 0 else 1, stamp, stamp) for i, b in enumerate(badges)])
    learners = [str(uuid.uuid4()) for _ in range(5000)]
    conn.executemany(
        "INSERT INTO users (id, email, name, role, department_id, identifier_salt, goals, active, created_at) "
        "VALUES (?, ?, ?, 'learner', ?, 'salt', '{}', 1, ?)",
        [(u, f"l{i}@bench.example", f"Learner {i}", depts[i % 5][0], stamp) for i, u in enumerate(learners)])
    from service.auth import hash_password

    reviewer = str(uuid.uuid4())
    conn.execute("INSERT INTO users (id, email, name, role, password_hash, identifier_salt, goals, active, "
                 "created_at) VALUES (?, 'reviewer@bench.example', 'Bench Reviewer', 'reviewer', ?, 'salt', "
                 "'{}', 1, ?)", (reviewer, hash_password(PASSWORD), stamp))
    conn.commit()
    return {"badges": badges, "learners": learners, "departments": depts}


def _add_submissions(conn: sqlite3.Connection, seed: dict[str, Any], count: int, rng: random.Random,
                     now: datetime) -> None:
    def rows():  # type: ignore[no-untyped-def]
        for _ in range(count):
            score = rng.random()
            band = "likely_pass" if score >= 0.8 else ("likely_fail" if score < 0.25 else "needs_review")
            flags = [{"code": rng.choice(FLAGS), "message": "bench"}] if rng.random() < 0.1 else []
            prescore = json.dumps({"score": score, "band": band, "flags": flags, "criteria": []})
            at = (now - timedelta(seconds=rng.uniform(0, 10 * 86400))).strftime(FMT)
            yield (str(uuid.uuid4()), rng.choice(seed["badges"]), rng.choice(seed["learners"]), at, at, at,
                   score, band, rng.random(), prescore, at)

    conn.executemany(
        "INSERT INTO submissions (id, badge_id, learner_id, status, version, statement, links, created_at, "
        "submitted_at, updated_at, score, band, confidence, prescore, scored_at, scoring_attempts) "
        "VALUES (?, ?, ?, 'scored', 1, 'Bench evidence.', '[]', ?, ?, ?, ?, ?, ?, ?, ?, 0)", rows())
    conn.commit()


def _time(client: Any, url: str, runs: int = 20) -> tuple[float, float, int]:
    client.get(url)  # warm-up
    times = []
    rows = 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        rows = response.get_data(as_text=True).count('name="submission_id"')
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], rows


def _deep_cursor(conn: sqlite3.Connection) -> str:
    (total,) = conn.execute("SELECT count(*) FROM submissions WHERE status = 'scored'").fetchone()
    row = conn.execute(
        "SELECT id FROM submissions WHERE status = 'scored' ORDER BY CASE band WHEN 'likely_pass' THEN 0 "
        "WHEN 'likely_fail' THEN 1 ELSE 2 END, coalesce(score, -1) DESC, submitted_at, id LIMIT 1 OFFSET ?",
        (total // 2,)).fetchone()
    return str(row[0])


def _deep_oldest_cursor(conn: sqlite3.Connection) -> str:
    (total,) = conn.execute("SELECT count(*) FROM submissions WHERE status = 'scored'").fetchone()
    row = conn.execute("SELECT id FROM submissions WHERE status = 'scored' ORDER BY submitted_at, id "
                       "LIMIT 1 OFFSET ?", (total // 2,)).fetchone()
    return str(row[0])


def _measure(client: Any, conn: sqlite3.Connection, seed: dict[str, Any], label: str) -> None:
    dept = seed["departments"][0][0]
    cases = [("first page", "/review"), ("deep page (cursor, middle)", f"/review?cursor={_deep_cursor(conn)}"),
             ("oldest first", "/review?sort=oldest"),
             ("oldest first, deep page", f"/review?sort=oldest&cursor={_deep_oldest_cursor(conn)}"),
             ("department + flag filter", f"/review?department={dept}&flag=near_duplicate")]
    for name, url in cases:
        median, p95, rows = _time(client, url)
        print(f"{label:>26} | {name:<28} | median {median:7.1f} ms | p95 {p95:7.1f} ms | {rows} rows")


def main() -> None:
    """Build the databases, time the queue, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="pending submission counts, ascending")
    parser.add_argument("--index", action="store_true", help="also time with a benchmark-made index")
    args = parser.parse_args()
    from service.app import create_app
    from service.migrate import upgrade
    from service.runtime import build_runtime, install_runtime
    from service.settings import Settings

    rng = random.Random(7)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="laurel-queue-bench") as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        seed = _seed(conn, rng, now)
        settings = Settings(instance_path=Path(folder), database_url=url, redis_url=None,
                            secret_key="bench-secret-key-bench-secret-key", login_rate_limit="1000/minute")
        runtime = build_runtime(settings)
        install_runtime(runtime)
        app = create_app(settings, runtime)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        login = client.post("/login", data={"email": "reviewer@bench.example", "password": PASSWORD,
                                            "csrf_token": token.group(1) if token else ""})
        assert login.status_code == 302, login.status_code
        have = 0
        for size in (int(s) for s in args.sizes.split(",")):
            start = time.perf_counter()
            _add_submissions(conn, seed, size - have, rng, now)
            have = size
            conn.execute("ANALYZE")
            conn.commit()
            print(f"# {size:,} pending submissions (inserted in {time.perf_counter() - start:.1f} s)")
            _measure(client, conn, seed, f"{size:,} pending")
            if args.index:
                for statement in INDEXES:
                    conn.execute(statement)
                conn.execute("ANALYZE")
                conn.commit()
                _measure(client, conn, seed, f"{size:,} + indexes")
                conn.execute("DROP INDEX ix_submissions_queue_clear")
                conn.execute("DROP INDEX ix_submissions_queue_age")
                conn.commit()
        conn.close()
        runtime.db.engine.dispose()


if __name__ == "__main__":
    main()
