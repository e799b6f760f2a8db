"""Where formcheck keeps its data on this machine, and how stored files are named (by content hash)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
