"""L&D admins' pages: overview, badge designer, credential status, signing keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from service.errors import ValidationFailed
from service.models import BADGE_STATUSES, BADGE_TYPES, TIERS, Badge
from service.operations.badges import change_badge, create_badge, get_badge
from service.operations.credentials import get_credential, set_status, verify_any
from service.operations.insights import (
    admin_insights,
    admin_overview,
    all_badges,
    credentials_by_key,
    outbox,
    recent_credentials,
    signing_keys,
)
from service.operations.issuer import rotate_keys
from service.queue import enqueue_index_rebuild, enqueue_rubric_change
from service.web.context import commit, db, now, redis_or_none, settings
from service.web.security import web_role, web_user

admin = Blueprint("admin", __name__, url_prefix="/admin")

CRITERIA_ROWS = 5


@admin.route("")
@web_role("admin")
def overview() -> str:
    """Headline counts, every badge, recent credentials."""
    return render_template("admin/index.html", overview=admin_overview(db(), now=now()),
                           insights=admin_insights(db(), now=now()),
                           badges=all_badges(db()), credentials=recent_credentials(db()))


ANSWER_SEPARATOR = "---"  # a line of its own between model answers in one text box


def split_answers(text: str) -> list[str]:
    """Model answers typed into one text box, separated by lines holding only ---."""
    answers, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() == ANSWER_SEPARATOR:
            answers.append("\n".join(current).strip())
            current = []
        else:
            current.append(line)
    answers.append("\n".join(current).strip())
    return [a for a in answers if a]


def join_answers(answers: list[str]) -> str:
    """The inverse of split_answers, for showing stored answers in the form."""
    return f"\n{ANSWER_SEPARATOR}\n".join(answers)


def badge_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The badge form as the API's badge body; blank criteria rows are left out."""
    criteria = []
    for i in range(CRITERIA_ROWS):
        title = form.get(f"criteria-{i}-title", "").strip()
        description = form.get(f"criteria-{i}-description", "").strip()
        if not title and not description:
            continue
        weight_text = form.get(f"criteria-{i}-weight", "").strip()
        weight: Any = 1.0
        if weight_text:
            try:
                weight = float(weight_text)
            except ValueError:
                weight = weight_text  # reported by validation as not a number
        levels = [line.strip() for line in form.get(f"criteria-{i}-levels", "").splitlines() if line.strip()]
        criteria.append({"title": title, "description": description, "weight": weight, "levels": levels,
                         "exemplars": split_answers(form.get(f"criteria-{i}-exemplars", ""))})
    months_text = form.get("validity_months", "").strip()
    months: Any = None
    if months_text:
        months = int(months_text) if months_text.isdigit() else months_text
    body: dict[str, Any] = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "evidence_prompt": form.get("evidence_prompt", ""),
        "type": form.get("type", "skill"),
        "tier": form.get("tier", "foundation"),
        "skills": [s.strip() for s in form.get("skills", "").split(",") if s.strip()],
        "criteria": criteria,
        "references": split_answers(form.get("references", "")),
        "validity_months": months,
    }
    if form.get("status"):
        body["status"] = form["status"]
    if form.get("prerequisites_shown"):
        body["prerequisites"] = [p for p in form.getlist("prerequisites") if p]
    return body


def _form_values(badge: Badge | None) -> dict[str, Any]:
    if badge is None:
        return {"type": "skill", "tier": "foundation", "status": "active"}
    values: dict[str, Any] = {
        "name": badge.name, "description": badge.description, "evidence_prompt": badge.evidence_prompt,
        "type": badge.badge_type, "tier": badge.tier, "status": badge.status,
        "skills": ", ".join(badge.skills or []), "validity_months": badge.validity_months or "",
        "prerequisites": [p.id for p in badge.prerequisites],
        "references": join_answers(badge.references or []),
    }
    for i, c in enumerate(badge.criteria):
        values.update({f"criteria-{i}-title": c.title, f"criteria-{i}-description": c.description,
                       f"criteria-{i}-weight": f"{c.weight:g}", f"criteria-{i}-levels": "\n".join(c.levels or []),
                       f"criteria-{i}-exemplars": join_answers(c.exemplars or [])})
    return values


