"""Reviewers' pages: the pre-scored queue, one submission with its evidence, decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, ValidationFailed
from service.models import BANDS, Submission, User
from service.operations.bulk_review import BULK_LIMIT, decide_many, plan_many
from service.operations.insights import (
    QUEUE_SORTS,
    QueueFilters,
    active_badges,
    departments,
    queue_view,
    sla_colour,
)
from service.operations.review_groups import review_groups
from service.operations.review_metrics import badge_metrics, reviewer_metrics
from service.operations.reviews import CLAIM_TTL, claim, decide, get_reviewable, release
from service.operations.submissions import current_files
from service.queue import enqueue_recalibration
from service.web.context import commit, db, now, redis_or_none, settings
from service.web.security import web_role, web_user
from service.web.templating import FLAG_TEXT

review = Blueprint("review", __name__)

PAGE_SIZE = 25
AGE_CHOICES = (0, 2, 5)


def _filters() -> QueueFilters:
    """The queue filters from the query string, unknown values dropped."""
    args = request.args
    band = args.get("band", "").strip()
    flag = args.get("flag", "").strip()
    sort = args.get("sort", "").strip()
    try:
        age = int(args.get("age", "0") or 0)
    except ValueError:
        age = 0
    return QueueFilters(badge_id=args.get("badge", "").strip(), band=band if band in BANDS else "",
                        department_id=args.get("department", "").strip(), flag=flag if flag in FLAG_TEXT else "",
                        min_age_days=age if age in AGE_CHOICES else 0, sort=sort if sort in QUEUE_SORTS else "clear")


def _filter_args(filters: QueueFilters) -> dict[str, Any]:
    return {"badge": filters.badge_id or None, "band": filters.band or None,
            "department": filters.department_id or None, "flag": filters.flag or None,
            "age": filters.min_age_days or None, "sort": None if filters.sort == "clear" else filters.sort}


@review.route("/review")
@web_role("reviewer")
def queue() -> str:
    """Submissions waiting for me, clear cases first (or oldest / newest), filtered and paged."""
    filters = _filters()
    at = now()
    page = queue_view(db(), reviewer=web_user(), filters=filters, now=at, limit=PAGE_SIZE,
                      cursor=request.args.get("cursor") or None)
    return render_template("review/queue.html", page=page, badges=active_badges(db()), bands=BANDS,
                           departments=departments(db()), filters=filters, args=_filter_args(filters),
                           sorts=QUEUE_SORTS, ages=AGE_CHOICES, now=at, sla=sla_colour,
                           me=web_user(), paged=bool(request.args.get("cursor")))


@review.route("/review/groups")
@web_role("reviewer")
def groups() -> str:
    """Near-identical submissions per badge, shown together for one careful read."""
    filters = _filters()
    found = review_groups(db(), reviewer=web_user(), filters=filters, now=now())
    return render_template("review/groups.html", groups=found, filters=filters, args=_filter_args(filters))


@review.route("/review/dashboard")
@web_role("reviewer")
def dashboard() -> str:
    """Pre-score agreement with decisions, approval rates, time in queue."""
    return render_template("review/dashboard.html", badges=badge_metrics(db()), reviewers=reviewer_metrics(db()))


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
    at = now()
    holder = db().get(User, found.claimed_by_id) if found.claimed_by_id else None
    live = holder is not None and found.claimed_at is not None and at - found.claimed_at < CLAIM_TTL
    approvals = [r for r in found.reviews if r.version == found.version and r.decision == "approve"]
    titles = {c.id: c.title for c in found.badge.criteria}
    return render_template("review/submission.html", submission=found, files=current_files(found),
                           criteria=criteria, statement=highlighted_statement(found.statement, criteria),
                           flags=(found.prescore or {}).get("flags") or [], errors=errors, form=form,
                           claim_holder=holder if live else None, me=web_user(), approvals=approvals,
                           criterion_titles=titles, templates=_comment_templates(found)), status


def _comment_templates(found: Submission) -> dict[str, list[str]]:
    """A few ready comments per decision, plus one per rubric criterion for asking changes."""
    name = found.badge.name
    titles = [c.title for c in found.badge.criteria]
    return {
        "approve": [f"Clear evidence for every criterion of {name}. Well done.",
                    "Approved. Your evidence shows the work, not just the words: thank you."],
        "request_changes": ["Nearly there. Please add a concrete example of what you did and what changed.",
                            *(f"Please show more evidence for \"{t}\": what you did, and how you know it worked."
                              for t in titles)],
        "reject": ["The evidence does not show the work this badge asks for. "
                   "Please read the criteria and submit again when you have a real example.",
                   "This repeats the badge description rather than describing your own work."],
    }


def _overrides(found: Submission) -> dict[str, float]:
    """The per-criterion overrides from the decision form ('1' met, '0' not met, '' the pre-score)."""
    out: dict[str, float] = {}
    for criterion in found.badge.criteria:
        value = request.form.get(f"override-{criterion.id}", "")
        if value in ("0", "1"):
            out[criterion.id] = float(value)
    return out


@review.route("/review/<submission_id>/decision", methods=["POST"])
@web_role("reviewer")
def decision(submission_id: str) -> Response | tuple[str, int]:
    """Approve, request changes or reject; approval issues the credential at once."""
    reviewer = web_user()
    found = get_reviewable(db(), reviewer=reviewer, submission_id=submission_id)
    try:
        updated, award = decide(db(), reviewer=reviewer, submission_id=submission_id,
                                decision=request.form.get("decision", ""), comment=request.form.get("comment", ""),
                                settings=settings(), now=now(), overrides=_overrides(found) or None)
    except ValidationFailed as exc:
        found = get_reviewable(db(), reviewer=reviewer, submission_id=submission_id)
        return _render_detail(found, errors=exc.errors, form=request.form, status=422)
    commit()
    enqueue_recalibration(redis_or_none(), settings().queue_name, updated.badge_id)
    who = updated.learner.name
    if award is not None and award.credential is not None:
        flash({"text": f"Approved: {who} now holds {updated.badge.name}.",
               "link": url_for("public.credential_page", credential_id=award.credential.id),
               "link_text": "View the credential"}, "success")  # type: ignore[arg-type]  # base.html renders mappings
    elif request.form.get("decision") == "approve":
        flash(f"Approval 1 of {updated.badge.required_approvals} recorded for {who}; "
              "a second reviewer must approve before the credential is issued.", "info")
    elif updated.status == "changes_requested":
        flash(f"Changes requested from {who}.", "info")
    else:
        flash(f"Not approved; {who} has been told why.", "info")
    return redirect(url_for("review.queue"))


@review.route("/review/<submission_id>/claim", methods=["POST"])
@web_role("reviewer")
def claim_submission(submission_id: str) -> Response:
    """Take a submission so other reviewers leave it alone for a while."""
    try:
        claim(db(), reviewer=web_user(), submission_id=submission_id, now=now())
    except Conflict as exc:
        flash(str(exc), "error")
        return redirect(url_for("review.queue"))
    commit()
    minutes = int(CLAIM_TTL.total_seconds() // 60)
    flash(f"Claimed: other reviewers will leave it to you for {minutes} minutes.", "success")
    return redirect(url_for("review.detail", submission_id=submission_id))


@review.route("/review/<submission_id>/release", methods=["POST"])
@web_role("reviewer")
def release_submission(submission_id: str) -> Response:
    """Give back one's claim."""
    release(db(), reviewer=web_user(), submission_id=submission_id)
    commit()
    flash("Released: it is back in everyone's queue.", "info")
    return redirect(url_for("review.queue"))


