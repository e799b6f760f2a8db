"""The command line as a user meets it: exit codes, messages, files written or not.

Commands run in this process (``typer.testing.CliRunner`` on ``analyzer.cli.app``), which is what
they are about; the installed ``formcheck`` program runs as a real process only where the process
is the point: its entry point, and one whole run on a real clip.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

from analyzer.cli import EXIT_INPUT, app
from analyzer.io.track_csv import read_track_csv, write_track_csv
from analyzer.pose.model import MODEL_SHA256, SPINE_MODEL_SHA256
from tests.helpers import media
from tests.helpers import skeleton as sk
from tests.helpers.paths import shared_clip
from tests.helpers.skeleton import Setup

FORMCHECK = str(Path(sys.executable).parent / "formcheck")
DEADLIFT = "formfit__deadlift.mp4"


def run(*args: str | Path) -> Result:
    """``formcheck ARGS`` in this process: exit code, stdout and stderr as the user would see them."""
    return CliRunner().invoke(app, [str(a) for a in args])


def run_process(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The installed ``formcheck`` program in a process of its own."""
    return subprocess.run([FORMCHECK, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def assert_refused(result: Result, message: str, out: Path) -> None:
    """Exit code 2, one clear sentence, no traceback, nothing written."""
    assert result.exit_code == EXIT_INPUT == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_installed_command_runs_and_names_the_model_and_its_checksum() -> None:
    """The entry point in pyproject.toml works as a program of its own."""
    result = run_process("info")
    assert result.returncode == 0, result.stderr
    assert MODEL_SHA256["full"] in result.stdout
    assert "plank" in result.stdout


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 50)
    assert_refused(run("analyze", fake, "--out", tmp_path / "out"), "not a readable video", tmp_path / "out")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert_refused(run("analyze", empty, "--out", tmp_path / "out"), "empty", tmp_path / "out")


def test_missing_file(tmp_path: Path) -> None:
    assert_refused(run("analyze", tmp_path / "nope.mp4", "--out", tmp_path / "out"), "nope.mp4", tmp_path / "out")


def test_video_with_nobody_in_it(tmp_path: Path) -> None:
    clip = media.make_video(tmp_path / "bars.mp4", width=160, height=120, n_frames=45)
    assert_refused(run("analyze", clip, "--out", tmp_path / "out"), "No person was found", tmp_path / "out")


def test_truncated_mp4(tmp_path: Path) -> None:
    clip = media.make_video(tmp_path / "whole.mp4", width=96, height=64, n_frames=30)
    cut = media.truncate(clip, tmp_path / "cut.mp4", 0.5)
    result = run("analyze", cut, "--out", tmp_path / "out")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "formcheck:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_unknown_exercise_is_refused_before_any_work(tmp_path: Path) -> None:
    track, _ = sk.plank(duration_s=5)
    csv = tmp_path / "t.csv"
    write_track_csv(track, csv)
    result = run("analyze", csv, "--exercise", "zumba", "--out", tmp_path / "out")
    assert_refused(result, "no rules for 'zumba'", tmp_path / "out")
    assert "plank" in result.stderr  # says what it does know


def test_pose_track_csv_runs_the_rules_without_video(tmp_path: Path) -> None:
    track, _ = sk.plank(duration_s=20, hip_sag_deg=18, setup=Setup.realistic(seed=9))
    csv = tmp_path / "plank.csv"
    write_track_csv(track, csv)
    result = run("analyze", csv, "--exercise", "plank", "--json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["exercise"] == {
        "name": "plank", "confidence": 1.0, "given": True, "candidates": report["exercise"]["candidates"],
        "looks_like": None,
    }
    assert "plank.sagging_hips" in {f["code"] for f in report["findings"] if f["assessable"]}
    assert (tmp_path / "out" / "report.json").is_file()
    back = read_track_csv(tmp_path / "out" / "track.csv")
    np.testing.assert_allclose(back.image, track.image, atol=1e-6, equal_nan=True)


def test_labelled_track_from_another_tool_still_judged(tmp_path: Path) -> None:
    """A plank exported by another tool: 17 body landmarks in pixels, a label column, no t_ms,
    no world, no frame size. Judged, with what had to be assumed said in the report."""
    track, _ = sk.plank(duration_s=20, hip_sag_deg=18, setup=Setup.realistic(seed=3))
    csv = media.write_foreign_track_csv(tmp_path / "bare.csv", track, media.BODY_LANDMARKS, scale=(1280, 720))
    result = run("analyze", csv, "--exercise", "plank", "--json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "plank.sagging_hips" in {f["code"] for f in report["findings"]}
    assert any("no t_ms column" in note for note in report["notices"])


def test_a_clip_too_short_to_judge_is_refused(tmp_path: Path) -> None:
    track, _ = sk.plank(duration_s=6, hip_sag_deg=20, setup=Setup.realistic(seed=4))
    write_track_csv(track[60:66], tmp_path / "blink.csv")  # a quarter of a second
    result = run("analyze", tmp_path / "blink.csv", "--exercise", "plank", "--out", tmp_path / "out")
    assert_refused(result, "too short to judge", tmp_path / "out")


def test_a_few_untimed_labelled_frames_are_judged(tmp_path: Path) -> None:
    """Labelled datasets keep a handful of frames per example: without timestamps the frame
    count decides whether there is enough, not a duration made up from an assumed frame rate."""
    track, _ = sk.plank(duration_s=6, hip_sag_deg=20, setup=Setup.realistic(seed=4))
    csv = media.write_foreign_track_csv(tmp_path / "six.csv", track[60:66], media.BODY_LANDMARKS)
    result = run("analyze", csv, "--exercise", "plank", "--json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "plank.sagging_hips" in {f["code"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.clips
@pytest.mark.slow
def test_real_deadlift_clip_end_to_end(tmp_path: Path) -> None:
    """One whole run of the installed program on a real clip, its worker processes and all."""
    result = run_process("analyze", shared_clip(DEADLIFT), "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["source"]["width"] == 492 and report["source"]["height"] == 720
    assert report["source"]["fps"] == pytest.approx(23.98, abs=0.02)
    assert report["source"]["duration_s"] == pytest.approx(11.6, abs=0.15)
    assert report["frames_with_pose"] >= 0.9 * report["frames_total"]
    assert report["exercise"]["name"] == "deadlift"
    assert report["view"]["kind"] == "side"
    assert len(report["reps"]) >= 2
    # an instructional clip of good form: no headline error
    assert "deadlift.rounded_back" not in {f["code"] for f in report["findings"] if f["assessable"]}
    assert report["versions"]["model_sha256"] == MODEL_SHA256["full"]
    assert report["versions"]["spine_model_sha256"] == SPINE_MODEL_SHA256  # its angles judged the back
    assert "deadlift" in result.stdout  # the human summary


def _person_frames(n: int = 36, stride: int = 4) -> list[np.ndarray]:
    from analyzer.io.video import iter_frames

    frames = [f.rgb for _, f in zip(range(n), iter_frames(shared_clip(DEADLIFT), stride=stride))]
    return [f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2] for f in frames]


@pytest.mark.clips
@pytest.mark.parametrize("kind", ["gif", "images"])
def test_gif_and_image_folder_inputs(tmp_path: Path, kind: str) -> None:
    """A GIF or a folder of frames (e.g. exported from a phone) is analysed like a video."""
    import av

    frames = _person_frames()
    if kind == "images":
        source = tmp_path / "frames"
        source.mkdir()
        for i, rgb in enumerate(frames):
            av.VideoFrame.from_ndarray(rgb, format="rgb24").to_image().save(source / f"img{i}.jpg")
    else:
        source = tmp_path / "set.gif"
        with av.open(str(source), "w") as out:
            stream = out.add_stream("gif", rate=8)
            stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "rgb8"
            for rgb in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
    result = run("analyze", source, "--exercise", "deadlift", "--json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["frames_total"] == len(frames)
    assert report["frames_with_pose"] >= 0.9 * len(frames)
    assert report["source"]["kind"] == ("images" if kind == "images" else "video")


@pytest.mark.slow
@pytest.mark.parametrize(("exercise", "masked"), [("plank", False), ("squat", True)])
def test_the_mask_is_made_only_for_an_exercise_that_reads_the_back_outline(
    exercise: str, masked: bool, tmp_path: Path
) -> None:
    """A plank's checks read landmarks only: its clip is analysed without the segmentation mask (a fifth of
    a frame's cost); a squat's butt wink reads the spine estimator, which needs it."""
    clip = Path(__file__).resolve().parent.parent / "sample_videos" / "plank_sagging_hips.mp4"
    result = run("analyze", clip, "--exercise", exercise, "--stride", "4", "--json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["processing"]["segmentation"] is masked
    spine_columns = [name for name in read_track_csv(tmp_path / "out" / "track.csv").channels if "spine" in name]
    assert bool(spine_columns) is masked


def test_adaptive_and_full_rate_together_are_refused_before_any_work(tmp_path: Path) -> None:
    result = run("analyze", tmp_path / "missing.mp4", "--adaptive", "--full-rate", "--out", tmp_path / "out")
    assert result.exit_code == EXIT_INPUT
    assert "choose one" in result.output
    assert not (tmp_path / "out").exists()
