"""/api/v1/credentials and /api/v1/verify."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from service.api import api
from service.api.common import json_body
from service.errors import ValidationFailed
from service.operations.credentials import public_credential, set_status, verify_any
from service.web.context import commit, db, now, settings
from service.web.security import api_user, limiter, optional_api_user, require_role


@api.get("/credentials/<credential_id>")
def credentials_show(credential_id: str) -> Any:
    """The signed credential (JSON-LD); ``?format=jwt`` for a VC-JWT."""
    cred = public_credential(db(), credential_id, viewer=optional_api_user())
    if request.args.get("format") == "jwt":
        from service.operations.portability import credential_jwt

        return Response(credential_jwt(db(), cred, settings=settings(), now=now()), mimetype="application/jwt")
    return Response(json.dumps(cred.document, indent=2), mimetype="application/ld+json")


def _status_change(credential_id: str, action: str) -> Any:
    user = api_user()
    require_role(user, "admin")
    data = json_body() if request.data else {}
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ValidationFailed(errors={"reason": "Must be text."})
    row = set_status(db(), credential_id=credential_id, action=action, reason=reason, now=now())
    commit()
    return {"id": row.id, "revoked": row.revoked_at is not None, "suspended": row.suspended,
            "reason": row.status_reason}


@api.post("/credentials/<credential_id>/revoke")
def credentials_revoke(credential_id: str) -> Any:
    """Revoke for good, with a reason (admins)."""
    return _status_change(credential_id, "revoke")


@api.post("/credentials/<credential_id>/suspend")
def credentials_suspend(credential_id: str) -> Any:
    """Suspend, with a reason (admins)."""
    return _status_change(credential_id, "suspend")


@api.post("/credentials/<credential_id>/unsuspend")
def credentials_unsuspend(credential_id: str) -> Any:
    """Lift a suspension (admins)."""
    return _status_change(credential_id, "unsuspend")


def _verify_limit() -> str:
    return settings().verify_rate_limit


@api.post("/verify")
@limiter.limit(_verify_limit)
def verify() -> Any:
    """Verify a credential JSON, a VC-JWT, or a baked PNG/SVG (multipart ``file``)."""
    data: Any
    if request.files:
        upload = next(iter(request.files.values()))
        data = upload.read()
    elif request.mimetype in ("application/jwt", "text/plain"):
        data = request.get_data(as_text=True).strip()
    else:
        raw = request.get_json(silent=True)
        if raw is None:
            raise ValidationFailed("Send a credential as JSON, a VC-JWT as text, or an image as multipart 'file'.")
        data = raw
    result = verify_any(db(), data, settings=settings(), now=now())
    return result.to_json()


@api.get("/credentials/<credential_id>/baked.png")
def credentials_baked_png(credential_id: str) -> Any:
    """The badge image with the signed credential baked in (PNG iTXt)."""
    from service.operations.portability import baked_png
    from service.web.badge_art import badge_png

    cred = public_credential(db(), credential_id, viewer=optional_api_user())
    body = baked_png(cred, badge_png(cred.award.badge))
    return Response(body, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="badge-{cred.id}.png"'})


@api.get("/credentials/<credential_id>/baked.svg")
def credentials_baked_svg(credential_id: str) -> Any:
    """The badge image with the signed credential baked in (SVG)."""
    from service.operations.portability import baked_svg
    from service.web.badge_art import badge_svg

    cred = public_credential(db(), credential_id, viewer=optional_api_user())
    body = baked_svg(cred, badge_svg(cred.award.badge))
    return Response(body, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="badge-{cred.id}.svg"'})
