"""Which clips a batch's SOURCE names: a folder (searched recursively), a list file, or a glob."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from analyzer.store.files import VIDEO_SUFFIXES

GLOB_CHARS = "*?["
LIST_SUFFIXES = (".txt", ".lst", ".list")


class SourceError(ValueError):
    """SOURCE names no clip; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class Clip:
    """A clip and its name relative to the batch's root, which also names its report folder."""

    path: Path
    name: str

    @property
    def report_folder(self) -> Path:
        """``<relative folders>/<stem>``: two ``set1.mp4`` in different folders keep apart."""
        return Path(self.name).with_suffix("")


def find_clips(source: str) -> list[Clip]:
    """Every clip SOURCE names, in a stable order (sorted by name), each once."""
    path = Path(source)
    if path.is_dir():
        paths = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
        root = path
    elif path.is_file() and (path.suffix.lower() in LIST_SUFFIXES):
        paths = _listed(path)
        root = _common_folder(paths)
    elif path.is_file():
        paths, root = [path], path.parent
    elif any(ch in source for ch in GLOB_CHARS):
        paths = [Path(p).resolve() for p in glob.glob(source, recursive=True) if Path(p).is_file()]
        root = _common_folder(paths)
    else:
        raise SourceError(f"{source} does not exist: give a folder, a list file (.txt) or a glob.")
    clips = sorted({Clip(p, p.relative_to(root).as_posix()) for p in paths}, key=lambda c: c.name)
    if not clips:
        raise SourceError(f"{source} names no video ({', '.join(VIDEO_SUFFIXES)}): check the path or pattern.")
    return clips


def _listed(list_file: Path) -> list[Path]:
    """One path a line (relative ones to the list's folder); blank lines and ``#`` comments skipped.
    A listed file that is missing stays in: its failure is recorded like any other clip's."""
    lines = (line.strip() for line in list_file.read_text().splitlines())
    return [(list_file.parent / line).resolve() for line in lines if line and not line.startswith("#")]


def _common_folder(paths: list[Path]) -> Path:
    if not paths:
        return Path(".")
    return Path(os.path.commonpath([p.resolve().parent for p in paths]))
