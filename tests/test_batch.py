"""``formcheck batch`` on a local Ray runtime: the serial CLI's reports, a rerun that skips, a broken
clip recorded while the batch goes on, a killed worker that loses nothing.

One Ray runtime for the module (2 CPUs, no dashboard, nothing reaching outside the machine). Clips are
the shipped sample videos at every 4th frame, so each is a few dozen frames of real pose estimation.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import analyzer.pose.extract as extract
from analyzer.batch.journal import Journal
from analyzer.batch.runner import Batch
from analyzer.batch.sinks import JOURNAL, FolderSink
from analyzer.batch.sources import find_clips
from analyzer.cli import EXIT_INPUT, _write_outputs, app
from analyzer.io.video import probe

ray = pytest.importorskip("ray", reason="the scale extra (pip install 'formcheck[scale]')")

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
STRIDE = "4"


@pytest.fixture(scope="module", autouse=True)
def ray_runtime():
    """Ray started once for the module; the batch finds it running and leaves it so."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def formcheck(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def reports(out: Path) -> dict[str, dict]:
    return {p.parent.relative_to(out).as_posix(): json.loads(p.read_text()) for p in out.rglob("report.json")}


@pytest.fixture(scope="module")
def library_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clients' folders of clips and a clip that is no video at all."""
    root = tmp_path_factory.mktemp("gym")
    for client, clip in (("ann", "plank_sagging_hips.mp4"), ("bob", "glute_bridge_clean.mp4")):
        (root / client).mkdir()
        shutil.copy(SAMPLES / clip, root / client / clip)
    (root / "bob" / "broken.mp4").write_text("this is not a video\n" * 50)
    return root


@pytest.fixture(scope="module")
def first_run(library_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("batch") / "reports"
    result = formcheck("batch", library_folder, "--out", out, "--stride", STRIDE, "--json")
    return out, result


def test_a_broken_clip_is_recorded_and_the_batch_goes_on(first_run) -> None:
    out, result = first_run
    assert result.exit_code == EXIT_INPUT, result.output  # some clip failed; the rest are written
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_clip = {line["clip"]: line for line in lines if "clip" in line}
    assert {c: v["status"] for c, v in by_clip.items()} == {
        "ann/plank_sagging_hips.mp4": "done", "bob/glute_bridge_clean.mp4": "done", "bob/broken.mp4": "failed",
    }
    assert "not a readable video" in by_clip["bob/broken.mp4"]["message"]
    assert (lines[-1]["summary"]["done"], lines[-1]["summary"]["failed"]) == (2, 1)
    assert sorted(reports(out)) == ["ann/plank_sagging_hips", "bob/glute_bridge_clean"]
    failed = [e for e in Journal(out / JOURNAL).entries.values() if e.status == "failed"]
    assert [(e.clip, "not a readable video" in e.message) for e in failed] == [("bob/broken.mp4", True)]


def test_reports_are_the_serial_clis(first_run, library_folder: Path, tmp_path: Path) -> None:
    out, _ = first_run
    clip = library_folder / "ann" / "plank_sagging_hips.mp4"
    serial = formcheck("analyze", clip, "--stride", STRIDE, "--workers", "1", "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.output
    expected = json.loads((tmp_path / "serial" / "report.json").read_text())
    got = reports(out)["ann/plank_sagging_hips"]
    assert (got["findings"], got["reps"], got["hold"]) == (expected["findings"], expected["reps"], expected["hold"])
    assert got == expected
    for name in ("track.csv", "features.csv"):
        assert (out / "ann/plank_sagging_hips" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()


def test_a_rerun_skips_what_is_done(first_run, library_folder: Path) -> None:
    out, _ = first_run
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != JOURNAL}
    result = formcheck("batch", library_folder, "--out", out, "--stride", STRIDE, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert (summary["done"], summary["skipped"], summary["failed"]) == (0, 3, 0)
    assert before == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != JOURNAL}


def test_a_killed_worker_loses_no_chunk_of_a_long_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clip long enough for two chunks (chunks made short here); the first worker handed one is
    killed. Its chunk is tracked again elsewhere and the report is ``analyze --workers 2``'s."""
    monkeypatch.setattr(extract, "MIN_CHUNK_FRAMES", 20)
    clip = SAMPLES / "squat_clean.mp4"
    killed: list[object] = []

    def kill_first(actor: object, work: object) -> None:
        if not killed:
            killed.append(actor)
            ray.kill(actor)

    write = functools.partial(_write_outputs, annotate=False, html=False, workers=1)
    batch = Batch(
        find_clips(str(clip)), FolderSink(tmp_path / "out", write),
        options=extract.ExtractOptions(stride=int(STRIDE)), on_assigned=kill_first,
    )
    summary = batch.run()
    assert killed and (summary.done, summary.failed) == (1, 0)
    serial = formcheck("analyze", clip, "--stride", STRIDE, "--workers", "2", "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.output
    expected = json.loads((tmp_path / "serial" / "report.json").read_text())
    assert expected["processing"]["workers"] == 2  # the serial run was chunked as well
    assert json.loads((tmp_path / "out" / "squat_clean" / "report.json").read_text()) == expected
    assert len(Journal(tmp_path / "out" / JOURNAL).entries) == 1


class _DriverDiesAfterStoring(FolderSink):
    """The worst moment for a driver to die: a clip's report written, the journal not yet told."""

    def store(self, clip, analysis) -> None:  # noqa: ANN001
        super().store(clip, analysis)
        raise KeyboardInterrupt


def test_a_driver_killed_between_storing_and_recording_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("plank_clean.mp4", "pushup_clean.mp4"):
        shutil.copy(SAMPLES / name, folder / name)
    write = functools.partial(_write_outputs, annotate=False, html=False, workers=1)
    options = extract.ExtractOptions(stride=8)
    with pytest.raises(KeyboardInterrupt):
        Batch(find_clips(str(folder)), _DriverDiesAfterStoring(tmp_path / "out", write), options=options).run()
    assert len(reports(tmp_path / "out")) == 1 and not Journal(tmp_path / "out" / JOURNAL).entries

    summary = Batch(find_clips(str(folder)), FolderSink(tmp_path / "out", write), options=options).run()
    assert (summary.done, summary.skipped, summary.failed) == (2, 0, 0)
    assert sorted(reports(tmp_path / "out")) == ["plank_clean", "pushup_clean"]
    recorded = [json.loads(line) for line in (tmp_path / "out" / JOURNAL).read_text().splitlines()]
    assert sorted((e["clip"], e["status"]) for e in recorded) == [("plank_clean.mp4", "done"), ("pushup_clean.mp4", "done")]


def test_the_longest_clips_are_handed_out_first(tmp_path: Path) -> None:
    """Greedy longest-first: a long clip started last would run alone while the other cores wait."""
    names = ["plank_sagging_hips.mp4", "glute_bridge_clean.mp4", "squat_clean.mp4"]
    for name in names:
        shutil.copy(SAMPLES / name, tmp_path / name)
    handed: list[str] = []
    write = functools.partial(_write_outputs, annotate=False, html=False, workers=1)
    batch = Batch(
        find_clips(str(tmp_path / "*.mp4")), FolderSink(tmp_path / "out", write),
        options=extract.ExtractOptions(stride=int(STRIDE)), on_assigned=lambda actor, work: handed.append(work.key.name),
    )
    assert batch.run().done == len(names)
    longest_first = sorted(names, key=lambda name: probe(tmp_path / name).duration_s, reverse=True)
    assert handed == longest_first
    assert longest_first != sorted(names)  # the test means something: not the folder's order
