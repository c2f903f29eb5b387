"""Template filters and the layout's shared context (navigation, unread count)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from service.operations.pages import unread_count
from service.web.context import db, settings

log = logging.getLogger(__name__)

BAND_LABELS = {"likely_pass": "Likely pass", "needs_review": "Needs review", "likely_fail": "Likely fail"}
BAND_TONES = {"likely_pass": "green", "needs_review": "amber", "likely_fail": "red"}

STATUS_LABELS = {
    "draft": "Draft",
    "queued": "Queued for scoring",
    "scoring": "Being scored",
    "scored": "Waiting for review",
    "scoring_failed": "Waiting for review",
    "approved": "Approved",
    "rejected": "Not approved",
    "changes_requested": "Changes requested",
}
STATUS_TONES = {
    "draft": "grey", "queued": "blue", "scoring": "blue", "scored": "blue", "scoring_failed": "blue",
    "approved": "green", "rejected": "red", "changes_requested": "amber",
}

VERDICT_LABELS = {
    "valid": "Valid",
    "expired": "Expired",
    "not_yet_valid": "Not yet valid",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "invalid_signature": "Invalid signature",
    "unknown_issuer": "Unknown issuer",
    "malformed": "Not a readable credential",
}

VERDICT_TEXT = {
    "valid": "Signature, validity dates and revocation status all check out.",
    "expired": "This credential was genuine but its validity period has ended.",
    "not_yet_valid": "This credential is genuine but does not take effect until a later date.",
    "revoked": "The issuer has revoked this credential. It should no longer be relied on.",
    "suspended": "The issuer has suspended this credential for now.",
    "invalid_signature": "The signature does not match: the credential was altered after it was issued.",
    "unknown_issuer": "The signing key does not belong to an issuer this service knows.",
    "malformed": "This is not a readable Open Badges credential.",
}

CHECK_LABELS = {"json-ld": "JSON-LD", "status:revocation": "Revocation status",
                "status:suspension": "Suspension status", "jwt": "VC-JWT"}

FLAG_TEXT = {
    "near_duplicate": ("Near-duplicate", "Very similar to another submission for this badge."),
    "restates_prompt": ("Restates the prompt", "Mostly repeats the badge's own wording."),
    "keyword_stuffing": ("Keyword stuffing", "Lists rubric terms without showing the work."),
    "too_little_text": ("Too little text", "There is not much evidence to judge."),
    "off_topic": ("Off topic", "The evidence does not seem to be about this badge."),
    "extraction_failed": ("File unreadable", "Text could not be read from at least one file."),
}

BASIS_CALIBRATION = {
    "default": "Hand-set rules: no reviewer decisions learned from yet, so treat it as a rough guide.",
    "global": "Learned from {n} reviewer decisions across badges; this badge has too few of its own yet.",
    "badge": "Learned from {n} reviewer decisions on this badge.",
}
BASIS_CONTEXT = {
    "content": "Read against the rubric alone.",
    "peers": "Read against the rubric and compared with other submissions.",
    "history": "Read against the rubric and compared with this badge's reviewed submissions.",
}


def basis_text(prescore: dict[str, Any] | None) -> str:
    """What a stored pre-score rests on, in a sentence or two (empty for older pre-scores)."""
    basis = (prescore or {}).get("basis") or {}
    calibration = BASIS_CALIBRATION.get(basis.get("calibration", ""))
    if calibration is None:
        return ""
    return " ".join(t for t in (calibration.format(n=basis.get("examples", 0)),
                                BASIS_CONTEXT.get(basis.get("context", ""), "")) if t)


TIER_COLOURS = {"foundation": "#2f855a", "practitioner": "#2b6cb0", "advanced": "#6b46c1",
                "expert": "#b7791f"}


@dataclass(frozen=True)
class NavItem:
    """One header link."""

    label: str
    href: str
    active: bool


def humanise_ago(value: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 days ago', or a date for anything older than a month."""
    if value is None:
        return ""
    now = now or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for limit, size, unit in ((60, 1, ""), (3600, 60, "minute"), (86400, 3600, "hour"), (86400 * 31, 86400, "day")):
        if seconds < limit:
            if not unit:
                return "just now"
            n = int(seconds // size)
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return format_date(value)


def format_date(value: datetime | None) -> str:
    """A date as '30 Nov 2026' (empty for None)."""
    return value.strftime("%-d %b %Y") if value else ""


def format_datetime(value: datetime | None) -> str:
    """A timestamp as '30 Nov 2026, 14:05 UTC' (empty for None)."""
    return value.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC") if value else ""


def as_percent(value: float | None) -> str:
    """0.734 -> '73%' (an em dash for None)."""
    return "—" if value is None else f"{round(float(value) * 100)}%"


def as_chance(value: float | None) -> str:
    """An estimated probability as a percentage that never claims certainty: 0.734 -> '73%',
    0.999 -> '>99%', 0.001 -> '<1%' (an em dash for None)."""
    if value is None:
        return "—"
    if value >= 0.995:
        return ">99%"
    if value < 0.005:
        return "<1%"
    return as_percent(value)


def file_size(value: int) -> str:
    """Bytes as '12 KB' / '3.4 MB' (binary units, as upload limits are set)."""
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def humanise_word(value: str | None) -> str:
    """'changes_requested' -> 'Changes requested'."""
    return (value or "").replace("_", " ").capitalize()


def _nav_items(user: Any) -> list[NavItem]:
    path = request.path
    items = [("Badges", "/badges")]
    if user is not None:
        items += [("My badges", "/me"), ("For you", "/me/recommendations")]
        if user.has_role("reviewer"):
            items.append(("Review", "/review"))
        if user.role == "admin":
            items.append(("Admin", "/admin"))
    items.append(("Verify", "/verify"))
    matching = [href for _, href in items if path == href or path.startswith(href + "/")]
    current = max(matching, key=len, default=None)  # /me/recommendations is "For you", not "My badges"
    return [NavItem(label, href, href == current) for label, href in items]


@dataclass(frozen=True)
class Nav:
    """The layout's header: who is signed in, unread notifications, links."""

    user: Any
    unread: int
    items: list[NavItem]
    organisation: str


def _nav() -> Nav:
    user = None
    unread = 0
    try:
        if current_user and current_user.is_authenticated:
            user = current_user
            unread = unread_count(db(), user=user)
    except SQLAlchemyError:
        # The error page itself must render while the database is down.
        log.warning("navigation context unavailable (database error)")
        user, unread = None, 0
    return Nav(user=user, unread=unread, items=_nav_items(user), organisation=settings().organisation_name)


def init_templating(app: Flask) -> None:
    """Register Laurel's filters, label tables and the ``nav`` context on ``app``."""
    app.jinja_env.filters.update(
        ago=humanise_ago,
        date=format_date,
        datetime=format_datetime,
        pct=as_percent,
        chance=as_chance,
        filesize=file_size,
        words=humanise_word,
        sentence=lambda text: (text or "")[:1].upper() + (text or "")[1:],
        band_label=lambda b: BAND_LABELS.get(b or "", "Not scored"),
        band_tone=lambda b: BAND_TONES.get(b or "", "grey"),
        status_label=lambda s: STATUS_LABELS.get(s or "", humanise_word(s)),
        status_tone=lambda s: STATUS_TONES.get(s or "", "grey"),
        verdict_label=lambda v: VERDICT_LABELS.get(v or "", humanise_word(v)),
        check_label=lambda name: CHECK_LABELS.get(name, humanise_word(name)),
        tier_colour=lambda t: TIER_COLOURS.get(t or "", "#4a5568"),
        basis_text=basis_text,
    )
    app.jinja_env.globals.update(FLAG_TEXT=FLAG_TEXT, BAND_LABELS=BAND_LABELS, VERDICT_TEXT=VERDICT_TEXT)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        return {"nav": _nav()}
