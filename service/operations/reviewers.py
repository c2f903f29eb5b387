"""Who may review what: one place for the rule."""

from __future__ import annotations

from service.models import Badge, Submission, User


def may_review(user: User, badge: Badge, submission: Submission | None = None) -> bool:
    """Reviewers (and admins) may review a badge unless it has assigned reviewers who exclude
    them; nobody reviews their own submission."""
    if submission is not None and submission.learner_id == user.id:
        return False
    if user.role == "admin":
        return True
    if user.role != "reviewer":
        return False
    assigned = badge.reviewers
    return not assigned or any(r.id == user.id for r in assigned)
