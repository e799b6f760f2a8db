"""PoseTrack: CSV round trip, NaN handling, slicing, bad files."""

from pathlib import Path

import numpy as np
import pytest

from analyzer.io.track_csv import TrackFormatError, csv_header, read_track_csv, write_track_csv
from analyzer.landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from analyzer.track import PoseTrack
from tests.helpers import media


def _random_track(n: int = 12, with_world: bool = True, seed: int = 0) -> PoseTrack:
    rng = np.random.default_rng(seed)
    image = rng.random((n, NUM_LANDMARKS, 3))
    world = rng.normal(size=(n, NUM_LANDMARKS, 3)) if with_world else np.full((n, NUM_LANDMARKS, 3), np.nan)
    visibility = rng.random((n, NUM_LANDMARKS))
    image[3] = np.nan  # no person in frame 3
    visibility[3] = np.nan
    world[3] = np.nan
    image[5, 7, :] = np.nan  # one unknown landmark
    return PoseTrack(
        t_ms=np.cumsum(rng.uniform(20, 45, n)),  # variable frame rate
        image=image,
        visibility=visibility,
        world=world,
        size=(854, 480),
        channels={"back_sagitta": rng.normal(size=n)},
    )


@pytest.mark.parametrize("with_world", [True, False])
def test_csv_round_trip_is_lossless(tmp_path: Path, with_world: bool) -> None:
    track = _random_track(with_world=with_world)
    path = tmp_path / "track.csv"
    write_track_csv(track, path)
    back = read_track_csv(path)
    np.testing.assert_allclose(back.t_ms, track.t_ms, atol=1e-6)
    np.testing.assert_allclose(back.image, track.image, atol=1e-6)
    np.testing.assert_allclose(back.visibility, track.visibility, atol=1e-6)
    np.testing.assert_allclose(back.world, track.world, atol=1e-6)
    np.testing.assert_allclose(back.channels["back_sagitta"], track.channels["back_sagitta"], atol=1e-6)
    assert back.size == (854, 480)
    assert back.has_pose.tolist() == track.has_pose.tolist()
    assert not back.has_pose[3]
    assert back.has_world == with_world


def test_csv_without_optional_columns(tmp_path: Path) -> None:
    """A track from another tool: image columns only, no visibility, no size."""
    names = csv_header(False, False)
    cols = [c for c in names if not c.endswith("_v")]
    path = tmp_path / "other.csv"
    rows = [",".join(cols)] + [",".join(["0", "33.3"] + ["0.5"] * (len(cols) - 2))]
    path.write_text("\n".join(rows) + "\n")
    track = read_track_csv(path)
    assert len(track) == 1 and track.size is None
    assert np.all(track.visibility == 1.0)
    assert not track.has_world


@pytest.mark.parametrize("scale", [(1.0, 1.0), (1280.0, 720.0)], ids=["normalised", "pixels"])
def test_csv_from_another_tool(tmp_path: Path, scale: tuple[float, float]) -> None:
    """Any case, a label column, only some landmarks, maybe pixels, no t_ms: read, with what was assumed."""
    track = _random_track(n=6)
    names = ["nose", "left_shoulder", "left_hip", "left_ankle"]
    path = tmp_path / "labelled.csv"
    media.write_foreign_track_csv(path, track, names, scale)
    back = read_track_csv(path)
    np.testing.assert_allclose(np.diff(back.t_ms), 1000.0 / 30.0)
    assert any("no t_ms column" in note for note in back.meta["import_notes"])
    kept = [LANDMARK_NAMES.index(n) for n in names]
    # Normalised back times the frame size is the pixel position the tool wrote: same shape, same angles.
    size = np.array(back.size if back.size is not None else (1.0, 1.0))
    np.testing.assert_allclose(back.image[:, kept, :2] * size, track.image[:, kept, :2] * np.array(scale), rtol=1e-9)
    assert (back.size is None) == (scale == (1.0, 1.0))
    assert np.all(np.isnan(back.image[:, LANDMARK_NAMES.index("right_knee")]))
    assert back.has_pose.tolist() == track.has_pose.tolist()


def test_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    """A byte-order mark and semicolons between cells, as spreadsheets save them."""
    path = tmp_path / "sheet.csv"
    path.write_text("nose_x;nose_y;t_ms\n0.25;0.5;0\n0.5;0.75;40\n", encoding="utf-8-sig")
    track = read_track_csv(path)
    np.testing.assert_allclose(track.t_ms, [0, 40])
    np.testing.assert_allclose(track.image[:, 0, :2], [[0.25, 0.5], [0.5, 0.75]])


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("a,b,c\n1,2,3\n", "not a formcheck pose track"),
        ("frame,t_ms,nose_x,nose_y\n", "no frames"),
        ("frame,t_ms,nose_x,nose_y\n0,0,0.5,0.5\n1,,0.5,0.5\n", "every frame needs a t_ms"),
        ("frame,t_ms,nose_x,nose_y\n0,40,0.5,0.5\n1,0,0.5,0.5\n", "line 3 of the file is not later"),
    ],
)
def test_bad_csv_says_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(TrackFormatError, match=message):
        read_track_csv(path)


def test_slicing_and_concat_keep_alignment() -> None:
    track = _random_track(n=10)
    parts = [track[:4], track[4:]]
    joined = PoseTrack.concat(parts)
    np.testing.assert_array_equal(joined.t_ms, track.t_ms)
    np.testing.assert_array_equal(joined.channels["back_sagitta"], track.channels["back_sagitta"])
    assert len(track[track.has_pose]) == 9


def test_timestamps_must_increase() -> None:
    with pytest.raises(ValueError):
        PoseTrack.empty([0.0, 33.0, 33.0])
