"""Analyses cached by the clip's content hash, so that a second upload or a rerun costs no pose estimation.

What is kept on disk (under ``<data dir>/cache``) is the pose track and the
source facts, not the report: pose estimation is the slow part (10-40 s a
clip here), while the rules run in well under a second, so a cached track
answers any exercise choice and picks up rule changes. An input that cannot
be analysed keeps its message, so a bad file fails at once the second time.
The key also covers the extraction options, the formcheck version and the
pose model, so a new model never serves an old track.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import analyzer
from analyzer import pipeline
from analyzer.draw.annotate import render_parallel
from analyzer.io.track_csv import TrackFormatError, read_track_csv, write_track_csv
from analyzer.pipeline import Analysis
from analyzer.pose.extract import ExtractOptions, Progress
from analyzer.pose.model import model_path, model_sha256
from analyzer.report import SourceInfo
from analyzer.store.files import atomic_file, data_dir, is_temp, sha256_file, sweep_folder, video_suffix

# Uploads kept for replay and downloads; older ones are pruned (their tracks stay).
KEEP_UPLOADS = 12
KEEP_TRACKS = 500
# Analyses kept in memory: each holds its track (a few MB for a minute of video).
KEEP_IN_MEMORY = 6
DEFAULT_OPTIONS = ExtractOptions()
# The cache's folders; every file in them is named after its video's sha256 (64 hex digits) first.
FOLDERS = ("uploads", "tracks", "annotated", "errors")
SHA_LENGTH = 64


@cache
def _model_fingerprint() -> str:
    try:
        return model_sha256(model_path("full")) or ""
    except Exception:  # noqa: BLE001 - a missing model fails later with its own message
        return ""


def options_key(options: ExtractOptions) -> str:
    """Short hash of everything besides the video that shapes the track."""
    what = json.dumps(
        {"options": dataclasses.asdict(options), "formcheck": analyzer.__version__, "model": _model_fingerprint()},
        sort_keys=True,
    )
    return hashlib.sha256(what.encode()).hexdigest()[:12]


class AnalysisCache:
    """Uploads, tracks and annotated videos by content hash, plus the last analyses in memory."""

    def __init__(self, root: Path | None = None, *, prune: bool = True) -> None:
        self.root = root or data_dir() / "cache"
        self.prune = prune
        self._memory: OrderedDict[tuple[str, str, str, str], Any] = OrderedDict()
        self._lock = threading.Lock()  # one cache serves every browser tab (Streamlit threads)

    # -- files ---------------------------------------------------------------
    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def store_upload(self, data: bytes, name: str) -> tuple[str, Path]:
        """Write uploaded bytes under their hash (never their name); returns (sha256, path)."""
        sha = hashlib.sha256(data).hexdigest()
        path = self._dir("uploads") / f"{sha}{video_suffix(name)}"
        if not path.exists():
            with atomic_file(path) as tmp:
                tmp.write_bytes(data)
            if self.prune:
                _prune(self._dir("uploads"), KEEP_UPLOADS)
        else:
            os.utime(path)
        return sha, path

    def annotated_path(self, sha: str, exercise: str) -> Path:
        return self._dir("annotated") / f"{sha}-{exercise}.mp4"

    def forget(self, sha: str) -> None:
        """Drop every cached file of one video (its owner was deleted)."""
        for folder in FOLDERS:
            for path in (self.root / folder).glob(f"{sha}*"):
                path.unlink(missing_ok=True)
        with self._lock:
            for key in [k for k in self._memory if k[0] == sha]:
                del self._memory[key]

    def sweep(self, keep: Callable[[str], bool]) -> int:
        """Remove writers' leftovers and the files of every video whose sha256 ``keep`` refuses.

        Only for a cache whose owner knows every video it keeps (the library, inside
        ``files.sweeping``). Returns how many files went.
        """
        return sum(sweep_folder(self.root / folder, lambda name: keep(name[:SHA_LENGTH])) for folder in FOLDERS)

    # -- analysis ------------------------------------------------------------
    def analyse(
        self,
        video: str | Path,
        exercise: str = "auto",
        *,
        name: str | None = None,
        sha: str | None = None,
        options: ExtractOptions = DEFAULT_OPTIONS,
        workers: int | None = None,
        progress: Progress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ):
        """The analysis of ``video``, from memory, from a cached track, or computed (and then cached).

        ``name`` is what the report calls the source (the uploaded name; the
        file on disk is named by hash). Raises ``InputError`` and ``Cancelled``
        like :func:`analyzer.pipeline.run_analysis`.
        """
        video = Path(video)
        sha = sha or sha256_file(video)
        name = name or video.name
        needed = pipeline.options_for(exercise, options)  # raises InputError for an unknown exercise
        key = (sha, exercise, options_key(needed), name)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        stem = _stem(sha, needed)
        error_file = self._dir("errors") / f"{stem}-{exercise}.txt"
        if error_file.exists():
            raise pipeline.InputError(error_file.read_text())
        cached = self._load_track(stem)
        if cached is None and needed != options:  # a track made with the mask serves an exercise that does not read it
            cached = self._load_track(_stem(sha, options))
        try:
            if cached is not None:
                track, source, processing = cached
                result = pipeline.analyze_track(
                    track, exercise, source=source.model_copy(update={"file": name}), processing=processing
                )
            else:
                result = pipeline.run_analysis(
                    video, exercise, workers=workers, options=needed, progress=progress,
                    should_cancel=should_cancel, name=name,
                )
                result.report.source.file = name
                self._save_track(stem, result)
        except pipeline.InputError as exc:
            with atomic_file(error_file) as tmp:
                tmp.write_text(str(exc))
            raise
        with self._lock:
            self._memory[key] = result
            while len(self._memory) > KEEP_IN_MEMORY:
                self._memory.popitem(last=False)
        return result

    def remember(self, sha: str, result: Analysis, options: ExtractOptions = DEFAULT_OPTIONS) -> None:
        """Keep the track of an analysis made elsewhere (the upload page's, when filed in the library), under
        the options it was made with: a track without the mask (an exercise that does not read it) must not
        pass for one with it."""
        masked = bool(result.report.processing.get("segmentation", options.segmentation))
        stem = _stem(sha, dataclasses.replace(options, segmentation=masked))
        if not (self.root / "tracks" / f"{stem}.csv").exists():
            self._save_track(stem, result)

    def _save_track(self, stem: str, result: Analysis) -> None:
        """The side file, then the track: each whole or absent, and a track is only trusted with both."""
        folder = self._dir("tracks")
        side = {
            "source": result.report.source.model_dump(mode="json"),
            "meta": result.track.meta,
            "processing": {k: v for k, v in result.report.processing.items() if k not in result.track.meta},
        }
        with atomic_file(folder / f"{stem}.json") as tmp:
            tmp.write_text(json.dumps(side, default=str))
        with atomic_file(folder / f"{stem}.csv") as tmp:
            write_track_csv(result.track, tmp)
        if self.prune:
            _prune(folder, KEEP_TRACKS * 2)

    def _load_track(self, stem: str) -> tuple[Any, Any, dict[str, Any]] | None:
        folder = self.root / "tracks"
        csv_path, side_path = folder / f"{stem}.csv", folder / f"{stem}.json"
        if not (csv_path.exists() and side_path.exists()):
            return None
        try:
            side = json.loads(side_path.read_text())
            track = read_track_csv(csv_path)
            source = SourceInfo.model_validate(side["source"])
        except (TrackFormatError, ValueError, KeyError, OSError):
            return None  # a damaged entry is recomputed, not trusted
        track.meta = dict(side.get("meta") or {})
        return track, source, dict(side.get("processing") or {})

    # -- annotated video -----------------------------------------------------
    def annotated(self, video: Path, analysis: Analysis, sha: str, progress: Progress | None = None) -> Path | None:
        """The annotated MP4 for this analysis, rendered once."""
        exercise = analysis.report.exercise.name if analysis.report.exercise else "unknown"
        out = self.annotated_path(sha, exercise)
        if not out.exists():
            with atomic_file(out) as tmp:
                render_parallel(Path(video), analysis, tmp, progress=progress)
        return out

def _stem(sha: str, options: ExtractOptions) -> str:
    """A cached track's file name (without suffix): the clip's content and how its pose was extracted."""
    return f"{sha}-{options_key(options)}"


def _prune(folder: Path, keep: int) -> None:
    """Delete the least recently used files beyond ``keep`` (never a file still being written)."""
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and not is_temp(p.name)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in files[keep:]:
        path.unlink(missing_ok=True)

