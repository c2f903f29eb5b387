"""Links are checked and normalised for display, never fetched."""

from __future__ import annotations

import pytest

from assessment.extraction import check_link


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://github.com/me/project", "https://github.com/me/project"),
        ("  HTTP://Example.COM  ", "http://example.com/"),
        ("github.com/me/repo", "https://github.com/me/repo"),
        ("https://example.com:8443/a?b=c#d", "https://example.com:8443/a?b=c#d"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://аpple.com/", "https://xn--pple-43d.com/"),  # Cyrillic "а" shown as punycode
        ("https://[2001:db8::1]/x", "https://[2001:db8::1]/x"),
    ],
)
def test_accepted_links_are_normalised(raw: str, url: str) -> None:
    check = check_link(raw)

    assert (check.ok, check.url) == (True, url)
    assert check.url.isascii()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("javascript:alert(document.cookie)", "only http and https"),
        ("JaVaScRiPt:alert(1)", "only http and https"),
        ("data:text/html,<script>alert(1)</script>", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https://google.com@evil.example/", "user name"),
        ("https://exa mple.com", "spaces"),
        ("https://example.com/\u202egnp.exe", "invisible"),
        ("https://example.com:99999/", "malformed"),
        ("https://", "no host"),
        ("", "empty"),
        ("https://e.com/" + "a" * 3000, "longer than"),
    ],
)
def test_dangerous_or_broken_links_are_refused(raw: str, reason: str) -> None:
    check = check_link(raw)

    assert (check.ok, check.url) == (False, "")
    assert reason in check.message
