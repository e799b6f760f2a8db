"""The whole trainer library as one archive, and back: what a trainer copies to another disk or machine.

The archive is a tar (gzip when its name ends in .tar.gz or .tgz) holding, under the same names as in the
data folder:

* ``formcheck.db``: a snapshot of the database taken with SQLite's online backup API, so it is one
  committed state even while the app writes (copying the file would miss what still sits in its WAL,
  or copy it torn); it is switched out of WAL mode, a single self-contained file;
* ``videos/<sha256><suffix>``: every video a session of the snapshot refers to;
* ``library/tracks/<sha256>-*``: their pose tracks, so a restored session opens without the pose model;
* ``manifest.json`` (last): format version, formcheck version, schema revision, counts, and the size and
  sha256 of every other member; videos the snapshot names but the disk lacks are listed as missing.

Annotated videos and the upload page's cache are left out: both are remade from the video and its track.

Only SQLite libraries are covered. A library on another database (``FORMCHECK_DATABASE_URL``, PostgreSQL)
is refused with a message: back that database up with its own tools (pg_dump) and the data folder's
``videos/`` and ``library/`` beside it.

A restore checks the whole archive in a hidden folder first (every member a plain file at an expected
name: no absolute path, no ``..``, no link; every sha256 and size as the manifest says, nothing more,
nothing missing; the database whole), and only then moves it into place; an existing library is
replaced only when asked. Stop the app before restoring: it holds the old database open.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from alembic.util import CommandError
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import analyzer
from analyzer.store.cache import SHA_LENGTH
from analyzer.store.files import CHUNK, atomic_file, is_temp, sweeping
from analyzer.store.library import (
    DATABASE_ENV,
    DB_FILE,
    OWNER_FILE,
    Client,
    Flag,
    Library,
    LibraryError,
    Note,
)
from analyzer.store.library import Session as SessionRow

FORMAT = "formcheck-library-backup"
VERSION = 1
MANIFEST = "manifest.json"
VIDEOS = "videos"
TRACKS = "library/tracks"
# Far above any real manifest (a line per file): a bigger one is not ours, and is not read into memory.
MAX_MANIFEST_BYTES = 64 << 20
# What a restore replaces in the data folder (the SQLite side files with the database: a WAL left from
# the old database would be replayed into the new one). The upload page's cache/ is not the library's.
REPLACED = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", f"{DB_FILE}-journal", VIDEOS, "library", OWNER_FILE)


class BackupError(LibraryError):
    """The archive cannot be written or restored; ``str()`` says why and what to do."""


# -- backup ------------------------------------------------------------------------------
def backup(library: Library | str | Path, out: str | Path) -> dict[str, Any]:
    """Write the library (a ``Library``, or its data folder) to the archive ``out``; returns the manifest.

    ``out`` is written whole or not at all (``files.atomic_file``). A data folder is read with the
    database the app would use there: ``FORMCHECK_DATABASE_URL``, else its ``formcheck.db``.
    """
    root, url = (library.root, library.url) if isinstance(library, Library) else _location(Path(library))
    database = _sqlite_file(url)
    if not database.is_file():
        raise BackupError(f"There is no library at {root} (no {DB_FILE}): nothing to back up.")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="formcheck-backup-") as tmp:
        snapshot = Path(tmp) / DB_FILE
        _snapshot(database, snapshot)
        counts, schema, videos = _contents(snapshot)
        members, missing = _library_files(root, videos)
        tracks = sum(name.startswith(TRACKS) for name, _ in members)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "formcheck": analyzer.__version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema": schema,
            "counts": {**counts, "videos": len(videos) - len(missing), "tracks": tracks},
            "missing": missing,
            "files": {},
        }
        compressed = out.name.endswith((".tar.gz", ".tgz"))
        with atomic_file(out) as part, tarfile.open(part, "w:gz" if compressed else "w") as tar:
            for name, path in [(DB_FILE, snapshot), *members]:
                manifest["files"][name] = _add_file(tar, name, path)
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


def _library_files(root: Path, videos: set[str]) -> tuple[list[tuple[str, Path]], list[str]]:
    """(archive name, path) of the sessions' videos and their pose tracks; the videos the disk lacks."""
    members, missing = [], []
    for name in sorted(videos):
        path = root / VIDEOS / name
        if PurePosixPath(name).name == name and path.is_file():
            members.append((f"{VIDEOS}/{name}", path))
        else:
            missing.append(f"{VIDEOS}/{name}")
    for sha in sorted({name[:SHA_LENGTH] for name in videos}):
        members += [(f"{TRACKS}/{p.name}", p) for p in sorted((root / TRACKS).glob(f"{sha}-*"))
                    if p.is_file() and not is_temp(p.name)]
    return members, missing


