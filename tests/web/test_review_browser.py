"""A reviewer's day in a real browser: the queue with shortcuts and a claim, a grouped bulk
approval after its confirmation page, a request-changes round trip with the learner's new
version scored by a real worker, then the approval; the dashboard and the admin outbox.

Screenshots land in tests/artifacts/screenshots/30_* (git-ignored) for a human to look at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from service.operations.submissions import create_submission

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("runtime")]

PASSWORD = "correct-horse-battery"


def _vector(seed: int, base: int) -> bytes:
    v = np.random.default_rng(base).normal(size=384) + 0.05 * np.random.default_rng(seed).normal(size=384)
    return (v / np.linalg.norm(v)).astype(np.float32).tobytes()


def _scored(runtime: Any, learner: Any, badge: Any, *, statement: str, score: float, band: str, age_days: float,
            vector: bytes | None = None, flags: tuple[str, ...] = ()) -> str:
    """A submission as a scoring worker leaves it, without running the model."""
    submitted = datetime.now(UTC) - timedelta(days=age_days)
    with runtime.db.unit_of_work() as session:
        sub = create_submission(session, learner=session.merge(learner), badge_id=badge.id, statement=statement,
                                links=[], files=[], store=runtime.store, limits=runtime.settings.upload_limits,
                                now=submitted)
        sub.status, sub.score, sub.band, sub.confidence, sub.vector = "scored", score, band, 0.7, vector
        sub.submitted_at = submitted
        criteria = [{"id": c.id, "score": score, "probability": score, "passages": []} for c in sub.badge.criteria]
        sub.prescore = {"score": score, "band": band, "confidence": 0.7, "criteria": criteria,
                        "flags": [{"code": f, "message": "", "related_id": None} for f in flags]}
        return sub.id


def _sign_in(page: Page, base: str, user: Any) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome back")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _shot(page: Page, folder: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_reviewer_workspace_walkthrough(page: Page, live_server: str, runtime: Any, make_user: Any,
                                        make_badge: Any, drain_queue: Any, screenshot_dir: Path,
                                        evidence: str) -> None:
    foundations = make_badge(name="SQL Foundations", tier="foundation")
    reporting = make_badge(name="SQL Reporting Practitioner")
    copied = ("I joined the orders and customers tables on customer_id and summed revenue per region with "
              "GROUP BY, then compared the totals with finance's figures.")
    for i, (name, age) in enumerate([("Ana Costa", 0.3), ("Ben Okafor", 1.0), ("Chen Wei", 3.5)]):
        _scored(runtime, make_user("learner", name=name, department="Sales"), foundations,
                statement=copied + f" ({name})", score=0.86, band="likely_pass", age_days=age, vector=_vector(i, 7))
    learner = make_user("learner", name="Priya Sharma", department="Finance")
    thin = _scored(runtime, learner, reporting, statement="I know SQL and I write reports with it.", score=0.34,
                   band="needs_review", age_days=6, flags=("too_little_text",))
    _scored(runtime, make_user("learner", name="Omar Haddad", department="Finance"), reporting,
            statement="SELECT * FROM everything.", score=0.08, band="likely_fail", age_days=2.5,
            flags=("keyword_stuffing",))
    reviewer = make_user("reviewer", name="Sam Reviewer")
    admin = make_user("admin", name="Alex Admin")
    page.set_viewport_size({"width": 1360, "height": 900})

    # The queue: SLA colours, flags, claim buttons; j/k move, ? shows the help.
    _sign_in(page, live_server, reviewer)
    page.goto(f"{live_server}/review")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator(".sla-red")).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("selected")
    _shot(page, screenshot_dir, "30_review_queue")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "31_review_shortcuts.png"))  # the overlay covers the viewport
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()
    page.locator("select[name=flag]").select_option("too_little_text")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("button", name="Claim").click()
    expect(page.locator(".claim-bar")).to_contain_text("Claimed by you")
    page.wait_for_load_state()  # the shortcuts (a deferred script) are bound once the page has loaded

    # Request changes with the keyboard, a ready comment and a per-criterion override.
    page.keyboard.press("c")
    expect(page.get_by_label("Request changes")).to_be_checked()
    expect(page.locator("#comment")).to_be_focused()
    page.locator("[data-for-decision=request_changes] .template-chip").nth(2).click()
    expect(page.locator("#comment")).to_have_value(
        'Please show more evidence for "Query performance": what you did, and how you know it worked.')
    page.locator(".override-row").nth(1).get_by_label("Not met").check()
    _shot(page, screenshot_dir, "32_review_request_changes")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash-info")).to_contain_text("Changes requested from Priya Sharma")

    # The grouped bulk approval, with the page that says what will happen.
    page.goto(f"{live_server}/review/groups")
    expect(page.locator(".group")).to_have_count(1)
    expect(page.locator(".group h2")).to_contain_text("SQL Foundations · 3 similar submissions")
    _shot(page, screenshot_dir, "33_review_groups")
    page.get_by_role("button", name="Approve selected…").click()
    expect(page.locator(".confirm-summary")).to_contain_text(
        "Approve 3 submissions for SQL Foundations: this issues 3 signed credentials to Chen Wei, Ben Okafor, "
        "Ana Costa")
    _shot(page, screenshot_dir, "34_review_bulk_confirm")
    page.get_by_role("button", name="Approve 3 submissions").click()
    expect(page.locator(".flash-success")).to_contain_text("Approved 3 submissions; 3 credentials issued.")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    _sign_out(page)

    # The learner sends a new version; a real worker scores it.
    _sign_in(page, live_server, learner)
    page.goto(f"{live_server}/me/submissions/{thin}")
    expect(page.get_by_text("Query performance")).not_to_have_count(0)
    page.locator("#statement").fill(evidence)
    page.get_by_role("button", name="Send for review").click()
    drain_queue()
    _sign_out(page)

    # The reviewer approves version 2 and sees the audit trail of both.
    _sign_in(page, live_server, reviewer)
    page.goto(f"{live_server}/review")
    row = page.locator("table.queue tbody tr").filter(has_text="Priya Sharma")
    expect(row).to_contain_text("v2")
    row.get_by_role("link", name="Review").click()
    expect(page.locator(".audit-trail li")).to_have_count(1)
    expect(page.locator(".audit-trail")).to_contain_text("Query performance — not met")
    page.wait_for_load_state()
    page.keyboard.press("a")
    expect(page.get_by_label("Approve")).to_be_checked()
    _shot(page, screenshot_dir, "35_review_version_2")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash-success")).to_contain_text("Approved: Priya Sharma now holds SQL Reporting")
    page.goto(f"{live_server}/review/dashboard")
    expect(page.locator("table.metrics")).to_contain_text("SQL Foundations")
    _shot(page, screenshot_dir, "36_review_dashboard")
    _sign_out(page)

    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/admin/outbox")
    expect(page.locator("table.outbox tbody tr")).to_have_count(5)
    page.locator("table.outbox summary").first.click()
    _shot(page, screenshot_dir, "37_admin_outbox")