def _selected() -> list[str]:
    return list(dict.fromkeys(request.form.getlist("submission_id")))[:BULK_LIMIT]


@review.route("/review/bulk-approve", methods=["POST"])
@review.route("/review/bulk", methods=["POST"])
@web_role("reviewer")
def bulk() -> Response | str:
    """Decide the ticked submissions together, after a page that says exactly what will happen.

    Without ``confirmed`` the confirmation page is shown and nothing is written; with it each is
    decided as if one by one (bulk_review.decide_many) and what was decided meanwhile is skipped.
    """
    reviewer = web_user()
    ids = _selected()
    decision = request.form.get("decision", "approve")
    back = url_for("review.queue", badge=request.form.get("badge") or None, band=request.form.get("band") or None)
    if not ids:
        flash("Tick the submissions to decide first.", "info")
        return redirect(back)
    if decision not in ("approve", "reject", "request_changes"):
        flash("Choose approve, request changes or reject.", "error")
        return redirect(back)
    comment = request.form.get("comment", "")
    if not request.form.get("confirmed"):
        plan = plan_many(db(), reviewer=reviewer, submission_ids=ids, decision=decision)
        return render_template("review/bulk_confirm.html", plan=plan, comment=comment, back=back, errors={})
    try:
        result = decide_many(db(), reviewer=reviewer, submission_ids=ids, decision=decision, comment=comment,
                             settings=settings(), now=now())
    except ValidationFailed as exc:
        plan = plan_many(db(), reviewer=reviewer, submission_ids=ids, decision=decision)
        return render_template("review/bulk_confirm.html", plan=plan, comment=comment, back=back,
                               errors=exc.errors)
    commit()
    for badge_id in result.badge_ids:
        enqueue_recalibration(redis_or_none(), settings().queue_name, badge_id)
    n = len(result.decided)
    plural = "" if n == 1 else "s"
    if decision == "approve":
        message = f"Approved {n} submission{plural}; {len(result.awarded)} credential" \
                  f"{'' if len(result.awarded) == 1 else 's'} issued."
        if result.first_approvals:
            message += f" {len(result.first_approvals)} wait for a second approval."
    else:
        verb = "Rejected" if decision == "reject" else "Asked for changes on"
        message = f"{verb} {n} submission{plural}."
    if result.skipped:
        reasons = sorted({s.reason for s in result.skipped})
        message += f" {len(result.skipped)} could not be decided: " + "; ".join(reasons) + "."
    flash(message, "success" if n else "info")
    return redirect(back)
