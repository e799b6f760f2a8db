"""Stand-ins for the pose model in the library and app tests: 'clips' whose bytes name a skeleton plank.

A fake clip is a small file reading ``FAKE:<name>``; :func:`fake_run_analysis` (in place of
``analyzer.pipeline.run_analysis``) analyses the skeleton plank that ``name`` stands for, so a
test gets real findings in milliseconds, without a video or the pose model.
"""

from __future__ import annotations

from pathlib import Path

import analyzer.pipeline as pipeline
from analyzer.pipeline import Analysis, analyze_track
from analyzer.report import SourceInfo
from tests.helpers import skeleton as sk

# The plank each fake clip shows. Each name gives distinct bytes: the library names videos by content hash.
FAKE_CLIPS = {
    "sag.mp4": {"hip_sag_deg": 25},
    "sag_late.mp4": {"hip_sag_deg": 20, "sag_onset_s": 2, "head_drop_deg": 25},
    "clean.mp4": {},
    "pike.mp4": {"hip_pike_deg": 25},
}


def plank_analysis(name: str = "sag.mp4", exercise: str = "plank") -> Analysis:
    """A real Analysis of a skeleton plank, named as if it came from ``name``."""
    track, _ = sk.plank(duration_s=8, **FAKE_CLIPS.get(Path(name).name, FAKE_CLIPS["sag.mp4"]))
    source = SourceInfo(file=Path(name).name, duration_s=8.0, fps=track.fps, width=1280, height=720)
    return analyze_track(track, "plank" if exercise == "auto" else exercise, source=source)


def fake_run_analysis(path, exercise="auto", *, progress=None, should_cancel=None, **_kw) -> Analysis:
    """Stands in for the pose model: picks the skeleton by the first bytes of the file."""
    data = Path(path).read_bytes()
    if not data.startswith(b"FAKE:"):
        raise pipeline.InputError("This file is not a video formcheck can read: upload an mp4, mov, webm, avi or gif.")
    name = data[5:].split(b"\n")[0].decode()
    for done in range(11):
        if should_cancel is not None and should_cancel():
            raise pipeline.Cancelled()
        if progress is not None:
            progress(done, 10)
    return plank_analysis(name, exercise)


def fake_clip(folder: Path, name: str) -> Path:
    """A fake clip file ``folder/name`` that :func:`fake_run_analysis` reads as the plank ``name``."""
    path = folder / name
    path.write_bytes(f"FAKE:{name}\n".encode())
    return path
