"""Verification verdicts and checks: the vocabulary every verification answers in.

Verdicts, most serious first: malformed, unknown_issuer, invalid_signature, revoked, suspended,
expired, not_yet_valid, valid (see verify for when each applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERDICTS = (
    "malformed",
    "unknown_issuer",
    "invalid_signature",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "valid",
)


@dataclass(frozen=True)
class Check:
    """One verification step and its outcome."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class VerificationResult:
    """The verdict, every check made, and the credential that was read (None if unreadable)."""

    valid: bool
    status: str
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The result as the verify API answers it: {valid, status, checks[]}."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in self.checks],
        }


class CheckLog:
    """Collects checks and the failure verdicts they imply; `result` picks the verdict."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.failures: set[str] = set()

    def ok(self, name: str, message: str) -> None:
        """Record a passed check."""
        self.checks.append(Check(name, True, message))

    def fail(self, name: str, verdict: str, message: str) -> None:
        """Record a failed check and the verdict it implies."""
        self.checks.append(Check(name, False, message))
        self.failures.add(verdict)

    def result(self, credential: dict[str, Any] | None) -> VerificationResult:
        """The most serious verdict recorded (or `valid`) with every check."""
        status = next((v for v in VERDICTS if v in self.failures), "valid")
        return VerificationResult(status == "valid", status, tuple(self.checks), credential)
