"""Settings: read from the environment once, in one place, into a frozen dataclass."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assessment.extraction import UploadLimits


@dataclass(frozen=True)
class Settings:
    """Everything a Laurel process needs to know about its deployment."""

    instance_path: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    secret_is_generated: bool = False
    base_url: str = "http://127.0.0.1:5000"
    port: int = 5000
    organisation_name: str = "Laurel"
    queue_name: str = "laurel"
    upload_limits: UploadLimits = field(default_factory=UploadLimits)
    scoring_lease_seconds: int = 300
    verify_rate_limit: str = "30/minute"
    login_rate_limit: str = "10/minute"
    smtp_url: str | None = None  # smtp://user:password@host:587 (STARTTLS) or smtps://...:465
    mail_from: str = "Laurel <no-reply@laurel.invalid>"
    testing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``).

        Without ``LAUREL_SECRET_KEY`` a development secret is generated once and kept in the
        instance folder, so restarts keep the same keys (and encrypted signing keys stay
        readable).
        """
        env = os.environ if env is None else env
        instance = Path(env.get("LAUREL_INSTANCE", "instance")).resolve()
        port = int(env.get("PORT", "5000"))
        secret = env.get("LAUREL_SECRET_KEY", "")
        generated = False
        if not secret:
            secret, generated = _development_secret(instance), True
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'laurel.db'}"
        return cls(
            instance_path=instance,
            database_url=_normalise_database_url(database_url),
            redis_url=env.get("REDIS_URL") or None,
            secret_key=secret,
            secret_is_generated=generated,
            base_url=env.get("LAUREL_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            port=port,
            queue_name=env.get("LAUREL_QUEUE", "laurel"),
            smtp_url=env.get("LAUREL_SMTP_URL") or None,
            mail_from=env.get("LAUREL_MAIL_FROM", "Laurel <no-reply@laurel.invalid>"),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests, CLI flags)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def uploads_path(self) -> Path:
        """Folder of the local content-addressed file store."""
        return self.instance_path / "uploads"

    @property
    def index_path(self) -> Path:
        """Folder where recommender index snapshots are written by workers."""
        return self.instance_path / "indexes"


def _normalise_database_url(url: str) -> str:
    # Heroku-style and plain postgres URLs mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance: Path) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        return value
