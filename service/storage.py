"""Content-addressed file storage: uploads are kept under their SHA-256, never their name."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Protocol

_DIGEST = re.compile(r"[0-9a-f]{64}")
_TEMP_DIR = ".tmp"


class StorageError(Exception):
    """A file could not be stored or found."""


class InvalidDigest(StorageError, ValueError):
    """The digest is not 64 lower-case hex characters (it may be a path-traversal attempt)."""


class MissingFile(StorageError, LookupError):
    """No file is stored under that digest."""


class FileStore(Protocol):
    """Where uploaded files live, addressed by the SHA-256 hex digest of their bytes."""

    def put(self, data: bytes) -> str:
        """Store bytes (idempotent) and return their digest."""
        ...

    def open(self, digest: str) -> BinaryIO:
        """A binary reader of the stored file; raises InvalidDigest or MissingFile."""
        ...

    def read(self, digest: str) -> bytes:
        """The stored bytes; raises InvalidDigest or MissingFile."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether a file is stored under the digest; raises InvalidDigest."""
        ...

    def delete(self, digest: str) -> None:
        """Remove the file if present; raises InvalidDigest."""
        ...


def digest_of(data: bytes) -> str:
    """The SHA-256 hex digest used as a file's address."""
    return hashlib.sha256(data).hexdigest()


def validate_digest(digest: str) -> str:
    """Return the digest if it is 64 lower-case hex characters; raises InvalidDigest."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise InvalidDigest(f"not a SHA-256 hex digest: {digest!r:.80}")
    return digest


class LocalFileStore:
    """A FileStore in a local folder, sharded as ``ab/cd/<digest>``.

    Writes go to a temporary file in the same folder tree, are flushed to disk, then renamed
    into place, so a crash never leaves a partial file under a digest.
    """

    def __init__(self, root: Path) -> None:
        """Use ``root`` (created if missing) for the files."""
        self.root = Path(root)
        (self.root / _TEMP_DIR).mkdir(parents=True, exist_ok=True)

    def path_for(self, digest: str) -> Path:
        """The file's path (it may not exist); raises InvalidDigest."""
        validate_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store bytes atomically and idempotently; returns their digest; raises StorageError."""
        digest = digest_of(data)
        target = self.path_for(digest)
        if target.is_file():
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Again here, not only at start-up: a shared volume may have been emptied meanwhile.
            (self.root / _TEMP_DIR).mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=self.root / _TEMP_DIR, prefix="put-")
        except OSError as exc:
            raise StorageError(f"cannot write to {self.root}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise StorageError(f"cannot store file {digest}: {exc}") from exc
        _fsync_dir(target.parent)
        return digest

    def open(self, digest: str) -> BinaryIO:
        """A binary reader of the stored file; raises InvalidDigest or MissingFile."""
        try:
            return self.path_for(digest).open("rb")
        except FileNotFoundError as exc:
            raise MissingFile(f"no stored file {digest}") from exc

    def read(self, digest: str) -> bytes:
        """The stored bytes; raises InvalidDigest or MissingFile."""
        with self.open(digest) as stream:
            return stream.read()

    def exists(self, digest: str) -> bool:
        """Whether a file is stored under the digest; raises InvalidDigest."""
        return self.path_for(digest).is_file()

    def delete(self, digest: str) -> None:
        """Remove the file if present (idempotent); raises InvalidDigest."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(digest).unlink()

    def sweep_temporary(self, older_than_s: float = 3600.0) -> int:
        """Delete temporary files left by writers that died; returns how many were removed."""
        cutoff = time.time() - older_than_s
        removed = 0
        for leftover in (self.root / _TEMP_DIR).iterdir():
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        return removed


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not all platforms allow opening a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
