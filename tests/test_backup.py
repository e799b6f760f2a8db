"""The trainer library as one archive and back (``analyzer.store.backup``, ``formcheck library-backup/-restore``).

Libraries are filled with skeleton 'clips' (``fake_pipeline``, tests/conftest.py): milliseconds a test.
"""

from __future__ import annotations

import io
import sqlite3
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.store.backup import MANIFEST, BackupError, backup, restore
from analyzer.store.library import DATABASE_ENV, DB_FILE, Library
from tests.helpers.fake_library import fake_clip


@pytest.fixture(autouse=True)
def _sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)


@pytest.fixture
def library(tmp_path: Path, fake_pipeline: list[str]) -> Library:
    """Two clients, three sessions (two sharing one video), notes on a session and on a finding."""
    lib = Library(root=tmp_path / "data")
    ana, bo = lib.create_client("Ana"), lib.create_client("Bo")
    first = lib.add_clip(ana.id, fake_clip(tmp_path, "sag.mp4"), "plank")
    lib.add_clip(ana.id, fake_clip(tmp_path, "clean.mp4"), "plank")
    lib.add_clip(bo.id, fake_clip(tmp_path, "sag.mp4"), "plank", name="bo's plank.mp4")
    lib.set_note(first.id, "Heavy day.")
    lib.set_note(first.id, "Squeeze the glutes.", "plank.sagging_hips")
    yield lib
    lib.close()


def _names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return tar.getnames()


