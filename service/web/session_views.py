"""Signing in and out of the web pages (session cookie)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from service.operations.pages import authenticate
from service.web.context import db, settings
from service.web.security import limiter, optional_web_user

session_views = Blueprint("session_views", __name__)


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in ('/' for anything off-site)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target.rstrip("?") or "/"


@session_views.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: settings().login_rate_limit, methods=["POST"])
def login() -> Response | tuple[str, int] | str:
    """The sign-in form; a good email and password start a session."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if optional_web_user() is not None:
            return redirect(next_url)
        return render_template("login.html", next_url=next_url, email="")
    email = request.form.get("email", "")
    user = authenticate(db(), email=email, password=request.form.get("password", ""))
    if user is None:
        return render_template("login.html", next_url=next_url, email=email,
                               error="That email and password don't match an account."), 401
    login_user(user, remember=bool(request.form.get("remember")))
    flash(f"Welcome back, {user.name}.", "success")
    return redirect(next_url)


@session_views.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect("/")