def _render_form(badge: Badge | None, values: Any, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    rows = max(CRITERIA_ROWS, len(badge.criteria) if badge else 0)
    chosen = values.getlist("prerequisites") if isinstance(values, MultiDict) else values.get("prerequisites", [])
    others = [b for b in all_badges(db()) if badge is None or b.id != badge.id]
    return render_template("admin/badge_form.html", badge=badge, values=values, errors=errors,
                           types=BADGE_TYPES, tiers=TIERS, statuses=BADGE_STATUSES, rows=rows,
                           other_badges=others, chosen=set(chosen)), status


@admin.route("/badges/new", methods=["GET", "POST"])
@web_role("admin")
def new_badge() -> Response | tuple[str, int]:
    """Design a new badge and its rubric."""
    if request.method == "GET":
        return _render_form(None, _form_values(None), {})
    try:
        badge = create_badge(db(), actor=web_user(), data=badge_body(request.form), now=now())
    except ValidationFailed as exc:
        return _render_form(None, request.form, exc.errors, 422)
    commit()
    enqueue_index_rebuild(redis_or_none(), settings().queue_name)
    flash(f"Badge “{badge.name}” created.", "success")
    return redirect(url_for("public.badge", badge_id=badge.id))


@admin.route("/badges/<badge_id>/edit", methods=["GET", "POST"])
@web_role("admin")
def edit_badge(badge_id: str) -> Response | tuple[str, int]:
    """Change a badge; a changed rubric gets a new version (open submissions are rescored)."""
    badge = get_badge(db(), badge_id)
    if request.method == "GET":
        return _render_form(badge, _form_values(badge), {})
    try:
        change = change_badge(db(), actor=web_user(), badge_id=badge.id, data=badge_body(request.form), now=now())
    except ValidationFailed as exc:
        return _render_form(badge, request.form, exc.errors, 422)
    commit()
    if change.rubric_changed:
        enqueue_rubric_change(redis_or_none(), settings().queue_name, badge.id, change.rescore)
    enqueue_index_rebuild(redis_or_none(), settings().queue_name)
    n = len(change.rescore)
    rescored = f" {n} open submission{'s' if n != 1 else ''} will be pre-scored again." if n else ""
    flash(f"Badge “{badge.name}” saved.{rescored}", "success")
    return redirect(url_for("public.badge", badge_id=badge.id))


@admin.route("/credentials/<credential_id>")
@web_role("admin")
def credential(credential_id: str) -> str:
    """A credential's status with revoke / suspend / unsuspend forms."""
    row = get_credential(db(), credential_id)
    result = verify_any(db(), row.document, settings=settings(), now=now())
    commit()
    return render_template("admin/credential.html", credential=row, award=row.award, result=result, errors={})


@admin.route("/credentials/<credential_id>/status", methods=["POST"])
@web_role("admin")
def credential_status(credential_id: str) -> Response | tuple[str, int]:
    """Revoke, suspend or unsuspend, with a reason the learner sees."""
    action = request.form.get("action", "")
    try:
        set_status(db(), credential_id=credential_id, action=action, reason=request.form.get("reason", ""),
                   now=now())
    except ValidationFailed as exc:
        row = get_credential(db(), credential_id)
        result = verify_any(db(), row.document, settings=settings(), now=now())
        return render_template("admin/credential.html", credential=row, award=row.award, result=result,
                               errors=exc.errors, action=action), 422
    commit()
    done = {"revoke": "revoked", "suspend": "suspended", "unsuspend": "reinstated"}.get(action, "updated")
    flash(f"Credential {done}.", "success")
    return redirect(url_for("admin.credential", credential_id=credential_id))


@admin.route("/keys")
@web_role("admin")
def keys() -> str:
    """Signing keys, newest first, with how many credentials each signed."""
    rows = signing_keys(db())
    return render_template("admin/keys.html", keys=rows, counts=credentials_by_key(db(), [k.key_id for k in rows]))


@admin.route("/keys/rotate", methods=["POST"])
@web_role("admin")
def rotate() -> Response:
    """Start signing with a new key; old keys stay published so old credentials verify."""
    key = rotate_keys(db(), settings=settings(), now=now())
    commit()
    flash(f"New signing key {key.key_id} is active. Earlier credentials still verify.", "success")
    return redirect(url_for("admin.keys"))


@admin.route("/outbox")
@web_role("admin")
def outbox_page() -> str:
    """The email outbox, newest first: what was (or would be) sent, to whom."""
    return render_template("admin/outbox.html", emails=outbox(db()), smtp=bool(settings().smtp_url))
