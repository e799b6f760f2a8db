"""Live coaching without a browser: real clips fed frame by frame, the newest-frame worker, cleanup."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from analyzer.io.video import iter_frames
from analyzer.live.coach import LatestFrameWorker, LiveCoach, LiveState, draw_live
from analyzer.pipeline import InputError
from analyzer.report import Severity

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "clips"


def _frames(name: str, *, stride: int, start_ms: float | None = None) -> Iterator[tuple[float, np.ndarray]]:
    from analyzer.io.video import iter_frames

    clip = CLIPS / name
    if not clip.exists():
        pytest.skip(f"shared clip {clip} is not here (the clips live outside the repository)")
    for frame in iter_frames(clip, stride=stride, start_ms=start_ms, max_side=640):
        yield frame.t_ms, frame.rgb


def _run(coach: LiveCoach, frames: Iterator[tuple[float, np.ndarray]]) -> list[LiveState]:
    return [coach.feed(rgb, t_ms) for t_ms, rgb in frames]


@pytest.mark.clips
def test_squat_counts_reps_like_the_offline_analysis() -> None:
    """gymtracker__squat: 8 reps; whatever is cued live is a fault the offline analysis finds too."""
    with LiveCoach("squat") as coach:
        states = _run(coach, _frames("gymtracker__squat.mp4", stride=2))
        summary = coach.summary().report
    counts = [s.rep_count for s in states]
    assert counts == sorted(counts), "the rep counter never goes back"
    assert counts[-1] >= 6
    assert abs(counts[-1] - len(summary.reps)) <= 1, "live and offline count the same reps"
    cued = {s.cue_code for s in states if s.cue_code}
    flagged = {f.code for f in summary.findings if f.assessable and f.severity != Severity.info}
    assert cued <= flagged, "every live cue is a fault the offline analysis finds too"
    assert all(s.key_angle is not None for s in states[len(states) // 2:] if s.landmarks is not None)
    assert all(s.landmarks is None or s.landmarks.shape == (33, 2) for s in states)


def test_pushup_with_sagging_hips_is_cued_live() -> None:
    """Our rendered push-up with 20 deg of hip sag (sample_videos): the sag is cued while it happens."""
    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "pushup_hip_sag.mp4"
    with LiveCoach("pushup") as coach:
        states = _run(coach, ((f.t_ms, f.rgb) for f in iter_frames(clip, stride=2)))
    cued = [s for s in states if s.cue_code]
    assert cued and {s.cue_code for s in cued} == {"pushup.hip_sag"}
    assert cued[0].severity in (Severity.warning, Severity.danger) and cued[0].cue
    assert states[-1].rep_count >= 2


@pytest.mark.clips
def test_clean_squat_counts_reps_without_false_cues_and_files_the_set(tmp_path: Path) -> None:
    """formfit__squat: three clean reps, nothing to cue; the set goes into the library and reopens."""
    with LiveCoach("squat") as coach:
        states = _run(coach, _frames("formfit__squat.mp4", stride=2))
    assert states[-1].rep_count == 3
    assert not any(s.cue for s in states)

    library_module = pytest.importorskip("analyzer.store.library")
    from webapp.live import save_live_session

    library = library_module.Library(root=tmp_path)
    client = library.create_client("Ann")
    info = save_live_session(library, client.id, coach.summary(), "squat", datetime(2026, 1, 2, 3, 4, 5))
    assert info.reps == 3 and info.exercise == "squat"
    reopened = library.analysis(info.id)  # from the kept pose track: no pose model
    assert len(reopened.report.reps) == 3
    library.close()


@pytest.mark.clips
def test_plank_hold_timer_runs_and_the_late_sag_is_cued() -> None:
    """fitmon__plank, from 24 s: the hold goes on, and the hips sag in the last seconds (as offline)."""
    with LiveCoach("plank") as coach:
        states = _run(coach, _frames("fitmon__plank.mp4", stride=2, start_ms=24000.0))
        summary = coach.summary().report
    held = [s.hold_s for s in states if s.hold_s is not None]
    assert held and held[-1] >= 10.0
    assert all(b >= a for a, b in itertools.pairwise(held)), "one hold: the timer does not restart"
    assert states[-1].rep_count == 0
    sag = [s for s in states if s.cue_title == "Sagging hips"]
    assert sag and sag[0].t_ms > 34000.0, "cued when the hips drop, not before"
    assert any(f.code == "plank.sagging_hips" for f in summary.findings if f.assessable)
    assert sag[-1].key_angle is not None and sag[-1].key_angle[0] == "hip_below_ankle_line_deg"


class _SlowCoach:
    """Stands in for LiveCoach: takes ``delay_s`` a frame and records what it was given."""

    error = None

    def __init__(self, delay_s: float, latest: list[float]) -> None:
        self.delay_s = delay_s
        self.latest = latest  # the newest submitted t_ms, kept by the test
        self.seen: list[tuple[float, float]] = []  # (processed t_ms, newest submitted when it started)
        self.closed = False

    def feed(self, rgb: np.ndarray, t_ms: float, *, arrived: float) -> LiveState:
        self.seen.append((t_ms, self.latest[0]))
        time.sleep(self.delay_s)
        return LiveState(t_ms=t_ms, landmarks=None, visibility=None, kind="reps",
                         latency_ms=(time.perf_counter() - arrived) * 1000.0)

    def close(self) -> None:
        self.closed = True


def test_worker_processes_only_the_newest_frame_when_frames_come_faster() -> None:
    latest = [-1.0]
    coach = _SlowCoach(delay_s=0.03, latest=latest)
    worker = LatestFrameWorker(coach)  # type: ignore[arg-type]
    frame = np.zeros((4, 4, 3), np.uint8)
    submitted = 150
    latencies = []
    for i in range(submitted):  # 500 frames/s against 33 frames/s of processing
        latest[0] = float(i)
        worker.submit(frame, float(i))
        if worker.state is not None:
            latencies.append(worker.state.latency_ms)
        time.sleep(0.002)
    deadline = time.monotonic() + 2.0
    while (worker.state is None or worker.state.t_ms != submitted - 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    processed = [t for t, _ in coach.seen]
    assert processed[-1] == submitted - 1, "the last frame is processed, not lost"
    assert processed == sorted(set(processed)), "never an older frame after a newer one"
    assert all(newest - t <= 1 for t, newest in coach.seen), "each frame taken was the newest one"
    assert len(processed) < submitted / 3 and worker.dropped == submitted - len(processed)
    assert max(latencies) < 3 * 30.0 + 50.0, "no queue builds up: latency stays near one processing time"
    assert coach.closed


def test_worker_survives_an_error_and_reports_it() -> None:
    class Broken(_SlowCoach):
        def feed(self, rgb: np.ndarray, t_ms: float, *, arrived: float) -> LiveState:
            if t_ms == 0:
                raise ValueError("bad frame")
            return super().feed(rgb, t_ms, arrived=arrived)

    coach = Broken(0.0, [0.0])
    with LatestFrameWorker(coach) as worker:  # type: ignore[arg-type]
        worker.submit(np.zeros((2, 2, 3), np.uint8), 0.0)
        time.sleep(0.1)
        worker.submit(np.zeros((2, 2, 3), np.uint8), 1.0)
        time.sleep(0.1)
        assert isinstance(worker.error, ValueError)
        assert worker.state is not None and worker.state.t_ms == 1.0
    assert coach.closed


def test_coach_closes_its_estimator_and_threads() -> None:
    before = {t.name for t in threading.enumerate()}
    with LiveCoach("plank", background_eval=True) as coach:
        state = coach.feed(np.zeros((240, 320, 3), np.uint8), 0.0)
        assert not coach.closed
    assert coach.closed
    assert state.landmarks is None and state.hold_s is None and state.cue is None
    assert "formcheck-live-eval" not in {t.name for t in threading.enumerate()} - before
    worker = LatestFrameWorker(LiveCoach("squat"))
    worker.stop()
    assert worker.coach.closed


def test_summary_of_an_empty_session_says_why() -> None:
    with LiveCoach("squat") as coach:
        for i in range(3):
            coach.feed(np.zeros((240, 320, 3), np.uint8), i * 33.0)
    with pytest.raises(InputError, match="No person"):
        coach.summary()  # the stored poses outlive the estimator


def test_overlay_draws_counter_cue_and_skeleton() -> None:
    img = np.full((480, 640, 3), 128, np.uint8)
    landmarks = np.full((33, 2), 0.5)
    landmarks[:, 1] = np.linspace(0.2, 0.9, 33)
    state = LiveState(t_ms=0.0, landmarks=landmarks, visibility=np.ones(33), kind="hold", hold_s=75.0,
                      cue="Lift the hips.", cue_title="Sagging hips", severity=Severity.danger,
                      body_parts=("shoulder", "hip"), key_angle=("hip_below_ankle_line_deg", 21.0), fps=24.0,
                      latency_ms=30.0)
    out = draw_live(img.copy(), state)
    assert out.shape == img.shape
    changed = np.any(out != img, axis=2)
    assert changed[:80].any() and changed[-80:].any(), "counter at the top, cue at the bottom"
    red = (out[..., 0] > 200) & (out[..., 1] < 60) & (out[..., 2] < 60)
    assert red.any(), "a danger cue is drawn in red"
