"""A learner's own pages: profile, submissions, evidence forms, files, suggestions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, NotFound, ValidationFailed
from service.models import Submission
from service.operations.badges import get_badge
from service.operations.credentials import set_privacy
from service.operations.pages import (
    badge_page,
    earned_credentials,
    mark_notifications_read,
    open_notification,
    suggestions_for,
)
from service.operations.recommendations import mark_not_interested, pathway_progress
from service.operations.submissions import (
    Upload,
    create_submission,
    current_files,
    file_for_viewer,
    learner_submissions,
    resubmit,
    submission_for_learner,
)
from service.queue import enqueue_scoring
from service.web.context import commit, db, now, redis_or_none, runtime, settings
from service.web.security import web_user

learner = Blueprint("learner", __name__)


@learner.route("/me")
def profile() -> str:
    """Who I am and the credentials I hold."""
    user = web_user()
    return render_template("me/profile.html", user=user, credentials=earned_credentials(db(), learner=user),
                           submissions=learner_submissions(db(), learner=user))


@learner.route("/me/notifications/read", methods=["POST"])
def notifications_read() -> Response:
    """Mark all my notifications as read."""
    mark_notifications_read(db(), user=web_user(), now=now())
    commit()
    return redirect(url_for("public.home"))


@learner.route("/me/notifications/<notification_id>", methods=["POST"])
def notification(notification_id: str) -> Response:
    """Open a notification: it is marked read and its link followed."""
    target = open_notification(db(), user=web_user(), notification_id=notification_id, now=now())
    commit()
    return redirect(target)


@learner.route("/me/submissions")
def submissions() -> str:
    """My submissions and where each stands."""
    return render_template("me/submissions.html", submissions=learner_submissions(db(), learner=web_user()))


@learner.route("/me/submissions/<submission_id>")
def submission(submission_id: str) -> str:
    """One of my submissions: status, reviewers' feedback, earlier versions, resubmission."""
    found = submission_for_learner(db(), learner=web_user(), submission_id=submission_id)
    return render_template("me/submission.html", submission=found, files=current_files(found),
                           limits=settings().upload_limits, errors={}, form=None)


def _uploads() -> list[Upload]:
    return [Upload(name=f.filename or "file", data=f.read())
            for f in request.files.getlist("files") if f and f.filename]


def _links() -> list[str]:
    # One link per line; commas stay inside links (URLs may contain them).
    return [line.strip() for line in request.form.get("links", "").splitlines() if line.strip()]


@learner.route("/badges/<badge_id>/submit", methods=["GET", "POST"])
def submit(badge_id: str) -> Response | str | tuple[str, int]:
    """The evidence form; 'Submit' queues it for scoring, 'Save draft' keeps it for later."""
    user = web_user()
    badge = get_badge(db(), badge_id)
    if badge.status != "active":
        raise NotFound("This badge no longer accepts submissions.")
    page = badge_page(db(), badge=badge, viewer=user)
    if request.method == "GET":
        if page.open_submission is not None:
            flash("You already have a submission for this badge.", "info")
            return redirect(url_for("learner.submission", submission_id=page.open_submission.id))
        return render_template("me/submit.html", page=page, limits=settings().upload_limits,
                               errors={}, form={})
    draft = request.form.get("action") == "draft"
    try:
        created = create_submission(
            db(), learner=user, badge_id=badge.id, statement=request.form.get("statement", ""),
            links=_links(), files=_uploads(), store=runtime().store, limits=settings().upload_limits,
            now=now(), draft=draft,
        )
    except ValidationFailed as exc:
        return render_template("me/submit.html", page=page, limits=settings().upload_limits,
                               errors=exc.errors, detail=exc.detail, form=request.form), 422
    except Conflict as exc:
        existing = exc.extra.get("submission_id")
        if not existing:
            raise
        flash(exc.detail, "info")
        return redirect(url_for("learner.submission", submission_id=existing))
    commit()
    if not draft:
        enqueue_scoring(redis_or_none(), settings().queue_name, [created.id])
    flash("Draft saved." if draft else "Submitted. We'll let you know when it has been reviewed.", "success")
    _flash_refused(created)
    return redirect(url_for("learner.submission", submission_id=created.id))


def _flash_refused(submission: Submission) -> None:
    refused = [f for f in current_files(submission) if not f.digest]
    if refused:
        flash("Not accepted: " + "; ".join(f.extraction_message or f.name for f in refused), "warning")


@learner.route("/me/submissions/<submission_id>/resubmit", methods=["POST"])
def resubmit_view(submission_id: str) -> Response | tuple[str, int]:
    """Send a draft, or a new version after a reviewer asked for changes."""
    user = web_user()
    try:
        updated = resubmit(
            db(), learner=user, submission_id=submission_id, statement=request.form.get("statement", ""),
            links=_links(), files=_uploads(), store=runtime().store, limits=settings().upload_limits,
            now=now(), keep_files=request.form.get("keep_files", "1") == "1",
        )
    except ValidationFailed as exc:
        found = submission_for_learner(db(), learner=user, submission_id=submission_id)
        return render_template("me/submission.html", submission=found, files=current_files(found),
                               limits=settings().upload_limits, errors=exc.errors, detail=exc.detail,
                               form=request.form), 422
    commit()
    enqueue_scoring(redis_or_none(), settings().queue_name, [updated.id])
    flash("Sent for review.", "success")
    _flash_refused(updated)
    return redirect(url_for("learner.submission", submission_id=updated.id))


@learner.route("/me/submissions/<submission_id>/files/<file_id>")
def download(submission_id: str, file_id: str) -> Response:
    """A stored evidence file, always as a download (never rendered by the browser)."""
    stored = file_for_viewer(db(), user=web_user(), submission_id=submission_id, file_id=file_id)
    if stored.digest is None:  # a refused upload: its bytes were never kept
        raise NotFound("No such file.")
    response = send_file(runtime().store.open(stored.digest), mimetype="application/octet-stream",
                         as_attachment=True, download_name=stored.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@learner.route("/me/recommendations")
def recommendations() -> str:
    """Badges suggested to me, each with why."""
    user = web_user()
    found = suggestions_for(db(), learner=user, settings=settings(), now=now(), limit=10)
    return render_template("me/recommendations.html", items=found.items, locked=found.locked, source=found.source,
                           pathways=pathway_progress(db(), learner=user))


@learner.route("/me/recommendations/<badge_id>/hide", methods=["POST"])
def hide_recommendation(badge_id: str) -> Response:
    """Stop suggesting a badge to me."""
    badge = get_badge(db(), badge_id)
    mark_not_interested(db(), learner=web_user(), badge_id=badge.id)
    commit()
    flash(f"We won't suggest {badge.name} again.", "info")
    return redirect(url_for("learner.recommendations"))


@learner.route("/me/credentials/<credential_id>/privacy", methods=["POST"])
def privacy(credential_id: str) -> Response:
    """Hide or show my credential's public page."""
    private = request.form.get("private") == "1"
    set_privacy(db(), learner=web_user(), credential_id=credential_id, private=private)
    commit()
    flash("Your credential is now private: only you can open its page." if private
          else "Your credential's page is public again.", "success")
    return redirect(safe_back(url_for("learner.profile")))


def safe_back(default: str) -> str:
    """Where a small form should return to: a local ``next`` field, else ``default``."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default
