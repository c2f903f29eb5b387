"""Public pages: home, catalogue, badge pages and images, credential pages, verification,
and the machine-readable endpoints (health, DID document, JWKS, status lists)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import text

from service.errors import NotFound
from service.models import BADGE_TYPES, TIERS, Badge, Credential
from service.operations.badges import get_badge
from service.operations.credentials import (
    LIST_ID,
    credential_url,
    public_credential,
    status_list_document,
    verify_any,
)
from service.operations.issuer import issuer_did_document, issuer_jwks
from service.operations.pages import (
    badge_page,
    catalogue,
    catalogue_facets,
    dashboard,
    suggestions_for,
    waiting_for_review,
)
from service.web.badge_art import badge_png, badge_svg
from service.web.context import commit, db, now, settings
from service.web.security import limiter, optional_web_user

public = Blueprint("public", __name__)

MAX_VERIFY_BYTES = 5_000_000


@public.route("/")
def home() -> str:
    """A dashboard for signed-in users; a short pitch for visitors."""
    user = optional_web_user()
    if user is None:
        return render_template("landing.html", badge_count=len(catalogue(db())))
    waiting = waiting_for_review(db(), reviewer=user) if user.has_role("reviewer") else None
    return render_template("home.html", board=dashboard(db(), user=user), waiting=waiting,
                           suggestions=suggestions_for(db(), learner=user, settings=settings(), now=now(),
                                                       limit=3).items)


@public.route("/badges")
def badges() -> str:
    """The catalogue, filtered by type, tier, domain, skill and a search term."""
    filters = {key: request.args.get(key, "").strip()[:100]
               for key in ("type", "tier", "domain", "skill", "q")}
    items = catalogue(db(), badge_type=filters["type"], tier=filters["tier"], domain=filters["domain"],
                      skill=filters["skill"], search=filters["q"])
    return render_template("badges/list.html", badges=items, facets=catalogue_facets(db()),
                           filters=filters, types=BADGE_TYPES, tiers=TIERS)


@public.route("/badges/<badge_id>")
def badge(badge_id: str) -> str:
    """A badge's criteria and rubric, skills, prerequisites, pathways and validity."""
    found = _visible_badge(badge_id)
    user = optional_web_user()
    return render_template("badges/detail.html", page=badge_page(db(), badge=found, viewer=user), user=user)


def _visible_badge(badge_id: str) -> Badge:
    found = get_badge(db(), badge_id)
    user = optional_web_user()
    # Retired badges keep their page (credentials link to their criteria); drafts are admins' only.
    if found.status == "draft" and not (user and user.role == "admin"):
        raise NotFound("No such badge.")
    return found


@public.route("/badges/<badge_id>/image.svg")
def badge_image_svg(badge_id: str) -> Response:
    """The badge's generated image as SVG."""
    found = _visible_badge(badge_id)
    return _image(found, badge_svg(found), "image/svg+xml")


@public.route("/badges/<badge_id>/image.png")
def badge_image_png(badge_id: str) -> Response:
    """The badge's generated image as PNG (what credentials point to)."""
    found = _visible_badge(badge_id)
    return _image(found, badge_png(found), "image/png")


