"""Coverage-guided fuzzing of the pose-track CSV reader, ``analyzer.io.track_csv.read_track_csv``.

Run by ``make fuzz`` (``FUZZ_SECONDS`` per target); by hand: ``PYTHONPATH=. .venv/bin/python
tests/fuzz/fuzz_track_csv.py -max_total_time=60``. A file that is no usable track must raise
TrackFormatError; anything else escaping is a crash.
"""

from __future__ import annotations

from pathlib import Path

import atheris

with atheris.instrument_imports(include=["analyzer"]):
    from analyzer.io.track_csv import TrackFormatError, read_track_csv, write_track_csv

from tests.fuzz.harness import fuzz  # noqa: E402
from tests.helpers import media  # noqa: E402
from tests.helpers import skeleton as sk  # noqa: E402

SUFFIXES = (".csv",)
# Words the reader gives meaning to: its columns, the cells numbers can be, separators and quotes.
TOKENS = [t.encode() for t in ("frame", "t_ms", "nose_x", "left_hip_y", "_v", "_wx", "width", "height", "img_",
                               "nan", "inf", "-1e308", "1e5", "0x10", ";", "\t", '"', "\r\n", "\ufeff")]


def seeds(folder: Path) -> dict[str, bytes]:
    """Our own format (short, with world landmarks and a frame size) and another tool's (pixels, no t_ms)."""
    track, _ = sk.plank(duration_s=0.2)
    write_track_csv(track, folder / "own.csv")
    media.write_foreign_track_csv(folder / "foreign.csv", track, media.BODY_LANDMARKS, scale=(1280, 720))
    return {name: (folder / name).read_bytes() for name in ("own.csv", "foreign.csv")}


if __name__ == "__main__":
    fuzz("track_csv", read_track_csv, TrackFormatError, SUFFIXES, seeds, TOKENS)
