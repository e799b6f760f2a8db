"""Alembic's entry point: migrations run on the connection that ``migrations.upgrade`` hands over."""

from __future__ import annotations

from alembic import context

# batch mode: SQLite alters a table by copying it, and Alembic does that only when asked.
context.configure(connection=context.config.attributes["connection"], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
