"""Batch recommendations from files: what ``laurel recommend`` runs (data in, JSON lines out).

Input formats (see DESIGN.md): catalogue lines ``{"id","title","description","skills",
"level","prerequisites"}``, history lines ``{"user_id","items"}`` (oldest first) and an
optional interactions CSV ``user_id,item_id,timestamp`` used as extra training history.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from embeddings import Encoder
from recommender.catalog import BadgeItem, Catalog, badge_text
from recommender.errors import RecommendInputError
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile
from recommender.ranking import recommend
from recommender.trending import Trending

log = logging.getLogger(__name__)

__all__ = ["RecommendInputError", "parse_catalog", "parse_histories", "run_recommend"]


def _json_object(line: str, file: str, line_no: int) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecommendInputError(file, line_no, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RecommendInputError(file, line_no, "expected a JSON object")
    return data


def _id(value: Any, file: str, line_no: int, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise RecommendInputError(file, line_no, f"{field!r} must be a non-empty string id")
    return str(value)


def _id_list(value: Any, file: str, line_no: int, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RecommendInputError(file, line_no, f"{field!r} must be a list")
    return tuple(_id(v, file, line_no, field) for v in value)


def _text(value: Any, file: str, line_no: int, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecommendInputError(file, line_no, f"{field!r} must be a string")
    return value


def parse_catalog(lines: Iterable[str], file: str = "catalog") -> Catalog:
    """Parse catalogue JSON lines into a Catalog; raises RecommendInputError on a bad line."""
    items: list[BadgeItem] = []
    seen: set[str] = set()
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        data = _json_object(line, file, line_no)
        badge_id = _id(data.get("id"), file, line_no, "id")
        if badge_id in seen:
            raise RecommendInputError(file, line_no, f"duplicate id {badge_id!r}")
        seen.add(badge_id)
        skills = data.get("skills") or []
        if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
            raise RecommendInputError(file, line_no, "'skills' must be a list of strings")
        items.append(
            BadgeItem(
                id=badge_id,
                title=_text(data.get("title"), file, line_no, "title") or badge_id,
                description=_text(data.get("description"), file, line_no, "description"),
                skills=tuple(skills),
                level=_text(data.get("level"), file, line_no, "level"),
                prerequisites=_id_list(data.get("prerequisites"), file, line_no, "prerequisites"),
            )
        )
    if not items:
        raise RecommendInputError(file, 0, "the catalogue is empty")
    return Catalog(items)


def parse_histories(lines: Iterable[str], file: str = "histories") -> list[tuple[str, tuple[str, ...]]]:
    """Parse history JSON lines into (user id, items oldest first); raises on a bad line."""
    result: list[tuple[str, tuple[str, ...]]] = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        data = _json_object(line, file, line_no)
        user_id = _id(data.get("user_id"), file, line_no, "user_id")
        if "items" not in data:
            raise RecommendInputError(file, line_no, "missing 'items'")
        result.append((user_id, _id_list(data["items"], file, line_no, "items")))
    return result


def parse_interactions(lines: Iterable[str], file: str = "interactions") -> dict[str, list[str]]:
    """Parse ``user_id,item_id,timestamp`` CSV rows into each user's items, oldest first."""
    return {user: [item for item, _ in events] for user, events in parse_events(lines, file).items()}


def parse_events(lines: Iterable[str], file: str = "interactions") -> dict[str, list[tuple[str, float]]]:
    """Parse ``user_id,item_id,timestamp`` CSV rows into each user's (item, time), oldest first.

    Timestamps are Unix seconds or ISO 8601. Raises RecommendInputError on a bad row.
    """
    rows: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    reader = csv.reader(lines)
    for line_no, row in enumerate(reader, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if line_no == 1 and [c.strip().lower() for c in row[:2]] == ["user_id", "item_id"]:
            continue
        if len(row) != 3 or not row[0].strip() or not row[1].strip():
            raise RecommendInputError(file, line_no, "expected user_id,item_id,timestamp")
        try:
            stamp = float(row[2])
        except ValueError:
            try:
                stamp = datetime.fromisoformat(row[2].strip()).timestamp()
            except ValueError as exc:
                raise RecommendInputError(file, line_no, f"bad timestamp {row[2]!r}") from exc
        rows[row[0].strip()].append((stamp, line_no, row[1].strip()))
    return {user: [(item, t) for t, _, item in sorted(events)] for user, events in rows.items()}


def training_histories(
    histories: Sequence[tuple[str, Sequence[str]]], interactions: dict[str, list[str]]
) -> list[list[str]]:
    """Merge query histories with interaction histories, one training history per user."""
    merged = {user: list(items) for user, items in interactions.items()}
    for user, items in histories:
        base = merged.setdefault(user, [])
        present = set(base)
        base.extend(i for i in items if i not in present)
    return list(merged.values())


def run_recommend(
    catalog_lines: Iterable[str],
    history_lines: Iterable[str],
    out: TextIO,
    encoder: Encoder,
    *,
    interactions: Iterable[str] | None = None,
    k: int = 10,
    now: datetime | None = None,
) -> int:
    """Write one ``{"user_id","items"}`` line per history line to ``out``; return the count.

    Raises RecommendInputError (with file and line number) on a malformed line. Unknown
    history ids are ignored with a warning on the ``recommender.batch`` logger.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    cat = parse_catalog(catalog_lines)
    histories = parse_histories(history_lines)
    events = parse_events(interactions) if interactions is not None else {}
    extra = {user: [item for item, _ in rows] for user, rows in events.items()}
    stamps = [pair for rows in events.values() for pair in rows]
    # "trending" = awarded in the 30 days before the newest interaction
    trending = Trending.from_events(stamps, until=max(t for _, t in stamps) + 1) if stamps else None
    ids = list(cat)
    vectors = encoder.encode([badge_text(cat[b]) for b in ids])
    index = BadgeIndex.build(ids, vectors, model_version=encoder.version)
    model = CoOccurrence.fit([[i for i in h if i in cat] for h in training_histories(histories, extra)])
    moment = now or datetime.now(UTC)
    written = 0
    for user_id, items in histories:
        unknown = [i for i in items if i not in cat]
        if unknown:
            log.warning(
                "user %s: ignoring %d unknown item id(s): %s",
                user_id,
                len(unknown),
                ", ".join(unknown[:5]),
            )
        profile = LearnerProfile(user_id, earned=tuple(i for i in items if i in cat))
        result = recommend(profile, cat, index, cooccurrence=model, now=moment, k=k, trending=trending)
        out.write(json.dumps({"user_id": user_id, "items": [r.badge_id for r in result.items]}))
        out.write("\n")
        written += 1
    return written
