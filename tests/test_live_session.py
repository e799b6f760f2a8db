"""Live coaching as a session (issue 18): the framing told before the set, Start with a countdown, Pause, cues
said aloud once, and the same findings live as on upload of the same clip.

Session tests replay poses found once on a sample clip (the pose model runs once per clip), fed frame by
frame with the clip's own times: every countdown and pause is in frame time, nothing here is timed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analyzer.io.video import iter_frames
from analyzer.judging.registry import get_exercise
from analyzer.landmarks import INDEX
from analyzer.live.coach import AUTO, LiveCoach, LiveState, draw_live, framing_colour, session_banner
from analyzer.live.framing import FramingCheck
from analyzer.pipeline import analyze_path
from analyzer.pose.estimator import PoseEstimator, PoseFrame
from analyzer.report import Severity
from tests.helpers.paths import REPO
from webapp.live import status_line
from webapp.speech import speech_html

SAMPLES = REPO / "sample_videos"
Poses = list[tuple[float, tuple[int, int, int], PoseFrame]]


def _poses(name: str, exercise: str) -> Poses:
    """(t_ms, frame shape, pose) of every frame of a sample clip, as the live coach's estimator finds them."""
    with PoseEstimator(segmentation=get_exercise(exercise).reads_outline) as estimator:
        return [(f.t_ms, f.rgb.shape, estimator.process(f.rgb, f.t_ms)) for f in iter_frames(SAMPLES / name)]


