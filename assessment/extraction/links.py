"""Links in a submission: stored and shown to reviewers, never fetched, so only checked."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

MAX_LINK_CHARS = 2048
_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"


@dataclass(frozen=True)
class LinkCheck:
    """Outcome of checking one link: ``url`` is the normalised form to store and show (ASCII
    only, host in punycode so look-alike letters cannot pose as another site), "" if refused."""

    ok: bool
    url: str
    message: str


def check_link(raw: str) -> LinkCheck:
    """Accept an http(s) link (``https://`` is assumed when no scheme is given) and normalise it.

    Refuses other schemes (``javascript:``, ``data:``, ``file:``), user names in the address,
    spaces and control characters, and overlong links. Never raises.
    """
    text = raw.strip()
    if not text:
        return _refused("the link is empty")
    if len(text) > MAX_LINK_CHARS:
        return _refused(f"the link is longer than {MAX_LINK_CHARS} characters")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return _refused("the link contains spaces or invisible characters")
    if "://" not in text and ":" not in text.split("/", 1)[0]:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return _refused(f"the link is malformed ({exc})")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return _refused(f"only http and https links are accepted, not {scheme or 'this'}:")
    if parts.username is not None or "@" in parts.netloc:
        return _refused("links with a user name or password in the address are not accepted")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return _refused("the link has no host name")
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return _refused("the link's host name is not valid")
    if ":" in ascii_host:
        ascii_host = f"[{ascii_host}]"
    netloc = ascii_host.lower() + (f":{port}" if port is not None else "")
    url = urlunsplit(
        (
            scheme,
            netloc,
            quote(parts.path or "/", safe=_URL_SAFE),
            quote(parts.query, safe=_URL_SAFE),
            quote(parts.fragment, safe=_URL_SAFE),
        )
    )
    return LinkCheck(True, url, "link accepted (it is shown to reviewers, never fetched)")


def _refused(message: str) -> LinkCheck:
    return LinkCheck(False, "", message)
