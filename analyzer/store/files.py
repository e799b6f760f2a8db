"""Where formcheck keeps its data on this machine, how stored files are named (by content hash), and how
they are written so that a killed process or a power cut leaves either the whole file or a leftover to sweep."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; see ``sweeping``
    fcntl = None  # type: ignore[assignment]

DATA_ENV = "FORMCHECK_DATA"
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".avi", ".gif", ".m4v", ".mkv")
CHUNK = 1 << 20


def data_dir() -> Path:
    """``$FORMCHECK_DATA``, else ``~/.local/share/formcheck`` (XDG_DATA_HOME respected); created on use."""
    env = os.environ.get(DATA_ENV)
    if env:
        root = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        root = Path(base) / "formcheck"
    root.mkdir(parents=True, exist_ok=True)
    return root


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def video_suffix(name: str) -> str:
    """The stored file's extension: the upload's if it is a known video type (browsers need it), else .mp4."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES else ".mp4"


# -- writing that survives a crash --------------------------------------------------
def is_temp(name: str) -> bool:
    """A writer's unfinished file or folder: hidden (ours, see ``atomic_file``) or an older ``*.part``.

    Stored files are named by hash and never start with a dot, so nothing kept is taken for one.
    """
    return name.startswith(".") or name.endswith(".part")


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write; when the block ends it replaces ``target`` whole.

    The data is fsynced before the rename, else a power cut can leave the new
    name on an empty or torn file (the rename may reach the disk first); the
    folder is fsynced after, so the rename itself is on disk before the caller
    records the file (the library commits only then). On an error the
    temporary file goes; a killed writer leaves it for ``sweep_folder``. It
    keeps ``target``'s suffix, which writers that pick a container by name need.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".part{target.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # Windows cannot open a folder to fsync it
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_folder(folder: Path, keep: Callable[[str], bool]) -> int:
    """Remove writers' leftovers and every entry whose name ``keep`` refuses; returns how many went.

    Run it only inside ``sweeping`` (no writer busy), else a file being added
    before its database row is committed would look unreferenced.
    """
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if not is_temp(path.name) and keep(path.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


# -- writers and the sweep, between processes ------------------------------------
LOCK_FILE = ".writers.lock"


@contextmanager
def writing(root: Path) -> Iterator[None]:
    """Held (shared, by any number of writers) from a file's first byte until the database records it."""
    with _flock(root, fcntl.LOCK_SH if fcntl else 0):
        yield


@contextmanager
def sweeping(root: Path) -> Iterator[bool]:
    """True when no writer is busy under ``root``; none starts until the block ends.

    An advisory lock (flock): the kernel drops a killed writer's, so a crash
    never blocks the sweep that cleans up after it. Without flock (Windows)
    this is always False and nothing is swept.
    """
    with _flock(root, fcntl.LOCK_EX | fcntl.LOCK_NB if fcntl else 0) as free:
        yield free


@contextmanager
def _flock(root: Path, mode: int) -> Iterator[bool]:
    if fcntl is None:
        yield False
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as fh:  # closing it releases the lock
        try:
            fcntl.flock(fh.fileno(), mode)
            held = True
        except BlockingIOError:
            held = False
        yield held
