"""The `laurel` command: run, web, worker, db, user, seed-demo, batch tools, credentials, keys.

Imports stay light at the top: torch is only imported by the commands that encode text.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from service.settings import Settings

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _settings() -> Settings:
    return Settings.from_env()


def _now() -> datetime:
    return datetime.now(UTC)


@click.group()
def main() -> None:
    """Laurel: digital badges with pre-scored evidence review and Open Badges 3.0 credentials."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if not logging.getLogger().handlers:  # logs go to stderr; stdout is for the commands' output
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the latest."""
    from service.migrate import upgrade

    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database is up to date", err=True)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["learner", "reviewer", "admin"]), required=True)
@click.option("--name")
@click.option("--department")
@click.option("--password")
@click.option("--token", is_flag=True, help="Also create an API token and print it alone on the last line.")
def user_create(email: str, role: str, name: str | None, department: str | None, password: str | None,
                token: bool) -> None:
    """Create a user (and optionally an API token)."""
    from service.auth import issue_api_token
    from service.errors import LaurelError
    from service.operations.users import create_user
    from service.runtime import build_runtime

    runtime = build_runtime(_settings())
    try:
        with runtime.db.unit_of_work() as session:
            created = create_user(session, email=email, role=role, name=name, department=department,
                                  password=password, now=_now())
            secret = issue_api_token(session, user=created, now=_now()) if token else None
    except LaurelError as exc:
        raise click.ClickException(f"{exc.detail} {getattr(exc, 'errors', '') or ''}".strip()) from None
    click.echo(f"created {role} {created.email} ({created.id})")
    if secret:
        click.echo(secret)


@main.command()
@click.option("--name", required=True, help="The issuer name shown on credentials and pages.")
@click.option("--url")
@click.option("--email")
def organisation(name: str, url: str | None, email: str | None) -> None:
    """Set the organisation this deployment issues for (restart web and workers to apply)."""
    from service.models import Organisation
    from service.runtime import build_runtime

    runtime = build_runtime(_settings())
    with runtime.db.unit_of_work() as session:
        org = session.get(Organisation, 1) or Organisation(id=1, name=name)
        org.name, org.url, org.email = name.strip(), url, email
        session.add(org)
    click.echo(f"organisation: {name}")


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo organisation (deterministic; does nothing if it is already there)."""
    from service.demo_seed import seed_demo
    from service.migrate import upgrade
    from service.runtime import build_runtime

    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    summary = seed_demo(build_runtime(settings), now=_now(), echo=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(summary))


@main.command()
@click.option("--bind", default=None, help="host:port (default 0.0.0.0:$PORT)")
@click.option("--workers", default=2, show_default=True, type=int)
def web(bind: str | None, workers: int) -> None:
    """Serve the web app and API with gunicorn (the Procfile's web process)."""
    settings = _settings()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    args = [gunicorn, "--bind", bind or f"0.0.0.0:{settings.port}", "--workers", str(workers),
            "--threads", "4", "--worker-class", "gthread", "--timeout", "60",
            "--access-logfile", "-", "service.wsgi:app"]
    os.execv(gunicorn, args)  # noqa: S606 - replaces this process with gunicorn


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a scoring worker (the Procfile's worker process); the model stays loaded."""
    from service.worker import run_worker

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set (laurel run starts an embedded Redis for you).")
    run_worker(settings, burst=burst)


@main.command()
@click.option("--demo", is_flag=True, help="Load the demo organisation first.")
def run(demo: bool) -> None:
    """Everything on one machine: migrate, embedded Redis if needed, web + worker."""
    from service.migrate import upgrade

    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    if settings.secret_is_generated:
        click.echo(f"LAUREL_SECRET_KEY is not set: using a development key kept in {settings.instance_path}. "
                   "Set LAUREL_SECRET_KEY in production.", err=True)
    upgrade(settings.database_url)
    if demo:
        from service.demo_seed import seed_demo
        from service.runtime import build_runtime

        seed_demo(build_runtime(settings), now=_now(), echo=lambda m: click.echo(m, err=True))
    env = dict(os.environ, **OFFLINE_ENV, LAUREL_INSTANCE=str(settings.instance_path))
    if settings.secret_is_generated:
        env["LAUREL_SECRET_KEY"] = settings.secret_key
    server = None
    if not settings.redis_url:
        from service.embedded_redis import start_embedded_redis

        server, env["REDIS_URL"] = start_embedded_redis(settings.instance_path / "redis")
    laurel = [sys.executable, "-m", "service.cli"]
    procs = [
        subprocess.Popen([*laurel, "web", "--bind", f"127.0.0.1:{settings.port}"], env=env),
        subprocess.Popen([*laurel, "worker"], env=env),
    ]
    stopping = False

    def _stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    _announce(settings, demo)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if server is not None:
            server.shutdown()
    code = next((p.returncode for p in procs if p.returncode not in (0, -15, None)), 0)
    sys.exit(0 if stopping else code or 1)


def _announce(settings: Settings, demo: bool) -> None:
    click.echo("")
    click.echo(f"  Laurel is running at http://127.0.0.1:{settings.port}/  (Ctrl-C stops everything)")
    if demo:
        from service.demo_seed import DEMO_PASSWORD, demo_logins

        click.echo(f"  Demo logins (password {DEMO_PASSWORD}):")
        for email, role in demo_logins():
            click.echo(f"    {role:9} {email}")
    click.echo("")


def _batch_options(command: Any) -> Any:
    """The options shared by `prescore` and `backtest`."""
    for option in reversed([
        click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False)),
        click.option("--calibrate", "train_path", type=click.Path(exists=True, dir_okay=False)),
        click.option("--pass-mark", default=0.5, show_default=True, type=click.FloatRange(0, 1),
                     help="Training scores at or above this count as approvals (graded history)."),
    ]):
        command = option(command)
    return command


