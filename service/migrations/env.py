"""Alembic environment: the URL comes from the caller (service.migrate), never the environment."""

from __future__ import annotations

from alembic import context

import service.models  # noqa: F401  (fills the metadata)
from service.db import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "service.migrate sets sqlalchemy.url"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
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
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if engine is not None:
            connection.close()
            engine.dispose()
