"""Bad and hostile inputs (``tests/helpers/bad_inputs.py``) as a user meets them, through the command
line and through :func:`analyzer.pipeline.run_analysis`.

For each: a refusal is exit 2 and exactly one sentence that names the user's file (never a path of
ours) and says what is wrong; an input that can still be analysed is exit 0 with the notice it
calls for. Never a traceback, a Python warning or anything half-written in ``--out``.

The pose model is replaced by a skeleton plank at each decoded frame's time (``fake_pose``): what is
tested is the way in, every byte of which (container, header, decoding, timestamps) is real.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

import analyzer.pose.extract as extract
from analyzer.cli import EXIT_INPUT, OWN_FILES, app, printable
from analyzer.io.track_csv import TrackFormatError, read_track_csv
from analyzer.io.video import VIDEO_SUFFIXES, VideoError, iter_frames, probe
from analyzer.pipeline import InputError, run_analysis
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers.bad_inputs import CORPUS, CSVS, VIDEOS, BadInput

IDS = [case.id for case in CORPUS]


def fake_track_frames(
    frames: Iterable[tuple[float, np.ndarray]], estimator: object, size: tuple[int, int] | None, on_frame=None  # noqa: ANN001
) -> PoseTrack:
    """A skeleton plank at the times of the frames decoded (all of them are decoded, as by the model)."""
    times = []
    for t_ms, _rgb in frames:
        times.append(t_ms)
        if on_frame is not None:
            on_frame()
    if not times:
        return PoseTrack.empty([], size=size)
    plank, _ = sk.plank(duration_s=len(times) / 30.0, setup=sk.Setup(size=size or (1280, 720)))
    return PoseTrack(t_ms=times, image=plank.image, visibility=plank.visibility, world=plank.world, size=size)


@pytest.fixture(autouse=True)
def fake_pose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "track_frames", fake_track_frames)
    monkeypatch.setattr(extract, "_estimator", lambda options: contextlib.nullcontext())


@contextlib.contextmanager
def no_warnings() -> Iterator[None]:
    """Fails the test on any Python warning raised inside (NumPy's RuntimeWarnings included)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert not caught, [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught]


def analyze(path: Path, out: Path, *extra: str) -> Result:
    with no_warnings():
        return CliRunner().invoke(
            app, ["analyze", str(path), "--exercise", "plank", "--workers", "1", "--out", str(out), *extra]
        )


def assert_one_sentence(message: str, name: str, tmp_path: Path, case: BadInput) -> None:
    """One line, one sentence ending in a full stop, naming the file, saying what the case calls for."""
    assert name in message, message
    assert case.says in message, message
    # The name may hold dots and newlines of its own: it is taken out before the sentence is looked at.
    sentence = message.replace(name, "FILE")
    assert "\n" not in sentence and sentence.endswith("."), message
    assert not re.search(r"[.!?]\s+[A-Z]", sentence), message  # a second sentence
    if case.id != "missing_file":  # the path typed is the best help when it leads nowhere
        assert str(tmp_path) not in message, message


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_command_line(case: BadInput, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    out = tmp_path / "out"
    result = analyze(path, out)
    assert "Traceback" not in result.output and "Warning" not in result.output, result.output
    if not case.analysable:
        assert result.exit_code == EXIT_INPUT, result.output
        assert result.stderr.startswith("formcheck: ") and result.stdout == "", result.output
        assert_one_sentence(result.stderr.removeprefix("formcheck: ").rstrip("\n"), printable(path.name), tmp_path, case)
        assert not out.exists()
        return
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert printable(path.name) in result.stdout.splitlines()[0]  # the summary's first line, whole
    assert {p.name for p in out.iterdir()} <= set(OWN_FILES)  # no staging folder left behind
    report = json.loads((out / "report.json").read_text())
    assert report["source"]["file"] == path.name
    assert case.says in " ".join(report["notices"])


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_run_analysis(case: BadInput, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    if not case.analysable:
        with no_warnings(), pytest.raises(InputError) as refused:
            run_analysis(path, "plank", workers=1)
        assert_one_sentence(str(refused.value), path.name, tmp_path, case)
        return
    with no_warnings():
        analysis = run_analysis(path, "plank", workers=1)
    assert analysis.report.source.file == path.name
    assert case.says in " ".join(analysis.report.notices)


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_the_readers_raise_nothing_but_their_own_error(case: BadInput, tmp_path: Path) -> None:
    """The contract the fuzzers check (tests/fuzz), on every file of the corpus: a file the reader cannot
    use raises VideoError or TrackFormatError, never anything else."""
    path = case.make(tmp_path)
    if not path.is_file():
        pytest.skip("not a file: the pipeline's to refuse")
    with no_warnings():
        if path.suffix == ".csv":
            with contextlib.suppress(TrackFormatError):
                read_track_csv(path)
        elif path.suffix in VIDEO_SUFFIXES:
            with contextlib.suppress(VideoError):
                probe(path)
                list(itertools.islice(iter_frames(path), 3))


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CORPUS) >= 40 and len(set(IDS)) == len(IDS)
    assert sum(c.analysable for c in VIDEOS) >= 3 and sum(not c.analysable for c in CSVS) >= 15


@pytest.mark.parametrize("name", ["3f2a9c.mp4", "3f2a9c.csv"])
def test_an_upload_kept_under_its_hash_is_named_as_the_user_named_it(tmp_path: Path, name: str) -> None:
    """The library and the upload page store files by content hash: the user never saw that name."""
    stored = tmp_path / name
    stored.write_text("not a video, not a track")
    with pytest.raises(InputError) as refused:
        run_analysis(stored, "plank", name="my squat.mov")
    assert "my squat.mov" in str(refused.value) and "3f2a9c" not in str(refused.value)


@pytest.mark.parametrize("bad", ["cut_at_50pc_index_last", "csv_word_in_a_cell", "forged_duration"])
def test_a_refused_input_leaves_the_previous_report_as_it_was(tmp_path: Path, bad: str) -> None:
    good = next(c for c in CORPUS if c.id == "csv_with_bom").make(tmp_path)
    out = tmp_path / "out"
    assert analyze(good, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "bad").mkdir()
    result = analyze(next(c for c in CORPUS if c.id == bad).make(tmp_path / "bad"), out)
    assert result.exit_code == EXIT_INPUT, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