def _run_batch(run: Any, input_path: str, train_path: str | None, pass_mark: float) -> None:
    """Stream JSON lines through ``run``; a malformed line exits 2 naming its line."""
    from contextlib import ExitStack

    from assessment.errors import BatchInputError
    from embeddings import default_encoder

    try:
        with ExitStack() as files:
            src = files.enter_context(open(input_path, encoding="utf-8"))
            train = files.enter_context(open(train_path, encoding="utf-8")) if train_path else None
            run(src, sys.stdout, default_encoder(), train_lines=train, pass_mark=pass_mark)
    except BatchInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command()
@_batch_options
def prescore(input_path: str, train_path: str | None, pass_mark: float) -> None:
    """Pre-score evidence from JSON lines (no database or Redis): one JSON line out per line in."""
    from assessment.batch import run_prescore

    _run_batch(run_prescore, input_path, train_path, pass_mark)


@main.command()
@_batch_options
def backtest(input_path: str, train_path: str | None, pass_mark: float) -> None:
    """Pre-score lines with known outcomes and print how the pre-scorer would have done."""
    from assessment.batch import run_backtest

    _run_batch(run_backtest, input_path, train_path, pass_mark)


@main.command()
@click.option("--catalog", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--histories", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--interactions", type=click.Path(exists=True, dir_okay=False))
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000))
def recommend(catalog: str, histories: str, interactions: str | None, k: int) -> None:
    """Recommend next badges from files (no database or Redis): one JSON line per learner."""
    from embeddings import default_encoder
    from recommender.batch import run_recommend
    from recommender.errors import RecommendInputError

    try:
        with open(catalog, encoding="utf-8") as cat, open(histories, encoding="utf-8") as hist:
            inter = open(interactions, encoding="utf-8") if interactions else None  # noqa: SIM115
            try:
                run_recommend(cat, hist, sys.stdout, default_encoder(), interactions=inter, k=k)
            finally:
                if inter:
                    inter.close()
    except RecommendInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.group()
def credential() -> None:
    """Credential tools."""


@credential.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--did-doc", type=click.Path(exists=True, dir_okay=False), help="Issuer DID document (JSON).")
@click.option("--status-list", "status_lists", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Status list credential(s) (JSON).")
def credential_verify(file: str, did_doc: str | None, status_lists: tuple[str, ...]) -> None:
    """Verify a credential JSON, VC-JWT or baked image offline; exit 0 only if valid."""
    from service.offline_verify import verify_file

    result = verify_file(Path(file), did_doc=Path(did_doc) if did_doc else None,
                         status_lists=[Path(p) for p in status_lists], settings=_settings(), now=_now())
    click.echo(json.dumps(result.to_json(), indent=2))
    sys.exit(0 if result.valid else 1)


@main.group()
def keys() -> None:
    """Issuer signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; credentials signed by older keys stay verifiable."""
    from service.operations.issuer import rotate_keys
    from service.runtime import build_runtime

    runtime = build_runtime(_settings())
    with runtime.db.unit_of_work() as session:
        row = rotate_keys(session, settings=runtime.settings, now=_now())
        key_id = row.key_id
    click.echo(f"new signing key {key_id}")


if __name__ == "__main__":
    main()
