"""The badge catalogue: creating, changing and listing badges."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, NotFound, ValidationFailed
from service.models import BADGE_STATUSES, BADGE_TYPES, TIERS, Badge, Criterion, User
from service.operations.scoring import requeue_for_rubric

MIN_CRITERIA, MAX_CRITERIA = 1, 12
MAX_MODEL_ANSWERS, MAX_MODEL_ANSWER_LEN = 20, 5000


def slugify(name: str) -> str:
    """Return a URL slug for ``name`` ("Cloud Cost Basics" -> "cloud-cost-basics")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100] or "badge"


def _text(
    data: Mapping[str, Any], key: str, errors: dict[str, str], *, required: bool = False, max_len: int = 5000
) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = "Must be text."
        return ""
    value = value.strip()
    if required and not value:
        errors[key] = "Required."
    elif len(value) > max_len:
        errors[key] = f"At most {max_len} characters."
    return value


def _criteria(raw: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not (MIN_CRITERIA <= len(raw) <= MAX_CRITERIA):
        errors["criteria"] = f"Give between {MIN_CRITERIA} and {MAX_CRITERIA} criteria."
        return []
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            errors[f"criteria[{i}]"] = "Each criterion is an object with a title."
            continue
        title = _text(item, "title", errors, required=True, max_len=200)
        desc = _text(item, "description", errors, max_len=4000)
        weight = item.get("weight", 1.0)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 < weight <= 100:
            errors[f"criteria[{i}].weight"] = "Weight must be a number between 0 and 100."
            weight = 1.0
        levels = item.get("levels", [])
        if not isinstance(levels, list) or not all(isinstance(x, str) for x in levels):
            errors[f"criteria[{i}].levels"] = "Levels must be a list of strings."
            levels = []
        exemplars = _model_answers(item, "exemplars", errors, f"criteria[{i}].exemplars")
        if "title" in errors:
            errors[f"criteria[{i}].title"] = errors.pop("title")
        out.append({"title": title, "description": desc, "weight": float(weight), "levels": levels,
                    "exemplars": exemplars})
    return out


def _string_list(data: Mapping[str, Any], key: str, errors: dict[str, str], field: str | None = None) -> list[str]:
    raw = data.get(key, [])
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        errors[field or key] = "Must be a list of strings."
        return []
    return [x.strip() for x in raw if x.strip()]


def _model_answers(data: Mapping[str, Any], key: str, errors: dict[str, str], field: str) -> list[str]:
    """Model answers (badge references, criterion exemplars): a bounded list of texts."""
    answers = _string_list(data, key, errors, field)
    if len(answers) > MAX_MODEL_ANSWERS:
        errors[field] = f"At most {MAX_MODEL_ANSWERS} model answers."
    elif any(len(a) > MAX_MODEL_ANSWER_LEN for a in answers):
        errors[field] = f"Each model answer has at most {MAX_MODEL_ANSWER_LEN} characters."
    return answers


def validate_badge(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check badge fields; return clean values. Raises ValidationFailed listing every problem."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if not partial or "name" in data:
        clean["name"] = _text(data, "name", errors, required=True, max_len=200)
    for key in ("description", "criteria_narrative", "evidence_prompt"):
        if not partial or key in data:
            clean[key] = _text(data, key, errors)
    for key, allowed in (("type", BADGE_TYPES), ("tier", TIERS), ("status", BADGE_STATUSES)):
        if key in data or not partial:
            default = {"type": "skill", "tier": "foundation", "status": "active"}[key]
            value = data.get(key, default)
            if value not in allowed:
                errors[key] = f"Must be one of {', '.join(allowed)}."
            clean[key] = value
    if not partial or "skills" in data:
        clean["skills"] = _string_list(data, "skills", errors)
    if not partial or "references" in data:
        clean["references"] = _model_answers(data, "references", errors, "references")
    if not partial or "criteria" in data:
        clean["criteria"] = _criteria(data.get("criteria"), errors)
    if "validity_months" in data:
        v = data["validity_months"]
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 240):
            errors["validity_months"] = "A whole number of months between 1 and 240, or null."
        clean["validity_months"] = v
    if "required_approvals" in data:
        v = data["required_approvals"]
        if v not in (1, 2):
            errors["required_approvals"] = "1 or 2."
        clean["required_approvals"] = v
    if errors:
        raise ValidationFailed("The badge has invalid fields.", errors=errors)
    return clean


def _apply(session: Session, badge: Badge, clean: Mapping[str, Any]) -> None:
    simple = {
        "name": "name",
        "description": "description",
        "type": "badge_type",
        "tier": "tier",
        "status": "status",
        "skills": "skills",
        "references": "references",
        "criteria_narrative": "criteria_narrative",
        "evidence_prompt": "evidence_prompt",
        "validity_months": "validity_months",
        "required_approvals": "required_approvals",
    }
    before = rubric_fingerprint(badge)
    for key, attr in simple.items():
        if key in clean:
            setattr(badge, attr, clean[key])
    if "criteria" in clean:
        new = tuple(
            (c["title"], c["description"], c["weight"], tuple(c["levels"]), tuple(c["exemplars"]))
            for c in clean["criteria"]
        )
        if new != before[0]:
            badge.criteria = [
                Criterion(
                    position=i, title=c["title"], description=c["description"], weight=c["weight"],
                    levels=c["levels"], exemplars=c["exemplars"],
                )
                for i, c in enumerate(clean["criteria"])
            ]
    if before[0] and rubric_fingerprint(badge) != before:
        badge.rubric_version += 1  # an existing rubric changed: pre-scores made for the old one are stale


def rubric_fingerprint(badge: Badge) -> tuple[Any, ...]:
    """What the pre-scorer reads of a badge's rubric: criteria and model answers."""
    criteria = tuple(
        (c.title, c.description, c.weight, tuple(c.levels or ()), tuple(c.exemplars or ())) for c in badge.criteria
    )
    return criteria, tuple(badge.references or ())


def create_badge(session: Session, *, actor: User, data: Mapping[str, Any], now: datetime) -> Badge:
    """Create a badge with its rubric. Raises ValidationFailed, Conflict on a duplicate name."""
    clean = validate_badge(data)
    slug = data.get("slug") if isinstance(data.get("slug"), str) else None
    slug = slugify(slug or clean["name"])
    if session.scalar(select(Badge.id).where(Badge.slug == slug)):
        raise Conflict(f"A badge called {clean['name']!r} already exists.")
    badge = Badge(slug=slug, created_at=now, updated_at=now, rubric_version=1, criteria=[])
    _apply(session, badge, clean)
    session.add(badge)
    _set_prerequisites(session, badge, data.get("prerequisites"))
    session.flush()
    return badge


def update_badge(session: Session, *, actor: User, badge_id: str, data: Mapping[str, Any], now: datetime) -> Badge:
    """Change some fields of a badge; a changed rubric bumps its version (see change_badge)."""
    badge = get_badge(session, badge_id)
    _apply(session, badge, validate_badge(data, partial=True))
    if "prerequisites" in data:
        _set_prerequisites(session, badge, data.get("prerequisites"))
    badge.updated_at = now
    session.flush()
    return badge


@dataclass(frozen=True)
class BadgeChange:
    """What changing a badge set in motion: after a rubric change its calibration is refitted
    and ``rescore`` (its undecided submissions) are pre-scored again, once the change commits."""

    badge: Badge
    rubric_changed: bool
    rescore: list[str]


def change_badge(
    session: Session, *, actor: User, badge_id: str, data: Mapping[str, Any], now: datetime
) -> BadgeChange:
    """update_badge, and if the rubric changed, its undecided submissions go back for pre-scoring."""
    before = get_badge(session, badge_id).rubric_version
    badge = update_badge(session, actor=actor, badge_id=badge_id, data=data, now=now)
    changed = badge.rubric_version != before
    return BadgeChange(badge, changed, requeue_for_rubric(session, badge_id=badge.id) if changed else [])


def _set_prerequisites(session: Session, badge: Badge, raw: Any) -> None:
    if raw is None:
        return
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ValidationFailed(errors={"prerequisites": "A list of badge ids."})
    found = list(session.scalars(select(Badge).where(Badge.id.in_(raw)))) if raw else []
    missing = set(raw) - {b.id for b in found}
    if missing or badge.id in raw:
        raise ValidationFailed(
            errors={"prerequisites": "Unknown badge ids: " + ", ".join(sorted(missing or {badge.id}))}
        )
    badge.prerequisites = found


def get_badge(session: Session, badge_id: str) -> Badge:
    """Return the badge with this id (or slug); raises NotFound."""
    badge = session.get(Badge, badge_id) or session.scalar(select(Badge).where(Badge.slug == badge_id))
    if badge is None:
        raise NotFound("No such badge.")
    return badge


def list_badges(
    session: Session,
    *,
    include_inactive: bool = False,
    after: str | None = None,
    limit: int = 50,
    badge_type: str | None = None,
    search: str | None = None,
) -> Sequence[Badge]:
    """Badges ordered by name (keyset pagination on (name, id) via ``after`` = last id)."""
    query = select(Badge).order_by(Badge.name, Badge.id)
    if not include_inactive:
        query = query.where(Badge.status == "active")
    if badge_type:
        query = query.where(Badge.badge_type == badge_type)
    if search:
        like = f"%{search.lower()}%"
        query = query.where(Badge.name.ilike(like) | Badge.description.ilike(like))
    if after:
        last = session.get(Badge, after)
        if last is not None:
            query = query.where((Badge.name > last.name) | ((Badge.name == last.name) & (Badge.id > last.id)))
    return list(session.scalars(query.limit(limit)).unique())
