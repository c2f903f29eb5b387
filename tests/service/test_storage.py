"""Content-addressed local file storage: atomic, idempotent, no path tricks."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from service.storage import InvalidDigest, LocalFileStore, MissingFile, StorageError


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def test_put_stores_under_the_sha256_in_sharded_folders(store: LocalFileStore) -> None:
    data = b"evidence bytes"
    digest = store.put(data)

    assert digest == hashlib.sha256(data).hexdigest()
    assert store.path_for(digest) == store.root / digest[:2] / digest[2:4] / digest
    assert store.path_for(digest).read_bytes() == data
    assert store.read(digest) == data
    with store.open(digest) as stream:
        assert stream.read() == data
    assert store.exists(digest)


def test_put_is_idempotent_and_leaves_no_temporary_files(store: LocalFileStore) -> None:
    first = store.put(b"same")
    mtime = store.path_for(first).stat().st_mtime_ns

    assert store.put(b"same") == first
    assert store.path_for(first).stat().st_mtime_ns == mtime
    assert list((store.root / ".tmp").iterdir()) == []


def test_concurrent_puts_of_the_same_bytes_agree(store: LocalFileStore) -> None:
    data = os.urandom(1 << 20)
    digests: list[str] = []
    threads = [threading.Thread(target=lambda: digests.append(store.put(data))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(digests)) == 1
    assert store.read(digests[0]) == data


def test_delete_is_idempotent(store: LocalFileStore) -> None:
    digest = store.put(b"to delete")

    store.delete(digest)
    store.delete(digest)

    assert not store.exists(digest)
    with pytest.raises(MissingFile):
        store.read(digest)


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "ab/../../../etc/passwd" + "0" * 40,
        "A" * 64,  # upper case is not the canonical form
        "g" * 64,
        "0" * 63,
        "0" * 65,
        "0" * 64 + "\n",
        "",
    ],
)
def test_invalid_digests_are_refused_everywhere(store: LocalFileStore, bad: str) -> None:
    for operation in (store.path_for, store.exists, store.read, store.open, store.delete):
        with pytest.raises(InvalidDigest):
            operation(bad)


def test_failed_write_leaves_nothing_under_the_digest(store: LocalFileStore) -> None:
    data = b"will not fit"
    digest = hashlib.sha256(data).hexdigest()
    # A file where the shard folder should be makes the final rename fail.
    blocker = store.root / digest[:2]
    blocker.write_bytes(b"")

    with pytest.raises(StorageError):
        store.put(data)

    assert not store.exists(digest)
    assert list((store.root / ".tmp").iterdir()) == []


def test_sweep_removes_stale_temporary_files(store: LocalFileStore) -> None:
    stale = store.root / ".tmp" / "put-left-behind"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    fresh = store.root / ".tmp" / "put-in-progress"
    fresh.write_bytes(b"writing")

    assert store.sweep_temporary(older_than_s=60) == 1
    assert not stale.exists() and fresh.exists()