def _tamper(archive: Path, out: Path, change) -> Path:  # noqa: ANN001 - change(name, data) -> (name, data) | None
    """A copy of ``archive`` with each member passed through ``change`` (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as target:
        for member in source:
            kept = change(member.name, source.extractfile(member).read())
            if kept is not None:
                info = tarfile.TarInfo(kept[0])
                info.size = len(kept[1])
                target.addfile(info, io.BytesIO(kept[1]))
    return out


def test_round_trip_brings_back_sessions_notes_and_videos(
    library: Library, tmp_path: Path, fake_pipeline: list[str]
) -> None:
    archive = tmp_path / "library.tar.gz"
    manifest = backup(library, archive)
    assert manifest["counts"] == {"clients": 2, "sessions": 3, "notes": 2, "flags": 2, "videos": 2, "tracks": 4}
    names = _names(archive)
    assert names[-1] == MANIFEST and DB_FILE in names and not any(n.endswith("-wal") for n in names)

    restore(archive, tmp_path / "elsewhere")
    restored = Library(root=tmp_path / "elsewhere")
    try:
        before, after = library.sessions(), restored.sessions()
        assert [(s.client_name, s.original_name, s.flags, s.verdict) for s in after] == \
               [(s.client_name, s.original_name, s.flags, s.verdict) for s in before]
        for old, new in zip(before, after):
            assert new.video.read_bytes() == old.video.read_bytes() and new.video.parent == restored.root / "videos"
            assert restored.notes(new.id) == library.notes(old.id)
            assert restored.report(new.id) == library.report(old.id)
        calls = len(fake_pipeline)
        assert restored.analysis(after[0].id).report.findings  # opened from the restored track
        assert len(fake_pipeline) == calls  # no pose model: the tracks came back too
    finally:
        restored.close()


def test_backup_is_a_snapshot_while_the_library_writes(library: Library, tmp_path: Path) -> None:
    """The snapshot holds what was committed, including what still sits in the WAL (never a file copy)."""
    holder = sqlite3.connect(library.root / DB_FILE)  # an open reader keeps the WAL from being checkpointed away
    holder.execute("SELECT count(*) FROM clients").fetchone()
    library.create_client("Cy")
    assert (library.root / f"{DB_FILE}-wal").stat().st_size > 0
    backup(library.root, tmp_path / "b.tar")  # the data folder, read as the app would
    restore(tmp_path / "b.tar", tmp_path / "copy")
    holder.close()
    copy = Library(root=tmp_path / "copy")
    assert [c.name for c in copy.clients()] == ["Ana", "Bo", "Cy"]
    copy.close()


def test_a_corrupted_archive_is_refused_and_changes_nothing(library: Library, tmp_path: Path) -> None:
    archive = tmp_path / "library.tar"
    backup(library, archive)
    video = next(n for n in _names(archive) if n.startswith("videos/"))
    flipped = _tamper(archive, tmp_path / "flipped.tar",
                      lambda name, data: (name, data[:-1] + bytes([data[-1] ^ 1]) if name == video else data))
    with pytest.raises(BackupError, match="sha256 differs"):
        restore(flipped, tmp_path / "target")
    assert not (tmp_path / "target" / DB_FILE).exists() and not (tmp_path / "target" / "videos").exists()

    truncated = tmp_path / "truncated.tar.gz"
    backup(library, tmp_path / "whole.tar.gz")
    truncated.write_bytes((tmp_path / "whole.tar.gz").read_bytes()[:-200])
    with pytest.raises(BackupError, match="cannot be read|lacks|manifest"):
        restore(truncated, tmp_path / "target")
    dropped = _tamper(archive, tmp_path / "dropped.tar", lambda name, data: None if name == video else (name, data))
    with pytest.raises(BackupError, match="lacks"):
        restore(dropped, tmp_path / "target")
    with pytest.raises(BackupError, match="cannot be read"):
        restore(fake_clip(tmp_path, "not_an_archive.tar"), tmp_path / "target")


@pytest.mark.parametrize("member", ["../evil.txt", "videos/../../evil.txt", "/etc/evil.txt", "videos/../formcheck.db"])
def test_a_member_leaving_the_folder_is_refused(library: Library, tmp_path: Path, member: str) -> None:
    backup(library, tmp_path / "a.tar")
    archive = _tamper(tmp_path / "a.tar", tmp_path / "evil.tar",
                      lambda name, data: (member if name.startswith("videos/") else name, data))
    with pytest.raises(BackupError, match="absolute path|leaving the folder"):
        restore(archive, tmp_path / "target" / "data")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "target" / "evil.txt").exists()
    assert not (tmp_path / "target" / "data" / DB_FILE).exists()


def test_links_and_strangers_are_refused(library: Library, tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    backup(library, archive)
    linked = tmp_path / "linked.tar"
    with tarfile.open(archive) as source, tarfile.open(linked, "w") as target:
        for member in source:
            target.addfile(member, source.extractfile(member))
        link = tarfile.TarInfo("videos/" + "0" * 64 + ".mp4")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        target.addfile(link)
    with pytest.raises(BackupError, match="a link"):
        restore(linked, tmp_path / "target")
    stranger = _tamper(archive, tmp_path / "stranger.tar",
                       lambda name, data: ("notes.txt" if name.startswith("videos/") else name, data))
    with pytest.raises(BackupError, match="not part of a formcheck library"):
        restore(stranger, tmp_path / "target")


def test_restoring_over_a_library_needs_force(library: Library, tmp_path: Path, fake_pipeline: list[str]) -> None:
    archive = tmp_path / "library.tar"
    backup(library, archive)
    other = Library(root=tmp_path / "other")
    carol = other.create_client("Carol")
    kept_video = other.add_clip(carol.id, fake_clip(tmp_path, "pike.mp4"), "plank").video
    other.close()
    with pytest.raises(BackupError, match="already holds a library.*--force"):
        restore(archive, tmp_path / "other")
    reopened = Library(root=tmp_path / "other")
    assert [c.name for c in reopened.clients()] == ["Carol"] and kept_video.exists()
    reopened.close()

    restore(archive, tmp_path / "other", force=True)
    replaced = Library(root=tmp_path / "other")
    assert [c.name for c in replaced.clients()] == ["Ana", "Bo"] and len(replaced.sessions()) == 3
    assert not kept_video.exists()  # the old library is gone whole, not mixed into the restored one
    assert not [p for p in replaced.root.iterdir() if p.name.startswith(".restore")]
    replaced.close()


def test_an_empty_data_folder_is_not_a_library(library: Library, tmp_path: Path) -> None:
    Library(root=tmp_path / "fresh").close()  # the app opened once: a database, no client
    backup(library, tmp_path / "a.tar")
    assert restore(tmp_path / "a.tar", tmp_path / "fresh")["counts"]["sessions"] == 3


def test_a_database_other_than_sqlite_is_refused_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_ENV, "postgresql+psycopg://trainer@db/formcheck")
    with pytest.raises(BackupError, match="SQLite libraries only.*pg_dump"):
        backup(tmp_path, tmp_path / "a.tar")


def test_the_commands(library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner, archive = CliRunner(), tmp_path / "library.tar.gz"
    monkeypatch.setenv("FORMCHECK_DATA", str(library.root))
    done = runner.invoke(app, ["library-backup", str(archive)])
    assert done.exit_code == 0, done.output
    assert "2 clients, 3 sessions, 2 notes, 2 videos" in done.output

    monkeypatch.setenv("FORMCHECK_DATA", str(tmp_path / "new"))
    assert runner.invoke(app, ["library-restore", str(archive)]).exit_code == 0
    refused = runner.invoke(app, ["library-restore", str(archive)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert runner.invoke(app, ["library-restore", str(archive), "--force"]).exit_code == 0
    restored = Library(root=tmp_path / "new")
    assert len(restored.sessions()) == 3
    restored.close()
