"""Telling people what happened: an in-app notification and an email in the outbox.

Emails are written in the same transaction as the decision that caused them and sent later by
a worker (service.mailer), so a rolled-back decision sends nothing and an SMTP outage loses
nothing. Without SMTP settings (development) they stay in the outbox, shown at /admin/outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.models import Notification, OutboxEmail, User


def notify(session: Session, *, user: User, message: str, link: str | None, now: datetime,
           subject: str, base_url: str) -> None:
    """Record an in-app notification and queue the matching email."""
    session.add(Notification(user_id=user.id, message=message, link=link, created_at=now))
    url = f"{base_url}{link}" if link and link.startswith("/") else (link or base_url)
    body = f"Hello {user.name},\n\n{message}\n\n{url}\n\n— Laurel, on behalf of your learning team\n"
    session.add(OutboxEmail(to_address=user.email, subject=subject, body=body, created_at=now))
    session.flush()
