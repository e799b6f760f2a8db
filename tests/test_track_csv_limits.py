"""The pose-track CSV reader's limits: the length cap, and bad cells refused with the file and the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import analyzer.io.track_csv as track_csv
from analyzer.io.track_csv import MAX_FRAMES, TrackFormatError, read_track_csv

HEADER = "frame,t_ms,nose_x,nose_y,label"


def _csv(tmp_path: Path, rows: list[str], name: str = "set.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _frames(n: int) -> list[str]:
    return [f"{i},{i * 40},0.5,0.5,ok" for i in range(n)]


def test_the_cap_is_stated_and_bounds_memory() -> None:
    assert 60 * 60 * 30 <= MAX_FRAMES <= 60 * 60 * 60 * 2  # between an hour at 30 fps and two at 60
    assert MAX_FRAMES * 2 * 1024 < 2**30  # ~1.9 kB a frame as float64: the longest track stays under 1 GiB


def test_a_track_at_the_cap_is_read(tmp_path: Path) -> None:
    assert len(read_track_csv(_csv(tmp_path, _frames(5)), max_frames=5)) == 5


def test_a_track_over_the_cap_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _csv(tmp_path, [*_frames(5), "5,200,abc,0.5,ok"], name="joined.csv")  # 'abc': never reached
    with pytest.raises(TrackFormatError, match=r"^joined\.csv has more than 5 frames.*split it") as caught:
        read_track_csv(path, max_frames=5)
    assert str(caught.value).count(".") <= 3  # one sentence ("joined.csv", the cap, the end)


def test_a_quoted_cell_over_lines_still_meets_the_cap(tmp_path: Path) -> None:
    """A quoted cell can span lines, so lines only bound the frames: the cap is then checked while reading."""
    rows = [f'{i},{i * 40},0.5,0.5,"two\nlines"' for i in range(3)]
    assert len(read_track_csv(_csv(tmp_path, rows), max_frames=3)) == 3
    with pytest.raises(TrackFormatError, match="more than 2 frames"):
        read_track_csv(_csv(tmp_path, rows), max_frames=2)


def test_not_a_number_names_the_file_the_line_and_the_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, [*_frames(2), "", "2,80,abc,0.5,ok"])  # the blank line still counts
    with pytest.raises(TrackFormatError, match=r"^set\.csv, line 5: 'abc' in column nose_x is not a number"):
        read_track_csv(path)


def test_errors_name_the_right_line_past_the_first_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(track_csv, "CHUNK_ROWS", 4)
    rows = _frames(11)
    whole = read_track_csv(_csv(tmp_path, rows))
    np.testing.assert_array_equal(whole.t_ms, np.arange(11) * 40.0)
    rows[9] = "9,360,0.5,x1,ok"
    with pytest.raises(TrackFormatError, match=r"line 11: 'x1' in column nose_y"):
        read_track_csv(_csv(tmp_path, rows))


@pytest.mark.parametrize("cell", ["", "nan", "NaN", " "])
def test_nan_and_empty_cells_are_unknown_landmarks(tmp_path: Path, cell: str) -> None:
    track = read_track_csv(_csv(tmp_path, ["0,0,0.5,0.5,ok", f"1,40,{cell},0.25,ok"]))
    assert np.isnan(track.image[1, 0, 0]) and track.image[1, 0, 1] == 0.25
    assert track.visibility[0, 0] == 1.0 and np.isnan(track.visibility[1, 0])  # no visibility column: seen if placed


def test_a_nan_time_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(TrackFormatError, match=r"set\.csv: every frame needs a t_ms value, but line 3 has none"):
        read_track_csv(_csv(tmp_path, ["0,0,0.5,0.5,ok", "1,NaN,0.5,0.5,ok"]))


@pytest.mark.parametrize("cell", ["1e9", "-2e5", "inf", "1e400"])
def test_huge_coordinates_are_refused_with_their_line(tmp_path: Path, cell: str) -> None:
    with pytest.raises(TrackFormatError, match=r"^set\.csv, line 3: .* in column nose_x is out of range"):
        read_track_csv(_csv(tmp_path, ["0,0,0.5,0.5,ok", f"1,40,{cell},0.5,ok"]))


def test_large_but_real_values_are_read(tmp_path: Path) -> None:
    """Milliseconds since 1970 are a fine clock, and 4K pixels a fine coordinate."""
    track = read_track_csv(_csv(tmp_path, ["0,1735689600000,3840,2160,ok", "1,1735689600040,3800,2100,ok"]))
    np.testing.assert_allclose(np.diff(track.t_ms), [40.0])
    assert track.size == (3840, 3840) and np.all(np.isfinite(track.image[:, 0, :2]))


def test_an_infinite_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrackFormatError, match=r"line 3: inf in column t_ms is out of range"):
        read_track_csv(_csv(tmp_path, ["0,0,0.5,0.5,ok", "1,inf,0.5,0.5,ok"]))


def test_duplicate_times_are_refused_with_the_line(tmp_path: Path) -> None:
    rows = ["0,0,0.5,0.5,ok", "1,40,0.5,0.5,ok", "", "2,40,0.5,0.5,ok"]
    with pytest.raises(TrackFormatError, match=r"^set\.csv: t_ms must increase .* line 5 of the file is not later"):
        read_track_csv(_csv(tmp_path, rows))
