"""Coverage-guided fuzzing of the container probe: ``analyzer.io.video.probe`` and the first frames decoded.

Run by ``make fuzz`` (``FUZZ_SECONDS`` per target); by hand: ``PYTHONPATH=. .venv/bin/python
tests/fuzz/fuzz_probe.py -max_total_time=60``. A file probe cannot use must raise VideoError;
anything else escaping is a crash.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["analyzer"]):
    from analyzer.io.video import VideoError, iter_frames, probe

from tests.fuzz.harness import fuzz  # noqa: E402
from tests.helpers import media  # noqa: E402

SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".gif")
FIRST_FRAMES = 3
# MP4 box types whose fields formcheck reads or FFmpeg trusts (index, sizes, times, rotation).
TOKENS = [kind.encode() for kind in ("ftyp", "moov", "mdat", "free", "mvhd", "tkhd", "mdhd", "stts", "elst", "stsz", "stco", "avcC")]


def probe_and_decode(path: Path) -> None:
    probe(path)
    for _ in itertools.islice(iter_frames(path), FIRST_FRAMES):
        pass


def seeds(folder: Path) -> dict[str, bytes]:
    """One small clip of each container, a rotated one, one cut short, and one with irregular timestamps."""
    made = {f"clip{s}": media.make_video(folder / f"clip{s}", width=32, height=24, n_frames=4) for s in SUFFIXES}
    made["rotated.mp4"] = media.make_video(folder / "rotated.mp4", width=32, height=24, n_frames=4, rotation_ccw=-90)
    made["faststart.mp4"] = media.make_video(folder / "faststart.mp4", width=32, height=24, n_frames=4, faststart=True)
    made["cut.mp4"] = media.truncate(made["faststart.mp4"], folder / "cut.mp4", 0.8)
    made["dup.mkv"] = media.make_video_packet_pts(folder / "dup.mkv", [0, 33, 33, 100])
    return {name: path.read_bytes() for name, path in made.items()}


if __name__ == "__main__":
    fuzz("probe", probe_and_decode, VideoError, SUFFIXES, seeds, TOKENS)
