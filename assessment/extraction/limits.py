"""Upload and extraction limits, set by the service's settings and passed in."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """What one submission may hold and what extracting one file may cost.

    ``memory_mb`` is the address space one extraction may add on top of the extraction
    process's idle size; ``timeout_s`` is the wall-clock limit for one file (CPU time is
    capped at the same figure).
    """

    max_file_bytes: int = 20 * MB
    max_submission_bytes: int = 50 * MB
    max_files: int = 10
    max_pages: int = 200
    max_chars: int = 500_000
    max_unzipped_bytes: int = 200 * MB
    timeout_s: float = 20.0
    memory_mb: int = 512

    def __post_init__(self) -> None:
        """Reject limits that are not positive (ValueError)."""
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"UploadLimits.{name} must be positive, got {value!r}")
