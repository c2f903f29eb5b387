"""Near-identical submissions within a badge, grouped so one careful read can decide several.

Uses the document vectors the scoring worker stored (``Submission.vector``, float32 bytes,
L2-normalised) and plain numpy: the web process never loads the model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from service.models import Submission, User
from service.operations.insights import QueueFilters, queue_candidates

SIMILARITY = 0.92
# Grouping reads at most this many waiting submissions per request (the clearest first).
SCAN_LIMIT = 2000


@dataclass(frozen=True)
class Group:
    """Submissions for one badge whose evidence is near-identical (cosine >= threshold)."""

    badge_name: str
    members: list[Submission]
    min_similarity: float


def _unit_rows(vectors: list[bytes]) -> np.ndarray:
    rows = np.stack([np.frombuffer(v, dtype=np.float32) for v in vectors]).astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def cluster(vectors: list[bytes], threshold: float = SIMILARITY) -> list[list[int]]:
    """Greedy clusters of row indices: each unassigned row in order leads a cluster and takes every
    unassigned row whose cosine with it is at least ``threshold``. Singletons are included."""
    if not vectors:
        return []
    dims = {len(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError("document vectors of different sizes cannot be compared")
    unit = _unit_rows(vectors)
    sims = unit @ unit.T
    free = np.ones(len(vectors), dtype=bool)
    clusters: list[list[int]] = []
    for i in range(len(vectors)):
        if not free[i]:
            continue
        members = np.flatnonzero(free & (sims[i] >= threshold))
        members = members[members != i]
        free[members] = False
        free[i] = False
        clusters.append([i, *members.tolist()])
    return clusters


def similar_groups(submissions: list[Submission], threshold: float = SIMILARITY) -> list[Group]:
    """Groups of two or more near-identical submissions, per badge, largest first."""
    by_badge: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        if s.vector:
            by_badge[s.badge_id].append(s)
    groups: list[Group] = []
    for items in by_badge.values():
        by_size: dict[int, list[Submission]] = defaultdict(list)
        for s in items:  # vectors of another model (other size) are grouped apart
            by_size[len(s.vector or b"")].append(s)
        for same in by_size.values():
            unit = _unit_rows([s.vector or b"" for s in same])
            for idx in cluster([s.vector or b"" for s in same], threshold):
                if len(idx) < 2:
                    continue
                sub = unit[idx] @ unit[idx].T
                groups.append(Group(badge_name=same[0].badge.name, members=[same[i] for i in idx],
                                    min_similarity=float(sub.min())))
    groups.sort(key=lambda g: (-len(g.members), g.badge_name))
    return groups


def review_groups(session: Session, *, reviewer: User, filters: QueueFilters, now: datetime) -> list[Group]:
    """Near-identical groups among the submissions waiting for ``reviewer`` (queue filters apply)."""
    return similar_groups(queue_candidates(session, reviewer=reviewer, filters=filters, now=now,
                                           limit=SCAN_LIMIT))
