"""The library's schema comes from its Alembic revisions, and older databases are brought up to it."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from analyzer.store.library import DB_FILE, Base, Library
from analyzer.store.migrations import FOLDER

HEAD = ScriptDirectory(str(FOLDER)).get_current_head()


def _version(library: Library) -> str | None:
    with library.engine.connect() as db:
        return MigrationContext.configure(db).get_current_revision()


def test_the_migrations_make_the_models_schema(tmp_path: Path) -> None:
    library = Library(root=tmp_path)
    assert _version(library) == HEAD
    with library.engine.connect() as db:
        assert compare_metadata(MigrationContext.configure(db), Base.metadata) == []
    library.close()


def test_a_library_from_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    old = create_engine(f"sqlite:///{tmp_path / DB_FILE}")
    Base.metadata.create_all(old)
    with old.begin() as db:
        db.execute(text("INSERT INTO clients (name, created_at) VALUES ('Kim', '2025-01-01 00:00:00')"))
    old.dispose()
    library = Library(root=tmp_path)
    assert [c.name for c in library.clients()] == ["Kim"]
    assert _version(library) == HEAD
    library.close()


def test_a_first_opening_killed_halfway_is_finished(tmp_path: Path) -> None:
    half = create_engine(f"sqlite:///{tmp_path / DB_FILE}")
    Base.metadata.tables["clients"].create(half)
    half.dispose()
    library = Library(root=tmp_path)
    with library.engine.connect() as db:
        assert {"clients", "sessions", "flags", "notes"} <= set(inspect(db).get_table_names())
    assert library.create_client("Lee").name == "Lee"
    library.close()
