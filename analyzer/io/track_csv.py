"""The pose-track CSV interchange format (README, "Pose-track CSV"): one row a frame, NaN as an empty cell."""

from __future__ import annotations

import csv
import math
import operator
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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
# The longest track read: an hour at 60 fps (two at 30). One file is one set,
# minutes long; the cap bounds memory (a frame is ~1.9 kB as float64, so ~400 MB
# at the cap) and refuses a joined day of recordings before parsing any of it.
MAX_FRAMES = 216_000
# No camera frame is 100,000 pixels wide and no landmark is 100 km away: a
# coordinate beyond this is an export error, and would squash every other
# landmark to 0 when pixel coordinates are normalised by the largest one.
MAX_COORDINATE = 100_000.0
COORDINATE_SUFFIXES = ("_x", "_y", "_z", "_wx", "_wy", "_wz")
# A track spans at most as long as MAX_FRAMES at the assumed rate (two hours): a t_ms further from
# the first frame is a unit mistake (microseconds) or a joined recording, and would make every
# duration in the report absurd.
MAX_SPAN_MS = MAX_FRAMES / ASSUMED_FPS * 1000.0
# Frame numbers beyond a year of frames at 30 fps are not frame numbers: row order is used instead.
MAX_FRAME_NUMBER = 1e9
# Rows parsed at a time: big enough for numpy to convert fast, small enough
# that the strings of one chunk (a few MB) never matter.
CHUNK_ROWS = 1024


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


# Where each part of a frame sits in csv_header(True, True, ...): frame, t_ms, image, world, size, channels.
_IMAGE = slice(2, 2 + len(IMAGE_SUFFIXES) * NUM_LANDMARKS)
_WORLD = slice(_IMAGE.stop, _IMAGE.stop + len(WORLD_SUFFIXES) * NUM_LANDMARKS)
_SIZE = slice(_WORLD.stop, _WORLD.stop + len(SIZE_COLUMNS))
# Any finite value passes a limit of this: it refuses only infinity.
_LARGEST = np.finfo(np.float64).max


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

def read_track_csv(path: str | Path, *, max_frames: int = MAX_FRAMES) -> PoseTrack:
    """Read the interchange CSV; columns are matched by name, empty means unknown.

    Tracks from other tools are taken as they come: names in any case, cells
    split by ',', ';' or tabs, extra columns (a label) ignored, landmarks left out unknown, pixel coordinates,
    and no ``t_ms`` (frames then 1/30 s apart); what was assumed goes into
    ``meta["import_notes"]`` and so into the report.

    Memory stays bounded: the rows are counted first (a track over
    ``max_frames`` is refused before any is parsed), then parsed a chunk at a
    time straight into one float64 table that the track's arrays are views of.
    Every refusal names the file and, where there is one, the line to fix.
    """
    name = Path(path).name
    try:
        return _read(path, name, max_frames)
    except UnicodeDecodeError:
        raise _not_utf8(path, name) from None


def _read(path: str | Path, name: str, max_frames: int) -> PoseTrack:
    """read_track_csv's work; it turns the decoding error of a file that is not UTF-8 into a refusal."""
    # utf-8-sig: spreadsheets write a byte-order mark; some write ';' or tabs between cells.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        delimiter = max(",;\t", key=fh.readline().count)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(_rows(reader, name), None)
        if header is None:
            raise TrackFormatError(f"{name} is empty")
        columns = {column.strip().lower(): i for i, column in enumerate(header)}
        if not any(f"{landmark}_x" in columns and f"{landmark}_y" in columns for landmark in LANDMARK_NAMES):
            raise TrackFormatError(
                f"{name} is not a formcheck pose track: its header (line 1) has no landmark columns such as "
                "nose_x, nose_y or left_hip_x, left_hip_y (see the interchange format in the README)"
            )
        most, exact = _count_rows(fh, delimiter)
        if exact and most > max_frames:
            raise _too_long(name, max_frames)
        fh.seek(0)  # the count read to the end: start again, past the header, so that line numbers stay true
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader)
        channel_names = [c[len(CHANNEL_PREFIX) :] for c in columns if c.startswith(CHANNEL_PREFIX)]
        wanted = csv_header(True, True, channel_names)
        table, lines = _read_table(reader, columns, wanted, min(most, max_frames), name, max_frames)
    if not len(table):
        raise TrackFormatError(f"{name} has a header but no frames")
    return _track(table, lines, channel_names, name)


