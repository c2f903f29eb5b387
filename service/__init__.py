"""Laurel's application: web, API, jobs, CLI. The only package that knows HTTP, SQL and RQ."""