def _location(root: Path) -> tuple[Path, str]:
    """The data folder and the database the app would use there (as ``Library`` picks it)."""
    return root, os.environ.get(DATABASE_ENV) or f"sqlite:///{root / DB_FILE}"


def _sqlite_file(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise BackupError(
            f"The library is on {parsed.get_backend_name()} ({DATABASE_ENV}): formcheck's backup covers SQLite "
            "libraries only. Back that database up with its own tools (pg_dump), and the data folder's "
            f"{VIDEOS}/ and library/ beside it."
        )
    return Path(parsed.database)


def _snapshot(database: Path, out: Path) -> None:
    """One committed state of a live database, via SQLite's online backup API; a single file, no WAL."""
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(out)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")


def _contents(database: Path) -> tuple[dict[str, int], str | None, set[str]]:
    """Row counts, the schema revision, and the video files (``<sha256><suffix>``) the sessions refer to."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as db:
            counts = {
                table.__tablename__: db.scalar(select(func.count()).select_from(table))
                for table in (Client, SessionRow, Note, Flag)
            }
            schema = db.scalar(text("SELECT version_num FROM alembic_version"))
            videos = {sha + suffix for sha, suffix in db.execute(
                select(SessionRow.video_sha256, SessionRow.video_suffix).distinct())}
    finally:
        engine.dispose()
    return counts, schema, videos


class _Hashing:
    """A file object that hashes what tarfile reads from it (each file is read once, by the tar)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:  # the open file: a writer replacing the path meanwhile changes nothing here
        size = os.fstat(fh.fileno()).st_size
        reader = _Hashing(fh)
        tar.addfile(_member(name, size), reader)
    return {"size": size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_member(name, len(data)), io.BytesIO(data))


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(datetime.now(UTC).timestamp())
    return info


# -- restore -----------------------------------------------------------------------------
def restore(archive: str | Path, root: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Put the library of ``archive`` in the data folder ``root``; returns its manifest.

    Refuses a folder that already holds a library (a client or a video) unless ``force``; then the
    old one is replaced whole. Raises ``BackupError`` for an archive that is damaged, not formcheck's,
    or holds a member outside the library's layout (absolute, ``..``, a link): nothing is changed then.
    """
    archive, root = Path(archive), Path(root)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist or is not a file.")
    if not force and (why := _occupied(root)):
        raise BackupError(f"{root} already holds a library ({why}): restoring would replace it. "
                          "Choose an empty data folder, or replace it on purpose (--force).")
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))  # same disk: moving in is a rename
    try:
        manifest = _unpack(archive, staging)
        _check_database(staging / DB_FILE, manifest)
        _check_opens(staging, manifest)  # before the old library is touched
        with sweeping(root) as free:
            if not free:
                raise BackupError(f"The library in {root} is being written to: stop the app, then restore again.")
            _move_in(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _check_opens(root, manifest)
    return manifest


def _check_opens(root: Path, manifest: dict[str, Any]) -> None:
    """``Library`` opens the folder's database and lists the archive's sessions.

    Opening migrates an older schema, and claims the folder's files for this database (``OWNER_FILE``):
    a library opened there next on another database cannot take the restored videos for orphans.
    """
    try:
        opened = Library(url=f"sqlite:///{root / DB_FILE}", root=root)
    except (SQLAlchemyError, CommandError) as exc:  # a schema from a newer formcheck, say
        raise BackupError(f"The archive's library cannot be opened by this formcheck ({exc}).") from None
    try:
        if len(opened.sessions()) != manifest["counts"]["sessions"]:
            raise BackupError(f"The library restored in {root} does not list the archive's sessions.")
    finally:
        opened.close()


def _occupied(root: Path) -> str | None:
    """Why ``root`` counts as holding a library (its database has a client, or there are videos), or None."""
    videos = root / VIDEOS
    if videos.is_dir() and any(not is_temp(p.name) for p in videos.iterdir()):
        return f"videos in {videos}"
    database = root / DB_FILE
    if not database.exists():
        return None
    try:
        with closing(sqlite3.connect(database)) as db:
            clients = db.execute("SELECT count(*) FROM clients").fetchone()[0]
    except sqlite3.Error:
        return f"{database}, which formcheck cannot read"
    return f"{clients} client{'s' if clients != 1 else ''} in {database}" if clients else None


def _allowed(member: tarfile.TarInfo) -> str:
    """The member's name once it is known to be safe to write under the data folder; else BackupError."""
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise BackupError(f"The archive holds {name!r}, an absolute path: refused (not a formcheck backup).")
    if ".." in path.parts or "\\" in name:
        raise BackupError(f"The archive holds {name!r}, a path leaving the folder ('..'): refused.")
    if member.issym() or member.islnk():
        raise BackupError(f"The archive holds {name!r}, a link: refused (a formcheck backup has none).")
    if not member.isfile():
        raise BackupError(f"The archive holds {name!r}, which is not a plain file: refused.")
    parent, leaf = str(path.parent), path.name
    if name in (MANIFEST, DB_FILE) or (parent in (VIDEOS, TRACKS) and leaf and not is_temp(leaf)):
        return name
    raise BackupError(f"The archive holds {name!r}, which is not part of a formcheck library: refused.")


@contextmanager
def _reading(archive: Path) -> Iterator[tarfile.TarFile]:
    """The archive open for reading; a damaged or foreign file becomes a BackupError that says so."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{archive} cannot be read: damaged, or not a formcheck backup ({type(exc).__name__}: {exc}).") from None


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Every member written under ``staging`` (checked first) and hashed; the manifest, verified against them."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes = b""
    with _reading(archive) as tar:
        for member in tar:
            name = _allowed(member)
            if name in seen or (name == MANIFEST and manifest_bytes):
                raise BackupError(f"The archive holds {name!r} twice: refused.")
            source = tar.extractfile(member)
            assert source is not None  # a plain file, checked above
            if name == MANIFEST:
                if member.size > MAX_MANIFEST_BYTES:
                    raise BackupError("The archive's manifest is far too large: not a formcheck backup.")
                manifest_bytes = source.read()
                continue
            seen[name] = _write(source, staging / name)
    try:
        manifest = json.loads(manifest_bytes)
        files = manifest["files"]
        if not all(isinstance(entry, dict) for entry in files.values()):
            raise TypeError(MANIFEST)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(f"{archive} has no readable {MANIFEST}: not a formcheck backup, or damaged.") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("version"), int):
        raise BackupError(f"{archive} is not a formcheck library backup.")
    if manifest["version"] > VERSION:
        raise BackupError(f"{archive} was written by a newer formcheck (backup format {manifest['version']}): "
                          "update formcheck to restore it.")
    for name in sorted(set(files) | set(seen)):
        if name not in seen:
            raise BackupError(f"{archive} lacks {name}, which its manifest lists: the archive is incomplete.")
        if name not in files:
            raise BackupError(f"{archive} holds {name}, which its manifest does not list: refused.")
        if seen[name] != {"size": files[name].get("size"), "sha256": files[name].get("sha256")}:
            raise BackupError(f"{name} in {archive} is not the file that was backed up (its sha256 differs): "
                              "the archive is damaged.")
    if DB_FILE not in seen:
        raise BackupError(f"{archive} holds no database: not a formcheck library backup.")
    return manifest


def _write(source: IO[bytes], target: Path) -> dict[str, Any]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while block := source.read(CHUNK):
            digest.update(block)
            size += len(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return {"size": size, "sha256": digest.hexdigest()}


def _check_database(database: Path, manifest: dict[str, Any]) -> None:
    """The snapshot is a whole SQLite database with the rows the manifest counted."""
    try:
        with closing(sqlite3.connect(database)) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The archive's database fails SQLite's integrity check: the archive is damaged.")
        counts, _, _ = _contents(database)
    except (sqlite3.Error, SQLAlchemyError) as exc:
        raise BackupError(f"The archive's database cannot be read ({exc}): the archive is damaged.") from None
    expected = {k: v for k, v in manifest.get("counts", {}).items() if k in counts}
    if counts != expected:
        raise BackupError(f"The archive's database holds {counts}, its manifest says {expected}: refused.")


def _move_in(staging: Path, root: Path) -> None:
    """Replace the library's entries in ``root`` by the staged ones: the old ones are moved aside first, then
    deleted, so a crash in between leaves them in a hidden ``.restore-old-*`` folder, not lost."""
    old = Path(tempfile.mkdtemp(prefix=".restore-old-", dir=root))
    for name in REPLACED:
        if (root / name).exists() or (root / name).is_symlink():
            os.replace(root / name, old / name)
    for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", VIDEOS, "library"):
        if (staging / name).exists():
            os.replace(staging / name, root / name)
    shutil.rmtree(old, ignore_errors=True)
