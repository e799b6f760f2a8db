"""The library's schema history (Alembic): a database is brought to the newest schema when it opens.

Each change of the tables in ``analyzer.store.library`` gets a revision in ``versions/`` (next
number, ``down_revision`` the last one), so a trainer's existing library is altered in place
instead of being left behind by the code. The first revision creates only what is missing: a
database made by ``create_all`` before migrations existed, or one whose first opening was
killed halfway, comes out the same as a new one.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

FOLDER = Path(__file__).parent


def upgrade(engine: Engine) -> None:
    """Run every revision the database has not had yet, on one connection."""
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(FOLDER))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
