"""Alembic environment: the URL and connection come from the app, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.config import Settings
from app.db import include_object, make_engine
from app.tables import metadata

config = context.config
target_metadata = metadata

def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    settings = config.attributes.get("settings") or Settings()
    with make_engine(settings).begin() as connection:
        run_migrations(connection)
