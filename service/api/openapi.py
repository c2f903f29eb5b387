"""/api/v1/openapi.json: the API described for integrators (kept beside the routes)."""

from __future__ import annotations

from typing import Any

from service.api import api
from service.web.context import settings


def _op(summary: str, *, auth: bool = True, body: str | None = None, status: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {"description": "OK"},
            "4XX": {
                "description": "Problem details",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        },
    }
    if auth:
        op["security"] = [{"bearer": []}]
    else:
        op["security"] = []
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return op


@api.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document."""
    limits = settings().upload_limits
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Laurel API",
            "version": "1",
            "description": "Badges, evidence submissions with pre-scores, reviews, Open Badges 3.0 "
            "credentials and verification. Lists answer {items, next_cursor}; "
            "?limit= up to 500 (default 50). Uploads: at most "
            f"{limits.max_files} files, {limits.max_file_bytes // 1_000_000} MB each, "
            f"{limits.max_submission_bytes // 1_000_000} MB per submission; "
            "PDF, DOCX, PPTX, TXT, Markdown, HTML, PNG, JPEG, GIF, WebP.",
        },
        "servers": [{"url": settings().base_url + "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "code": {"type": "string"},
                        "errors": {"type": "object"},
                    },
                },
                "Badge": {
                    "type": "object",
                    "required": ["name", "criteria"],
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "type": {"enum": ["skill", "knowledge", "achievement", "participation", "certification"]},
                        "tier": {"enum": ["foundation", "practitioner", "advanced", "expert"]},
                        "skills": {"type": "array", "items": {"type": "string"}},
                        "criteria": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {
                                    "title": {"type": "string"},
                                    "description": {"type": "string"},
                                    "weight": {"type": "number"},
                                    "levels": {"type": "array", "items": {"type": "string"}},
                                    "exemplars": {
                                        "type": "array",
                                        "items": {"type": "string", "maxLength": 5000},
                                        "maxItems": 20,
                                        "description": "Model answers for this criterion (staff only; "
                                        "changing them starts a new rubric version)",
                                    },
                                },
                            },
                        },
                        "references": {
                            "type": "array",
                            "items": {"type": "string", "maxLength": 5000},
                            "maxItems": 20,
                            "description": "Model answers for the whole badge, used where a criterion has "
                            "no exemplars (staff only; changing them starts a new rubric version)",
                        },
                        "validity_months": {"type": ["integer", "null"]},
                        "prerequisites": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "SubmissionCreate": {
                    "type": "object",
                    "required": ["badge_id"],
                    "properties": {
                        "badge_id": {"type": "string"},
                        "statement": {"type": "string"},
                        "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
                        "draft": {"type": "boolean"},
                    },
                },
                "Decision": {
                    "type": "object",
                    "required": ["decision"],
                    "properties": {
                        "decision": {"enum": ["approve", "reject", "request_changes"]},
                        "comment": {"type": "string", "description": "Required to reject or request changes"},
                        "overrides": {
                            "type": "object",
                            "description": "Reviewer's judgement per criterion id: 0 (not met) to 1 (met)",
                            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                        },
                    },
                },
                "StatusChange": {"type": "object", "properties": {"reason": {"type": "string"}}},
            },
        },
        "paths": {
            "/badges": {
                "get": _op("List active badges", auth=False),
                "post": _op("Create a badge (admin)", body="Badge", status="201"),
            },
            "/badges/{id}": {
                "get": _op("Get a badge", auth=False),
                "patch": _op("Change a badge (admin)", body="Badge"),
                "delete": _op("Retire a badge (admin)"),
            },
            "/submissions": {
                "get": _op("My submissions"),
                "post": _op(
                    "Submit evidence (JSON or multipart with files[]); Idempotency-Key header honoured",
                    body="SubmissionCreate",
                    status="202",
                ),
            },
            "/submissions/{id}": {"get": _op("Get a submission with its pre-score")},
            "/submissions/{id}/resubmit": {
                "post": _op("Send a draft or a new version", body="SubmissionCreate", status="202")
            },
            "/submissions/{id}/decision": {
                "post": _op("Decide (reviewer); two-approval badges are awarded on the second", body="Decision")
            },
            "/submissions/{id}/claim": {"post": _op("Claim for review (409 if another reviewer holds it)")},
            "/submissions/{id}/release": {"post": _op("Release one's claim")},
            "/review/queue": {"get": _op("Review queue, clearest cases first")},
            "/credentials/{id}": {"get": _op("The signed credential; ?format=jwt for VC-JWT", auth=False)},
            "/credentials/{id}/baked.png": {"get": _op("Baked PNG", auth=False)},
            "/credentials/{id}/baked.svg": {"get": _op("Baked SVG", auth=False)},
            "/credentials/{id}/revoke": {"post": _op("Revoke (admin)", body="StatusChange")},
            "/credentials/{id}/suspend": {"post": _op("Suspend (admin)", body="StatusChange")},
            "/credentials/{id}/unsuspend": {"post": _op("Unsuspend (admin)", body="StatusChange")},
            "/verify": {"post": _op("Verify a credential JSON, VC-JWT or baked image (rate-limited)", auth=False)},
            "/learners/{id}/recommendations": {"get": _op("Recommended next badges with reasons")},
        },
    }
