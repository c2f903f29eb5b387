"""The whole journey in a real browser: design a badge, submit, score, review, verify.

Screenshots land in tests/artifacts/screenshots/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("runtime")]

PASSWORD = "correct-horse-battery"


def _sign_in(page: Page, base: str, user: Any) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome back")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()


def _shot(page: Page, folder: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would otherwise be painted mid-page
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_badge_to_verified_credential(page: Page, live_server: str, make_user: Any, drain_queue: Any,
                                      screenshot_dir: Path, evidence: str) -> None:
    admin = make_user("admin", name="Alex Admin")
    learner = make_user("learner", name="Priya Sharma", department="Finance")
    reviewer = make_user("reviewer", name="Sam Reviewer", department="Data Office")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Show what you can do")
    _shot(page, screenshot_dir, "01_landing")

    # Admin designs a badge with three criteria.
    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/admin/badges/new")
    page.get_by_label("Name").fill("SQL Reporting Practitioner")
    page.locator("textarea[name=description]").fill(
        "Builds reliable SQL reports that answer real business questions.")
    page.locator("select[name=tier]").select_option("practitioner")
    page.locator("input[name=skills]").fill("SQL, Reporting, Data modelling")
    page.locator("input[name=validity_months]").fill("24")
    criteria = [
        ("Correct joins and aggregation", "Joins tables on the right keys and aggregates without double counting."),
        ("Query performance", "Uses indexes, filters early and checks the query plan on large tables."),
        ("Business impact", "Explains the question the report answers and how stakeholders used it."),
    ]
    for i, (title, description) in enumerate(criteria):
        page.locator(f"input[name=criteria-{i}-title]").fill(title)
        page.locator(f"textarea[name=criteria-{i}-description]").fill(description)
    page.locator("textarea[name=references]").fill(
        "I built the monthly revenue report: orders joined to customers on customer_id, grouped by region.")
    page.get_by_text("Levels and model answers").first.click()  # a closed <details> opens on click
    page.locator("textarea[name=criteria-0-levels]").fill(
        "Exemplary: joins on keys, totals checked against a trusted source.\n"
        "Developing: joins work but totals unchecked.")
    page.locator("textarea[name=criteria-0-exemplars]").fill(
        "Joined orders to customers on customer_id and summed revenue per region with GROUP BY.")
    _shot(page, screenshot_dir, "02_admin_badge_form")
    page.get_by_role("button", name="Create badge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SQL Reporting Practitioner")
    expect(page.locator(".rubric > li")).to_have_count(3)
    badge_url = page.url
    _sign_out(page)

    # Learner finds it in the catalogue and submits written evidence.
    _sign_in(page, live_server, learner)
    page.goto(f"{live_server}/badges")
    _shot(page, screenshot_dir, "03_catalogue")
    page.get_by_role("link", name="SQL Reporting Practitioner").first.click()
    expect(page).to_have_url(badge_url)
    _shot(page, screenshot_dir, "04_badge_detail")
    page.get_by_role("link", name="Submit evidence").click()
    page.locator("#statement").fill(evidence)
    page.locator("#links").fill("https://example.com/revenue-report")
    _shot(page, screenshot_dir, "05_submit_form")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash-success")).to_contain_text("Submitted")
    expect(page.locator(".page-head .chip")).to_have_text("Queued for scoring")
    _shot(page, screenshot_dir, "06_submission_queued")

    drain_queue()  # a real worker scores it with the real model
    page.reload()
    expect(page.locator(".page-head .chip")).to_have_text("Waiting for review")
    expect(page.get_by_text("Pre-score")).to_have_count(0)
    _sign_out(page)

    # Reviewer sees the pre-score in the queue, opens the submission and approves it.
    _sign_in(page, live_server, reviewer)
    page.goto(f"{live_server}/review")
    row = page.locator("table.queue tbody tr").filter(has_text="Priya Sharma")
    expect(row).to_have_count(1)
    expect(row.locator(".chip").first).to_contain_text("%")
    _shot(page, screenshot_dir, "07_review_queue")
    row.get_by_role("link", name="Review").click()
    expect(page.locator(".big-score")).to_contain_text("%")
    expect(page.locator(".passages mark").first).to_be_visible()
    # A fresh organisation has no decisions to learn from, and the reviewer is told so.
    expect(page.locator(".prescore-summary .basis")).to_contain_text("no reviewer decisions learned from yet")
    _shot(page, screenshot_dir, "08_review_detail")
    page.get_by_label("Approve").check()
    page.locator("#comment").fill("Clear joins, a measured speed-up and real business use.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash-success")).to_contain_text("Approved: Priya Sharma now holds")
    page.get_by_role("link", name="View the credential").click()

    # The public credential page says Valid.
    expect(page.locator(".verdict-label")).to_have_text("Valid")
    expect(page.get_by_text("Priya Sharma")).to_be_visible()
    _shot(page, screenshot_dir, "09_credential_valid")
    credential_url = page.url
    _sign_out(page)

    # The learner's home shows the notification and the earned badge.
    _sign_in(page, live_server, learner)
    expect(page.locator(".feed")).to_contain_text("Congratulations")
    _shot(page, screenshot_dir, "10_learner_home")
    page.goto(f"{live_server}/me")
    _shot(page, screenshot_dir, "11_profile")
    page.goto(f"{live_server}/me/recommendations")
    _shot(page, screenshot_dir, "12_recommendations")
    _sign_out(page)

    # Anyone can verify the credential's JSON on /verify.
    document = page.request.get(credential_url + ".json").text()
    page.goto(f"{live_server}/verify")
    page.locator("textarea[name=credential]").fill(document)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict-label")).to_have_text("Valid")
    _shot(page, screenshot_dir, "13_verify")


def test_admin_pages_and_revocation(page: Page, live_server: str, make_user: Any, make_badge: Any,
                                    runtime: Any, screenshot_dir: Path, evidence: str) -> None:
    from datetime import UTC, datetime

    from service.operations.reviews import decide
    from service.operations.submissions import create_submission

    admin = make_user("admin", name="Alex Admin")
    learner = make_user("learner", name="Jordan Lee")
    badge = make_badge(name="Cloud Cost Basics", tier="foundation")
    with runtime.db.unit_of_work() as session:
        sub = create_submission(session, learner=session.merge(learner), badge_id=badge.id, statement=evidence,
                                links=[], files=[], store=runtime.store, limits=runtime.settings.upload_limits,
                                now=datetime.now(UTC))
        sub.status = "scored"
        _, award = decide(session, reviewer=session.merge(admin), submission_id=sub.id, decision="approve",
                          comment="", settings=runtime.settings, now=datetime.now(UTC))
        credential_id = award.credential.id  # type: ignore[union-attr]
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server, admin)
    page.goto(f"{live_server}/admin")
    _shot(page, screenshot_dir, "20_admin_overview")
    page.goto(f"{live_server}/admin/credentials/{credential_id}")
    page.locator("textarea[name=reason]").fill("Awarded in error.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".flash-success")).to_contain_text("revoked")
    _shot(page, screenshot_dir, "21_admin_credential_revoked")
    page.goto(f"{live_server}/c/{credential_id}")
    expect(page.locator(".verdict-label")).to_have_text("Revoked")
    _shot(page, screenshot_dir, "22_credential_revoked")
    page.goto(f"{live_server}/admin/keys")
    _shot(page, screenshot_dir, "23_admin_keys")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/badges")
    _shot(page, screenshot_dir, "24_mobile_catalogue")