class _Replay:
    """Stands in for the PoseEstimator: gives back the poses found once on the clip, in order."""

    model_path = Path("pose_landmarker_full.task")

    def __init__(self, poses: Poses) -> None:
        self._poses = iter([pose for _, _, pose in poses])
        self.closed = False

    def process(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        return next(self._poses)

    def close(self) -> None:
        self.closed = True


class _Session:
    """A coach fed the replayed clip; the test moves through it and presses Start and Pause in between."""

    def __init__(self, exercise: str, poses: Poses, *, wait_for_start: bool = True) -> None:
        self.coach = LiveCoach(exercise, estimator=_Replay(poses),  # type: ignore[arg-type]
                               wait_for_start=wait_for_start)
        self._frames = iter(poses)
        self.states: list[LiveState] = []

    def feed(self, until_ms: float = np.inf) -> list[LiveState]:
        """Feed the frames up to ``until_ms`` of the clip (all that are left by default)."""
        fed: list[LiveState] = []
        for t_ms, shape, _ in self._frames:
            fed.append(self.coach.feed(np.zeros(shape, np.uint8), t_ms))
            if t_ms >= until_ms:
                break
        self.states += fed
        return fed


@pytest.fixture(scope="module")
def pushup_poses() -> Poses:
    return _poses("pushup_hip_sag.mp4", "pushup")  # three reps, hips sagging 20 deg in each (9.3 s)


@pytest.fixture(scope="module")
def plank_poses() -> Poses:
    return _poses("plank_clean.mp4", "plank")  # an 8 s hold


def _counts(states: Iterable[LiveState]) -> set[int]:
    return {s.rep_count for s in states}


def test_nothing_is_judged_before_start_and_the_framing_is_told(pushup_poses: Poses) -> None:
    session = _Session("pushup", pushup_poses)
    states = session.feed()
    assert {s.phase for s in states} == {"waiting"}
    assert _counts(states) == {0} and not any(s.cue for s in states)
    framed = [s for s in states if s.framing]
    assert framed and all(c.ok for c in framed[-1].framing), "a well-filmed clip: all right"
    assert framing_colour(framed[-1].framing) == "ok"
    assert session_banner(states[-1]) == "PRESS START SET"
    with pytest.raises(Exception, match="No person"):
        session.coach.summary()  # nothing of a set never started is kept for the summary


def test_start_counts_down_in_frame_time_then_judges(pushup_poses: Poses) -> None:
    session = _Session("pushup", pushup_poses)
    session.coach.start(countdown_s=3.0)
    states = session.feed()
    counting = [s.countdown for s in states if s.phase == "countdown"]
    assert counting and [n for i, n in enumerate(counting) if i == 0 or counting[i - 1] != n] == [3, 2, 1]
    assert not any(s.rep_count or s.cue for s in states if s.phase == "countdown"), "the countdown is not judged"
    running = [s for s in states if s.phase == "running"]
    assert running[0].t_ms >= states[0].t_ms + 3000.0
    assert running[-1].rep_count >= 1 and {s.cue_code for s in running if s.cue_code} == {"pushup.hip_sag"}


def test_pause_stops_counting_and_cues_until_started_again(pushup_poses: Poses) -> None:
    session = _Session("pushup", pushup_poses)
    session.coach.start(countdown_s=0.0)
    before = session.feed(until_ms=4500.0)
    assert before[-1].phase == "running" and before[-1].rep_count >= 1
    session.coach.pause()
    assert session.coach.phase == "paused", "the button shows Start set at once, before the next frame"
    paused = session.feed(until_ms=7000.0)
    assert {s.phase for s in paused} == {"paused"}
    assert _counts(paused) == {before[-1].rep_count} and not any(s.cue for s in paused)
    assert session_banner(paused[-1]) == "PAUSED"
    session.coach.start(countdown_s=0.0)
    after = session.feed()
    assert after[-1].phase == "running" and after[-1].rep_count >= before[-1].rep_count


def test_pause_stops_the_hold_timer(plank_poses: Poses) -> None:
    session = _Session("plank", plank_poses)
    session.coach.start(countdown_s=0.0)
    holding = session.feed(until_ms=5000.0)
    held = holding[-1].hold_s
    assert held is not None and held > 1.0
    session.coach.pause()
    paused = session.feed()
    assert {s.hold_s for s in paused} == {held} and not any(s.holding for s in paused)


def test_feet_out_of_the_picture_are_told_in_red_until_right(pushup_poses: Poses) -> None:
    def feet_below(pose: PoseFrame) -> PoseFrame:
        image = pose.image.copy()
        image[[INDEX["left_ankle"], INDEX["right_ankle"]], 1] = 1.2
        return dataclasses.replace(pose, image=image)

    cut = [(t, shape, feet_below(pose)) for t, shape, pose in pushup_poses[:60]]
    session = _Session("pushup", cut + pushup_poses[60:])
    wrong = session.feed(until_ms=cut[-1][0])[-1]
    assert framing_colour(wrong.framing) == "blocking"
    assert "Framing: feet out of the frame: step back or tilt the camera" in status_line(wrong, "reps")
    right = session.feed()[-1]
    assert framing_colour(right.framing) == "ok" and "Framing: all right" in status_line(right, "reps")

    red, green = (draw_live(np.full((480, 640, 3), 128, np.uint8), s)[2, 320] for s in (wrong, right))
    assert red[0] > 200 and red[1] < 60, "a red frame around the picture"
    assert green[1] > 150 and green[0] < 100, "a green one once right"


def test_recognise_it_settles_the_exercise_from_the_set_then_counts_all_its_reps(pushup_poses: Poses) -> None:
    session = _Session(AUTO, pushup_poses, wait_for_start=False)
    states = session.feed()
    assert states[0].recognising and "Recognising the exercise" in status_line(states[0], "reps")
    assert not any(s.rep_count or s.cue for s in states if s.recognising)
    assert session.coach.exercise is not None and session.coach.exercise.name == "pushup"
    assert states[-1].rep_count == 3, "the reps before it was recognised are in the window: none is lost"
    assert {s.cue_code for s in states if s.cue_code} == {"pushup.hip_sag"}


def test_the_status_line_says_where_the_session_stands() -> None:
    base = LiveState(t_ms=0.0, landmarks=np.zeros((33, 2)), visibility=np.ones(33), kind="reps")
    assert "Press Start set" in status_line(dataclasses.replace(base, phase="waiting"), "reps")
    counting = dataclasses.replace(base, phase="countdown", countdown=2, cue="x", cue_title="y")
    assert "Starting in 2" in status_line(counting, "reps") and "y: x" not in status_line(counting, "reps")
    assert "Paused" in status_line(dataclasses.replace(base, phase="paused"), "reps")
    amber = (FramingCheck(True, "whole body in the frame"), FramingCheck(False, "filmed from the front: film side-on"))
    assert framing_colour(amber) == "wrong"
    assert "Framing: filmed from the front" in status_line(dataclasses.replace(base, framing=amber), "reps")


def test_a_cue_is_spoken_by_the_browser_once_and_nothing_is_fetched() -> None:
    page = speech_html('Sagging hips. Lift the hips "now".', 7)
    assert "speechSynthesis.speak" in page and '"Sagging hips. Lift the hips \\"now\\"."' in page
    assert "__formcheckSaid || 0) >= said" in page and "const said = 7" in page, "said once per number"
    assert "http" not in page and "src=" not in page, "offline: nothing is fetched"


_PAGE: dict[str, object] = {}  # what the page script below finds: the camera "playing" with this coach


def _live_page_with_the_camera_on() -> None:
    """The live page as it is once START turned the camera on (streamlit-webrtc needs a browser)."""
    from types import SimpleNamespace
    from unittest import mock

    from tests.test_live_session import _PAGE
    from webapp import live
    from webapp.latency import ServerTimings

    worker = SimpleNamespace(coach=_PAGE["coach"], state=None, error=None)
    camera = SimpleNamespace(state=SimpleNamespace(playing=True),
                             video_processor=SimpleNamespace(set_exercise=lambda name: None, worker=worker,
                                                             timings=ServerTimings()))
    with mock.patch.object(live, "webrtc_streamer", lambda **kwargs: camera):
        live.page()


def test_the_page_starts_and_pauses_the_set_and_speaks_unless_muted() -> None:
    coach = LiveCoach("pushup", estimator=_Replay([]), wait_for_start=True)  # type: ignore[arg-type]
    _PAGE["coach"] = coach
    at = AppTest.from_function(_live_page_with_the_camera_on, default_timeout=60).run()
    at.selectbox(key="live_exercise").select("pushup").run()
    assert not at.exception
    assert at.toggle(key="live_speak").value is True, "cues are spoken unless muted"
    assert "Start set begins the set after a 3-second countdown" in " ".join(c.value for c in at.caption)
    assert "Recognise it" in at.selectbox(key="live_exercise").options
    at.button(key="live_start").click().run()
    assert coach.phase == "countdown"
    at.button(key="live_pause").click().run()
    assert coach.phase == "paused"
    assert at.button(key="live_start")
    coach.close()


# -- the same findings live as on upload -----------------------------------------------
@pytest.mark.parametrize(
    ("clip", "exercise"),
    [("deadlift_rounded_back.mp4", "deadlift"), ("squat_butt_wink.mp4", "squat"), ("pushup_clean.mp4", "pushup")],
)
def test_live_finds_what_an_upload_finds(clip: str, exercise: str) -> None:
    """The clip fed frame by frame through the coach: the reps it counts and the faults it judges are the
    upload's, and it cues nothing else. (The deadlift counted 5 reps and the rounded back and butt wink went
    unseen until the coach kept the back's outline and held the rest level its first rep showed.)"""
    upload = analyze_path(SAMPLES / clip, exercise, workers=1)
    with LiveCoach(exercise) as coach:
        states = [coach.feed(f.rgb, f.t_ms) for f in iter_frames(SAMPLES / clip)]
    found = {f.code for f in upload.findings if f.assessable and f.severity != Severity.info}
    assert states[-1].rep_count == len(upload.reps)
    assert coach.found == found
    assert {s.cue_code for s in states if s.cue_code} <= found and bool(found) == any(s.cue for s in states)
    # the back is drawn as the estimator reads it for the exercises judged on it, and bows as the back rounds
    bends = [sum(s.spine_bend) for s in states if s.spine_bend is not None]
    assert bool(bends) == (exercise in ("deadlift", "squat"))
    if clip == "deadlift_rounded_back.mp4":
        assert max(bends) - bends[0] > 20.0  # rounded 40 deg at the bottom of each rep; standing at first


def test_the_countdown_and_pause_are_drawn_in_the_middle_of_the_picture() -> None:
    base = LiveState(t_ms=0.0, landmarks=None, visibility=None, kind="reps")
    plain = draw_live(np.full((480, 640, 3), 128, np.uint8), base)
    for phase, countdown in (("countdown", 2), ("paused", None)):
        drawn = draw_live(np.full((480, 640, 3), 128, np.uint8), dataclasses.replace(base, phase=phase,
                                                                                   countdown=countdown))
        assert np.any(drawn[200:280, 260:380] != plain[200:280, 260:380]), phase