def _image(badge: Badge, body: str | bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    # A draft's image is for its admins only: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store" if badge.status == "draft" else "public, max-age=3600"
    return response


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/ld+json", "application/json"])
    return best in ("application/ld+json", "application/json")


@public.route("/c/<credential_id>")
def credential_page(credential_id: str) -> Response | str:
    """A credential's public page with a verdict checked now (its JSON for JSON clients)."""
    viewer = optional_web_user()
    row = public_credential(db(), credential_id, viewer=viewer)
    if _wants_json():
        return _credential_json(row)
    result = verify_any(db(), row.document, settings=settings(), now=now())
    commit()  # verifying may have created the first signing key (status list signature)
    award = row.award
    url = credential_url(settings(), row.id)
    return render_template(
        "credential.html", credential=row, award=award, badge=award.badge, learner=award.learner,
        result=result, url=url, json_url=url + ".json",
        is_owner=viewer is not None and viewer.id == award.learner_id,
        linkedin_url=_linkedin_url(row, url),
        embed_url=f"{settings().base_url}/embed/c/{row.id}",
        image_url=f"{settings().base_url}/badges/{award.badge_id}/image.png",
        issuer_name=_issuer_name(row.document),
    )


@public.route("/embed/c/<credential_id>")
def credential_embed(credential_id: str) -> str:
    """A compact card of a credential for other sites to show in an iframe."""
    row = public_credential(db(), credential_id, viewer=None)
    result = verify_any(db(), row.document, settings=settings(), now=now())
    commit()
    return render_template("embed.html", credential=row, award=row.award, result=result,
                           url=credential_url(settings(), row.id))


@public.route("/c/<credential_id>.json")
def credential_json(credential_id: str) -> Response:
    """The stored signed credential, exactly as issued."""
    return _credential_json(public_credential(db(), credential_id, viewer=optional_web_user()))


def _credential_json(row: Credential) -> Response:
    response = Response(json.dumps(row.document, indent=2, ensure_ascii=False), mimetype="application/ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _issuer_name(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    if isinstance(issuer, dict) and isinstance(issuer.get("name"), str):
        return str(issuer["name"])
    return settings().organisation_name


def _linkedin_url(row: Credential, url: str) -> str:
    """LinkedIn's documented 'add to profile' link for a certification."""
    award = row.award
    params: dict[str, Any] = {
        "startTask": "CERTIFICATION_NAME",
        "name": award.badge.name,
        "organizationName": settings().organisation_name,
        "issueYear": award.issued_at.year,
        "issueMonth": award.issued_at.month,
        "certUrl": url,
        "certId": row.id,
    }
    if award.valid_until:
        params.update(expirationYear=award.valid_until.year, expirationMonth=award.valid_until.month)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@public.route("/verify", methods=["GET", "POST"])
@limiter.limit(lambda: settings().verify_rate_limit, methods=["POST"])
def verify() -> str | tuple[str, int]:
    """Paste a credential (JSON or VC-JWT) or upload one (JSON or baked image) for a verdict."""
    if request.method == "GET":
        return render_template("verify.html", result=None, pasted="")
    pasted = request.form.get("credential", "").strip()
    upload = request.files.get("file")
    data: Any = None
    if upload is not None and upload.filename:
        data = upload.read(MAX_VERIFY_BYTES + 1)
        if len(data) > MAX_VERIFY_BYTES:
            return render_template("verify.html", result=None, pasted="",
                                   error="That file is larger than 5 MB."), 413
    elif pasted:
        data = pasted
    if data is None:
        return render_template("verify.html", result=None, pasted="",
                               error="Paste a credential or choose a file."), 422
    result = verify_any(db(), _as_credential(data), settings=settings(), now=now())
    commit()
    return render_template("verify.html", result=result, pasted=pasted[:200_000])


def _as_credential(data: str | bytes) -> dict[str, Any] | str | bytes:
    """JSON text becomes a dict; a VC-JWT or image is passed on as it is."""
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data
    return parsed if isinstance(parsed, dict) else data


@public.route("/healthz")
def healthz() -> Response:
    """Liveness and database check."""
    db().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@public.route("/.well-known/did.json")
def did_json() -> Response:
    """The issuer's did:web document (every key ever used)."""
    response = jsonify(issuer_did_document(db(), settings=settings()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@public.route("/.well-known/jwks.json")
def jwks_json() -> Response:
    """The issuer's keys as a JWK set (VC-JWT verifiers)."""
    response = jsonify(issuer_jwks(db(), settings=settings()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@public.route("/status/<purpose>/<list_id>")
def status_list(purpose: str, list_id: str) -> Response:
    """A signed Bitstring status list credential."""
    if list_id != LIST_ID:
        raise NotFound("No such status list.")
    document = status_list_document(db(), settings=settings(), purpose=purpose, now=now())
    commit()  # the first signing key may have just been created
    response = Response(json.dumps(document), mimetype="application/vc+ld+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
