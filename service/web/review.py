"""Reviewers' pages: the pre-scored queue, one submission with its evidence, decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import BANDS, Submission
from service.operations.insights import active_badges
from service.operations.reviews import decide, get_reviewable, review_queue
from service.operations.submissions import current_files
from service.web.context import commit, db, now, settings
from service.web.security import web_role, web_user

review = Blueprint("review", __name__)

PAGE_SIZE = 25
BULK_LIMIT = 50


@review.route("/review")
@web_role("reviewer")
def queue() -> str:
    """Submissions waiting for me, clear cases first."""
    badge_id = request.args.get("badge", "").strip() or None
    band = request.args.get("band", "").strip() or None
    if band not in BANDS:
        band = None
    page = review_queue(db(), reviewer=web_user(), limit=PAGE_SIZE, cursor=request.args.get("cursor") or None,
                        badge_id=badge_id, band=band)
    return render_template("review/queue.html", page=page, badges=active_badges(db()), bands=BANDS,
                           badge_id=badge_id or "", band=band or "", now=now(),
                           paged=bool(request.args.get("cursor")))


def _criteria_view(submission: Submission) -> list[dict[str, Any]]:
    """The rubric joined with the pre-score's per-criterion results (by id, then position)."""
    scored = (submission.prescore or {}).get("criteria") or []
    by_id = {c.get("id"): c for c in scored if isinstance(c, dict)}
    rows = []
    for i, criterion in enumerate(submission.badge.criteria):
        result = by_id.get(criterion.id) or (scored[i] if i < len(scored) and isinstance(scored[i], dict) else {})
        passages = sorted(result.get("passages") or [], key=lambda p: -float(p.get("similarity", 0)))
        rows.append({"criterion": criterion, "score": result.get("score"),
                     "probability": result.get("probability"), "passages": passages})
    return rows


def highlighted_statement(statement: str, criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statement cut into fragments; those a passage cites carry the criterion numbers.

    Passages whose offsets do not match the current statement (an older version's) are skipped.
    """
    marks: list[tuple[int, int, int]] = []
    for number, row in enumerate(criteria, start=1):
        for p in row["passages"]:
            start, end = int(p.get("start", -1)), int(p.get("end", -1))
            if p.get("source") == "statement" and 0 <= start < end <= len(statement) \
                    and statement[start:end].strip() == str(p.get("text", "")).strip():
                marks.append((start, end, number))
    cuts = sorted({0, len(statement), *(m[0] for m in marks), *(m[1] for m in marks)})
    fragments = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        numbers = sorted({n for start, end, n in marks if start <= a and b <= end})
        fragments.append({"text": statement[a:b], "criteria": numbers})
    return fragments


@review.route("/review/<submission_id>")
@web_role("reviewer")
def detail(submission_id: str) -> tuple[str, int]:
    """The evidence, the rubric with supporting passages, flags, history, decision form."""
    found = get_reviewable(db(), reviewer=web_user(), submission_id=submission_id)
    return _render_detail(found, errors={}, form={})


def _render_detail(found: Submission, *, errors: dict[str, str], form: Any, status: int = 200) -> tuple[str, int]:
    criteria = _criteria_view(found)
    return render_template("review/submission.html", submission=found, files=current_files(found),
                           criteria=criteria, statement=highlighted_statement(found.statement, criteria),
                           flags=(found.prescore or {}).get("flags") or [], errors=errors, form=form), status


@review.route("/review/<submission_id>/decision", methods=["POST"])
@web_role("reviewer")
def decision(submission_id: str) -> Response | tuple[str, int]:
    """Approve, request changes or reject; approval issues the credential at once."""
    reviewer = web_user()
    try:
        updated, award = decide(db(), reviewer=reviewer, submission_id=submission_id,
                                decision=request.form.get("decision", ""), comment=request.form.get("comment", ""),
                                settings=settings(), now=now())
    except ValidationFailed as exc:
        found = get_reviewable(db(), reviewer=reviewer, submission_id=submission_id)
        return _render_detail(found, errors=exc.errors, form=request.form, status=422)
    commit()
    who = updated.learner.name
    if award is not None and award.credential is not None:
        flash({"text": f"Approved: {who} now holds {updated.badge.name}.",
               "link": url_for("public.credential_page", credential_id=award.credential.id),
               "link_text": "View the credential"}, "success")  # type: ignore[arg-type]  # base.html renders mappings
    elif updated.status == "changes_requested":
        flash(f"Changes requested from {who}.", "info")
    else:
        flash(f"Not approved; {who} has been told why.", "info")
    return redirect(url_for("review.queue"))


@review.route("/review/bulk-approve", methods=["POST"])
@web_role("reviewer")
def bulk_approve() -> Response:
    """Approve the ticked submissions in one go (meant for clear likely passes).

    Each is decided as if approved one by one; one that can no longer be approved (decided
    meanwhile, not allowed) is skipped and reported, the rest are committed together.
    """
    reviewer = web_user()
    ids = list(dict.fromkeys(request.form.getlist("submission_id")))[:BULK_LIMIT]
    if not ids:
        flash("Tick the submissions to approve first.", "info")
        return redirect(url_for("review.queue"))
    approved, skipped = 0, 0
    for submission_id in ids:
        try:
            decide(db(), reviewer=reviewer, submission_id=submission_id, decision="approve",
                   comment=request.form.get("comment", ""), settings=settings(), now=now())
            approved += 1
        except (Conflict, Forbidden, NotFound):
            skipped += 1
    commit()
    message = f"Approved {approved} submission{'' if approved == 1 else 's'}; credentials issued."
    if skipped:
        message += f" {skipped} could not be approved (already decided or not yours to review)."
    flash(message, "success" if approved else "info")
    return redirect(url_for("review.queue", band=request.form.get("band") or None,
                            badge=request.form.get("badge") or None))