def _not_utf8(path: str | Path, name: str) -> TrackFormatError:
    """The refusal of a file that is not UTF-8 (a spreadsheet's legacy encoding, UTF-16), naming its first bad line."""
    with open(path, "rb") as fh:
        line_number = next((n for n, line in enumerate(fh, 1) if not _is_utf8(line)), 1)
    return TrackFormatError(
        f"{name}, line {line_number}: the file is not UTF-8 text; save it as CSV with UTF-8 encoding"
    )


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _count_rows(lines: Iterable[str], delimiter: str) -> tuple[int, bool]:
    """How many frames the file can hold at most (its non-blank lines), and whether that is exact.

    Exact unless a quote appears: only a quoted cell can span lines, so
    without one every non-blank line is one frame.
    """
    blank = " \t\r\n" + delimiter
    rows, exact = 0, True
    for line in lines:
        if line.strip(blank):
            rows += 1
            exact = exact and '"' not in line
    return rows, exact


def _too_long(name: str, max_frames: int) -> TrackFormatError:
    return TrackFormatError(
        f"{name} has more than {max_frames:,} frames (over {max_frames / 3600:g} min at 60 fps), the most formcheck "
        "reads in one track: split it into one file a set."
    )


def _read_table(
    reader: Iterator[list[str]], columns: dict[str, int], wanted: list[str], capacity: int, name: str, max_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``wanted`` columns of every frame (NaN where the file has none) and the line each frame ends on."""
    present = [c for c in wanted if c in columns]
    into = [wanted.index(c) for c in present]
    limits = np.array(
        [MAX_COORDINATE if c.endswith(COORDINATE_SUFFIXES) or c in SIZE_COLUMNS else _LARGEST for c in present]
    )
    table = np.full((capacity, len(wanted)), np.nan)
    lines = np.zeros(capacity, dtype=np.int64)
    n = 0
    for cells, chunk_lines in _chunks(reader, [columns[c] for c in present], name):
        stop = n + len(chunk_lines)
        if stop > capacity:  # the count is an upper bound, so only a file over the cap gets here
            raise _too_long(name, max_frames)
        block = _numbers(cells, chunk_lines, present, name)
        _check_range(block, limits, chunk_lines, present, name)
        table[n:stop, into] = block
        lines[n:stop] = chunk_lines
        n = stop
    return table[:n], lines[:n]


def _rows(reader: Any, name: str) -> Iterator[list[str]]:
    """The reader's rows; a row the csv module cannot split (a cell over its size limit) is refused with its line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise TrackFormatError(f"{name}, line {reader.line_num}: the CSV cannot be read ({exc})") from None


def _chunks(reader: Any, source: list[int], name: str) -> Iterator[tuple[list[str], list[int]]]:
    """The cells of ``source`` columns, row after row, a chunk of rows at a time, with each row's line.

    Blank rows are skipped; a short row's missing cells are empty (unknown).
    """
    take = operator.itemgetter(*source)  # at least a landmark's x and y: always a tuple
    width = max(source) + 1
    cells: list[str] = []
    lines: list[int] = []
    for row in _rows(reader, name):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            row += [""] * (width - len(row))
        cells.extend(take(row))
        lines.append(reader.line_num)
        if len(lines) == CHUNK_ROWS:
            yield cells, lines
            cells, lines = [], []
    if lines:
        yield cells, lines


def _numbers(cells: list[str], lines: list[int], labels: list[str], name: str) -> np.ndarray:
    """The chunk's cells as a (rows, columns) float array; the slow path finds the cell that is no number."""
    try:
        values = np.array([cell or "nan" for cell in cells], dtype=np.float64)
    except ValueError:
        k = len(labels)
        values = np.array([_parse(cell, lines[i // k], labels[i % k], name) for i, cell in enumerate(cells)])
    return values.reshape(len(lines), len(labels))


def _check_range(block: np.ndarray, limits: np.ndarray, lines: list[int], labels: list[str], name: str) -> None:
    """Refuse infinite values and coordinates too large to be a position (NaN, unknown, passes)."""
    bad = np.abs(block) > limits
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise TrackFormatError(
            f"{name}, line {lines[row]}: {block[row, col]:g} in column {labels[col]} is out of range "
            f"(coordinates and frame sizes stay within ±{MAX_COORDINATE:g}, and no value may be infinite)"
        )


def _track(table: np.ndarray, lines: np.ndarray, channel_names: list[str], name: str) -> PoseTrack:
    """The track over ``table`` (columns in ``csv_header`` order): its arrays are views, not copies."""
    n = len(table)
    notes: list[str] = []
    timed = bool(np.any(np.isfinite(table[:, 1])))  # else no t_ms column, or an empty one
    t_ms = _checked_times(table[:, 1], lines, name) if timed else _assumed_times(table[:, 0], notes)
    image = table[:, _IMAGE].reshape(n, NUM_LANDMARKS, 4)
    size_cells = table[0, _SIZE]
    size = (int(size_cells[0]), int(size_cells[1])) if np.all(size_cells >= 1) else None
    size = _normalise_pixels(image, size, notes)
    visibility = image[:, :, 3]
    # A landmark with coordinates but no visibility column is taken as seen.
    visibility[np.isnan(visibility) & ~np.isnan(image[:, :, 0])] = 1.0
    return PoseTrack(
        t_ms=t_ms,
        image=image[:, :, :3],
        visibility=visibility,
        world=table[:, _WORLD].reshape(n, NUM_LANDMARKS, 3),
        size=size,
        channels={channel: table[:, _SIZE.stop + i] for i, channel in enumerate(channel_names)},
        meta={
            "source": name,
            "kind": "pose_track_csv",
            "import_notes": notes,
            "timed": timed,
        },
    )


def _assumed_times(frames: np.ndarray, notes: list[str]) -> np.ndarray:
    """Times for a track without t_ms: its frame numbers (or row order) at an assumed frame rate."""
    index = frames
    with np.errstate(over="ignore", invalid="ignore"):  # frame numbers near the float limit: not used
        usable = np.all(np.abs(index) <= MAX_FRAME_NUMBER) and np.all(np.diff(index) > 0)
    if not usable:
        index = np.arange(len(frames), dtype=np.float64)
    notes.append(
        f"The track has no t_ms column: its frames were taken to be 1/{ASSUMED_FPS:.0f} s apart. "
        "Add a t_ms column (milliseconds) for true timing of holds and tempo."
    )
    return index * 1000.0 / ASSUMED_FPS


def _checked_times(t_ms: np.ndarray, lines: np.ndarray, name: str) -> np.ndarray:
    """The track's own t_ms, refused with the line to fix when a value is missing or goes back."""
    missing = np.flatnonzero(np.isnan(t_ms))
    if missing.size:
        raise TrackFormatError(f"{name}: every frame needs a t_ms value, but line {lines[missing[0]]} has none")
    with np.errstate(over="ignore", invalid="ignore"):  # times near the float limit differ by infinity
        back = np.flatnonzero(np.diff(t_ms) <= 0)
    if back.size:
        raise TrackFormatError(
            f"{name}: t_ms must increase from frame to frame, but line {lines[back[0] + 1]} of the file is not "
            "later than the frame before it (one set a file: split joined recordings)"
        )
    late = np.flatnonzero(t_ms > t_ms[0] + MAX_SPAN_MS)
    if late.size:
        raise TrackFormatError(
            f"{name}, line {lines[late[0]]}: t_ms {t_ms[late[0]]:g} is more than {MAX_SPAN_MS / 3.6e6:g} hours "
            "after the first frame (t_ms is in milliseconds; one set a file)"
        )
    return t_ms


def _normalise_pixels(image: np.ndarray, size: tuple[int, int] | None, notes: list[str]) -> tuple[int, int] | None:
    """Pixel coordinates (values far beyond the frame's 0..1) become normalised ones, in place.

    Without a frame size the largest coordinate stands for both sides: x and y
    keep their common unit, which is all the angles need.
    """
    xy = image[:, :, :2]
    largest = max(np.nanmax(xy), -np.nanmin(xy)) if np.any(np.isfinite(xy)) else 0.0
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


def _parse(cell: str, line: int, column: str, name: str) -> float:
    cell = cell.strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise TrackFormatError(f"{name}, line {line}: {cell!r} in column {column} is not a number") from None
