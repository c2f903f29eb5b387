"""Alembic environment: the URL comes from the caller (service.migrate), never the environment."""

from __future__ import annotations

from alembic import context

import service.models  # noqa: F401  (fills the metadata)
from service.db import Base, make_engine

config = context.config
# Indexes created by hand-written migrations on expressions autogenerate cannot compare.
MANUAL_INDEXES = {"ix_submissions_queue_clear", "ix_submissions_queue_age"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and name in MANUAL_INDEXES)


url = config.get_main_option("sqlalchemy.url")
assert url, "service.migrate sets sqlalchemy.url"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    engine = None
    if connection is None:
        engine = make_engine(url)
        connection = engine.connect()
    try:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=url.startswith("sqlite"), include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if engine is not None:
            connection.close()
            engine.dispose()
