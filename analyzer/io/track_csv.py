"""The pose-track CSV interchange format (README, "Pose-track CSV"): one row a frame, NaN as an empty cell."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from analyzer.landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from analyzer.track import PoseTrack

IMAGE_SUFFIXES = ("_x", "_y", "_z", "_v")
WORLD_SUFFIXES = ("_wx", "_wy", "_wz")
# Optional columns of ours: the frame size, so that a re-loaded track keeps its
# aspect ratio (normalised x and y are not the same unit).
SIZE_COLUMNS = ("width", "height")
# Per-frame measurements made on the image itself (the back outline from the
# segmentation mask, brightness) travel as extra columns with this prefix.
CHANNEL_PREFIX = "img_"
# A track without timestamps is taken to be at a phone camera's usual rate.
ASSUMED_FPS = 30.0
# Normalised coordinates stay near 0..1 (a landmark guessed off-frame may reach
# a little beyond); anything this large is pixels.
PIXEL_COORDINATES_ABOVE = 4.0


class TrackFormatError(ValueError):
    """A pose-track CSV that does not follow the interchange format."""


def csv_header(with_world: bool, with_size: bool, channels: Iterable[str] = ()) -> list[str]:
    header = ["frame", "t_ms"]
    for name in LANDMARK_NAMES:
        header += [name + s for s in IMAGE_SUFFIXES]
    if with_world:
        for name in LANDMARK_NAMES:
            header += [name + s for s in WORLD_SUFFIXES]
    if with_size:
        header += list(SIZE_COLUMNS)
    header += [CHANNEL_PREFIX + name for name in channels]
    return header

def write_track_csv(track: PoseTrack, path: str | Path) -> None:
    """Write the interchange CSV (see DESIGN.md); NaN becomes an empty cell."""
    with_world = track.has_world
    names = sorted(track.channels)
    header = csv_header(with_world, track.size is not None, names)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(len(track)):
            row: list[str] = [str(i), _fmt(track.t_ms[i])]
            image = np.concatenate([track.image[i], track.visibility[i][:, None]], axis=1)
            row += [_fmt(v) for v in image.ravel()]
            if with_world:
                row += [_fmt(v) for v in track.world[i].ravel()]
            if track.size is not None:
                row += [str(track.size[0]), str(track.size[1])]
            row += [_fmt(track.channels[name][i]) for name in names]
            writer.writerow(row)

def read_track_csv(path: str | Path) -> PoseTrack:
    """Read the interchange CSV; columns are matched by name, empty means unknown.

    Tracks from other tools are taken as they come: names in any case, cells
    split by ',', ';' or tabs, extra columns (a label) ignored, landmarks left out unknown, pixel coordinates,
    and no ``t_ms`` (frames then 1/30 s apart); what was assumed goes into
    ``meta["import_notes"]`` and so into the report.
    """
    name = Path(path).name
    # utf-8-sig: spreadsheets write a byte-order mark; some write ';' or tabs between cells.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        first = fh.readline()
        fh.seek(0)
        delimiter = max(",;\t", key=first.count)
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise TrackFormatError(f"{name} is empty") from None
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    columns = {column.strip().lower(): i for i, column in enumerate(header)}
    if not any(f"{landmark}_x" in columns and f"{landmark}_y" in columns for landmark in LANDMARK_NAMES):
        raise TrackFormatError(
            f"{name} is not a formcheck pose track: it has no landmark columns such as nose_x, nose_y "
            "or left_hip_x, left_hip_y (see the interchange format in the README)"
        )
    if not rows:
        raise TrackFormatError(f"{name} has a header but no frames")
    channel_names = [c[len(CHANNEL_PREFIX) :] for c in columns if c.startswith(CHANNEL_PREFIX)]
    wanted = csv_header(True, True, channel_names)[1:]
    table = np.array([[_parse(r, columns.get(c)) for c in wanted] for r in rows])
    n = len(rows)
    notes: list[str] = []
    timed = bool(np.any(np.isfinite(table[:, 0])))  # else no t_ms column, or an empty one
    t_ms = (
        _checked_times(table[:, 0], name)
        if timed
        else _assumed_times([_parse(r, columns.get("frame")) for r in rows], notes)
    )
    image_cols = 4 * NUM_LANDMARKS
    image = table[:, 1 : 1 + image_cols].reshape(n, NUM_LANDMARKS, 4)
    world = table[:, 1 + image_cols : 1 + image_cols + 3 * NUM_LANDMARKS]
    n_channels = len(channel_names)
    size_cells = table[0, len(wanted) - n_channels - 2 : len(wanted) - n_channels]
    size = None if np.any(np.isnan(size_cells)) else (int(size_cells[0]), int(size_cells[1]))
    size = _normalise_pixels(image, size, notes)
    visibility = image[:, :, 3].copy()
    # A landmark with coordinates but no visibility column is taken as seen.
    visibility[np.isnan(visibility) & ~np.isnan(image[:, :, 0])] = 1.0
    return PoseTrack(
        t_ms=t_ms,
        image=image[:, :, :3],
        visibility=visibility,
        world=world.reshape(n, NUM_LANDMARKS, 3),
        size=size,
        channels={name: table[:, len(wanted) - n_channels + i] for i, name in enumerate(channel_names)},
        meta={
            "source": name,
            "kind": "pose_track_csv",
            "import_notes": notes,
            "timed": timed,
        },
    )


def _assumed_times(frames: list[float], notes: list[str]) -> np.ndarray:
    """Times for a track without t_ms: its frame numbers (or row order) at an assumed frame rate."""
    index = np.asarray(frames, dtype=np.float64)
    if not (np.all(np.isfinite(index)) and np.all(np.diff(index) > 0)):
        index = np.arange(len(frames), dtype=np.float64)
    notes.append(
        f"The track has no t_ms column: its frames were taken to be 1/{ASSUMED_FPS:.0f} s apart. "
        "Add a t_ms column (milliseconds) for true timing of holds and tempo."
    )
    return index * 1000.0 / ASSUMED_FPS


def _checked_times(t_ms: np.ndarray, name: str) -> np.ndarray:
    """The track's own t_ms, refused with the line to fix when a value is missing or goes back."""
    if np.any(np.isnan(t_ms)):
        raise TrackFormatError(f"{name}: every frame needs a t_ms value")
    if np.any(np.diff(t_ms) <= 0):
        line = int(np.flatnonzero(np.diff(t_ms) <= 0)[0]) + 3  # the header is line 1
        raise TrackFormatError(
            f"{name}: t_ms must increase from frame to frame, but line {line} of the file is not later than "
            "the line before (one set a file: split joined recordings)"
        )
    return t_ms


def _normalise_pixels(image: np.ndarray, size: tuple[int, int] | None, notes: list[str]) -> tuple[int, int] | None:
    """Pixel coordinates (values far beyond the frame's 0..1) become normalised ones, in place.

    Without a frame size the largest coordinate stands for both sides: x and y
    keep their common unit, which is all the angles need.
    """
    largest = np.nanmax(np.abs(image[:, :, :2])) if np.any(np.isfinite(image[:, :, :2])) else 0.0
    if largest <= PIXEL_COORDINATES_ABOVE:
        return size
    if size is None:
        side = math.ceil(largest)
        size = (side, side)
        notes.append("The landmarks are in pixels and the frame size was not given; angles use them as they are.")
    image[:, :, 0] /= size[0]
    image[:, :, 1] /= size[1]
    image[:, :, 2] /= size[0]
    return size


def _fmt(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def _parse(row: list[str], index: int | None) -> float:
    if index is None or index >= len(row):
        return math.nan
    cell = row[index].strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise TrackFormatError(f"not a number in the pose track: {cell!r}") from None
