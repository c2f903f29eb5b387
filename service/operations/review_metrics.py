"""How reviewing goes: pre-score agreement with decisions, approval rates, time in queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Badge, Review, Submission, User

AGREES = {"likely_pass": ("approve",), "likely_fail": ("reject", "request_changes")}


@dataclass(frozen=True)
class BadgeMetrics:
    """Per badge: decisions, AUROC of the pre-score against approval, band agreement, queue time."""

    badge_id: str
    badge_name: str
    decisions: int
    auroc: float | None
    band_agreement: float | None
    banded: int
    median_hours_to_decision: float | None


@dataclass(frozen=True)
class ReviewerMetrics:
    """Per reviewer: decisions and the share that approved."""

    name: str
    decisions: int
    approval_rate: float


def auroc(scores: list[float], positive: list[bool]) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def badge_metrics(session: Session) -> list[BadgeMetrics]:
    """Metrics for every badge that has decisions, by name (time in queue: current versions only)."""
    rows = session.execute(
        select(Review.decision, Review.prescore_score, Review.prescore_band, Review.created_at,
               Review.submission_id, Submission.submitted_at, Badge.id, Badge.name,
               Review.version == Submission.version)
        .join(Submission, Submission.id == Review.submission_id).join(Badge, Badge.id == Submission.badge_id)
        .order_by(Review.created_at)
    ).all()
    by_badge: dict[tuple[str, str], list[tuple[str, float | None, str | None, datetime, str, datetime | None]]]
    by_badge = defaultdict(list)
    for decision, score, band, at, sid, submitted, bid, name, current in rows:
        # submitted_at is the current version's: an earlier version's wait cannot be measured from it.
        by_badge[(bid, name)].append((decision, score, band, at, sid, submitted if current else None))
    out = []
    for (bid, name), items in by_badge.items():
        scored = [(s, d == "approve") for d, s, *_ in items if s is not None]
        banded = [(b, d) for d, _, b, *_ in items if b in AGREES]
        first: dict[str, float] = {}
        for _, _, _, at, sid, submitted in items:
            if submitted is not None and sid not in first:
                first[sid] = max(0.0, (at - submitted).total_seconds() / 3600)
        out.append(BadgeMetrics(
            badge_id=bid, badge_name=name, decisions=len(items),
            auroc=auroc([s for s, _ in scored], [p for _, p in scored]),
            band_agreement=(sum(d in AGREES[b] for b, d in banded) / len(banded)) if banded else None,
            banded=len(banded), median_hours_to_decision=median(first.values()) if first else None))
    return sorted(out, key=lambda m: m.badge_name.lower())


def reviewer_metrics(session: Session) -> list[ReviewerMetrics]:
    """Decisions and approval rate per reviewer, most active first."""
    rows = session.execute(select(User.name, Review.decision).join(User, User.id == Review.reviewer_id)).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, decision in rows:
        counts[name][0] += 1
        counts[name][1] += decision == "approve"
    return sorted((ReviewerMetrics(name=n, decisions=c[0], approval_rate=c[1] / c[0]) for n, c in counts.items()),
                  key=lambda m: (-m.decisions, m.name))
