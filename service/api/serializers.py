"""Rows to JSON, in one place so the API and its OpenAPI document agree."""

from __future__ import annotations

from typing import Any

from service.api.common import iso
from service.models import Badge, Submission
from service.operations.submissions import current_files


def badge_json(badge: Badge, *, model_answers: bool = False) -> dict[str, Any]:
    """A badge as the API returns it; ``model_answers`` (for staff only) adds what the
    pre-scorer compares evidence with: ``references`` and each criterion's ``exemplars``."""
    body = {
        "id": badge.id,
        "slug": badge.slug,
        "name": badge.name,
        "description": badge.description,
        "type": badge.badge_type,
        "tier": badge.tier,
        "domain": badge.domain,
        "skills": list(badge.skills),
        "criteria_narrative": badge.criteria_narrative,
        "evidence_prompt": badge.evidence_prompt,
        "criteria": [
            {"id": c.id, "title": c.title, "description": c.description, "weight": c.weight,
             "levels": list(c.levels)}
            for c in badge.criteria
        ],
        "prerequisites": [p.id for p in badge.prerequisites],
        "validity_months": badge.validity_months,
        "status": badge.status,
        "rubric_version": badge.rubric_version,
        "created_at": iso(badge.created_at),
    }
    if model_answers:
        body["references"] = list(badge.references or [])
        for out, c in zip(body["criteria"], badge.criteria, strict=True):
            out["exemplars"] = list(c.exemplars or [])
    return body


def submission_json(sub: Submission, *, include_prescore: bool) -> dict[str, Any]:
    """A submission; the pre-score is for reviewers and admins (and the API owner's own view)."""
    body: dict[str, Any] = {
        "id": sub.id,
        "badge_id": sub.badge_id,
        "learner_id": sub.learner_id,
        "status": sub.status,
        "version": sub.version,
        "statement": sub.statement,
        "links": list(sub.links),
        "files": [
            {"id": f.id, "name": f.name, "kind": f.kind, "size": f.size,
             "extraction_status": f.extraction_status, "extraction_message": f.extraction_message}
            for f in current_files(sub)
        ],
        "submitted_at": iso(sub.submitted_at),
        "claimed_by": sub.claimed_by_id,
        "created_at": iso(sub.created_at),
        "reviews": [
            {"decision": r.decision, "comment": r.comment, "version": r.version, "created_at": iso(r.created_at),
             "overrides": r.overrides}
            for r in sub.reviews
        ],
    }
    if include_prescore:
        body["prescore"] = sub.prescore
    if sub.award is not None and sub.award.credential is not None:
        body["credential_id"] = sub.award.credential.id
    return body
