"""Helpers for web page tests: signing in through the real form, CSRF tokens from real pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match, "page has no form with a CSRF token"
    return match.group(1)


@pytest.fixture
def csrf(client: Any) -> Callable[[str], str]:
    """csrf(path): GET ``path`` with the test client and return its form's CSRF token."""
    def token(path: str = "/login") -> str:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return csrf_from(response.get_data(as_text=True))

    return token


@pytest.fixture
def sign_in(client: Any, csrf: Callable[[str], str]) -> Callable[[Any], None]:
    """sign_in(user): sign the test client in through the login form."""
    def login(user: Any) -> None:
        client.delete_cookie("session")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf("/login")})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    return login


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def evidence() -> str:
    """Written evidence that plainly meets the sample badge's three criteria."""
    return (
        "I wrote our monthly revenue report in SQL. It joins orders, customers and products on their "
        "primary keys and aggregates revenue per region with GROUP BY, checking totals against finance "
        "so nothing is double counted. The first version took 40 seconds, so I read the query plan, "
        "added an index on order_date and filtered before joining; it now runs in 2 seconds. Finance "
        "uses the report every month to forecast quarterly revenue and it replaced a manual spreadsheet."
    )
