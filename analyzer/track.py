"""PoseTrack: the pose of one athlete over time, and its CSV interchange format.

A frame where no person was found stays in the track with NaN landmarks, so
that ``t_ms`` keeps matching the video. NaN is also the honest value for a
single landmark that is unknown (an empty CSV cell).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from analyzer.landmarks import LANDMARK_NAMES, NUM_LANDMARKS

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


@dataclass
class PoseTrack:
    """Landmarks of one person, frame by frame.

    Shapes: ``t_ms (T,)``; ``image (T, 33, 3)`` normalised x, y (0..1 of the
    frame's width and height) and MediaPipe's relative z; ``visibility
    (T, 33)`` in 0..1; ``world (T, 33, 3)`` metres, hip-centred (NaN when not
    known). ``size`` is the upright frame's (width, height) in pixels, or None
    when the source did not say. ``channels`` holds per-frame scalars measured
    on the image rather than the landmarks (mask-based spine shape), each (T,).
    ``meta`` records where the track came from and
    what was done to it (model, filters), and travels into the report.
    """

    t_ms: np.ndarray
    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    size: tuple[int, int] | None = None
    channels: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t_ms = np.asarray(self.t_ms, dtype=np.float64)
        n = len(self.t_ms)
        self.image = np.asarray(self.image, dtype=np.float64).reshape(n, NUM_LANDMARKS, 3)
        self.visibility = np.asarray(self.visibility, dtype=np.float64).reshape(n, NUM_LANDMARKS)
        self.world = np.asarray(self.world, dtype=np.float64).reshape(n, NUM_LANDMARKS, 3)
        self.channels = {k: np.asarray(v, dtype=np.float64).reshape(n) for k, v in self.channels.items()}
        if np.any(np.isnan(self.t_ms)):
            raise ValueError("PoseTrack timestamps must all be known")
        if n > 1 and np.any(np.diff(self.t_ms) <= 0):
            raise ValueError("PoseTrack timestamps must increase strictly")

    # -- construction -----------------------------------------------------
    @classmethod
    def empty(cls, t_ms: Iterable[float], size: tuple[int, int] | None = None) -> "PoseTrack":
        """A track of the given timestamps with no person in any frame."""
        t = np.asarray(list(t_ms), dtype=np.float64)
        n = len(t)
        return cls(
            t_ms=t,
            image=np.full((n, NUM_LANDMARKS, 3), np.nan),
            visibility=np.full((n, NUM_LANDMARKS), np.nan),
            world=np.full((n, NUM_LANDMARKS, 3), np.nan),
            size=size,
        )

    @classmethod
    def concat(cls, parts: list["PoseTrack"]) -> "PoseTrack":
        """Join tracks in time order (e.g. the chunks of a parallel analysis)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        first = parts[0]
        return cls(
            t_ms=np.concatenate([p.t_ms for p in parts]),
            image=np.concatenate([p.image for p in parts]),
            visibility=np.concatenate([p.visibility for p in parts]),
            world=np.concatenate([p.world for p in parts]),
            size=first.size,
            channels={k: np.concatenate([p.channels[k] for p in parts]) for k in first.channels},
            meta=dict(first.meta),
        )

    # -- access -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.t_ms)

    def __getitem__(self, index: slice | np.ndarray) -> "PoseTrack":
        """A slice (or boolean/integer selection) of frames is again a track."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1)
        return PoseTrack(
            t_ms=self.t_ms[index],
            image=self.image[index],
            visibility=self.visibility[index],
            world=self.world[index],
            size=self.size,
            channels={k: v[index] for k, v in self.channels.items()},
            meta=dict(self.meta),
        )

    @property
    def has_pose(self) -> np.ndarray:
        """(T,) bool: frames in which a person was found."""
        return ~np.all(np.isnan(self.image[:, :, 0]), axis=1)

    @property
    def has_world(self) -> bool:
        return bool(np.any(~np.isnan(self.world)))

    @property
    def fps(self) -> float:
        """Median frame rate of the track (0 for fewer than two frames)."""
        if len(self) < 2:
            return 0.0
        return float(1000.0 / np.median(np.diff(self.t_ms)))

    @property
    def duration_ms(self) -> float:
        if len(self) == 0:
            return 0.0
        step = 1000.0 / self.fps if self.fps else 0.0
        return float(self.t_ms[-1] - self.t_ms[0] + step)

    # -- CSV interchange format --------------------------------------------
    @staticmethod
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

    def to_csv(self, path: str | Path) -> None:
        """Write the interchange CSV (see DESIGN.md); NaN becomes an empty cell."""
        with_world = self.has_world
        names = sorted(self.channels)
        header = self.csv_header(with_world, self.size is not None, names)
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for i in range(len(self)):
                row: list[str] = [str(i), _fmt(self.t_ms[i])]
                image = np.concatenate([self.image[i], self.visibility[i][:, None]], axis=1)
                row += [_fmt(v) for v in image.ravel()]
                if with_world:
                    row += [_fmt(v) for v in self.world[i].ravel()]
                if self.size is not None:
                    row += [str(self.size[0]), str(self.size[1])]
                row += [_fmt(self.channels[name][i]) for name in names]
                writer.writerow(row)

    @classmethod
    def from_csv(cls, path: str | Path) -> "PoseTrack":
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
        wanted = cls.csv_header(True, True, channel_names)[1:]
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
        return cls(
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
