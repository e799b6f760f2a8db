"""Live coaching: pose on the newest webcam frame, the offline rules re-run on a rolling window.

Nothing here knows about the browser. :class:`LiveCoach` turns frames into a
:class:`LiveState` (smoothed skeleton, rep counter or hold timer, the cue for
the fault happening now, key angle, fps, latency); :class:`LatestFrameWorker`
runs a coach on its own thread and always takes the newest frame, so a slow
machine shows fewer updates rather than an ever older picture.

The judging is the offline one, reused as it is: every ``eval_every_ms`` the
last ``window_s`` seconds become a :class:`PoseTrack` that goes through
``compute_features`` and ``evaluate``. Reps are counted on those windows and
de-duplicated by time across evaluations (see :meth:`LiveCoach._count_new_reps`),
so the count uses exactly the offline rep definition (hysteresis, minimum
amplitude, 'either' rest level) instead of a second, live-only one.

A live set is a session (:meth:`LiveCoach.start`, :meth:`LiveCoach.pause`):
before it begins the framing is judged on the last seconds with the upload's
judgement (:mod:`analyzer.live.framing`), and only the frames of a run are
judged and kept for the summary.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Generic, NamedTuple, Self, TypeVar

import cv2
import numpy as np

from analyzer import pipeline
from analyzer.draw.back_curve import back_curve, spine_depth
from analyzer.draw.style import MIN_VISIBILITY, SEVERITY_RANK, SEVERITY_RGB, wrap_words
from analyzer.features import spine
from analyzer.features.filtering import OneEuroFilter
from analyzer.features.kinematics import Features, compute_features
from analyzer.features.view import nearer_side
from analyzer.judging.evaluate import Evaluation, evaluate
from analyzer.judging.registry import confident_choice, get_exercise, recognise
from analyzer.judging.rounding import spine_checks, trusted_quality
from analyzer.judging.rulebook import Exercise
from analyzer.landmarks import INDEX, NUM_LANDMARKS, SKELETON_EDGES
from analyzer.live.framing import FramingCheck, first_problem, judge_framing
from analyzer.pipeline import Analysis
from analyzer.pose.estimator import PoseEstimator, PoseFrame
from analyzer.report import Finding, Severity
from analyzer.track import PoseTrack

# A fault is "happening now" when it was seen within this long of the newest frame: about
# a second, plus the second at the end of a hold that the hold rules leave unjudged (settling).
CUE_RECENT_MS = 1500.0
# Once shown, a cue stays this long (unless a worse one replaces it): a sentence
# that flickers away after 300 ms cannot be read mid-rep.
CUE_HOLD_MS = 2500.0
# The window is judged only with at least this many frames with a person.
MIN_EVAL_FRAMES = 10
# The exercise name that asks the coach to recognise the exercise from the first seconds of the set.
AUTO = "auto"
# A hold is taken for the exercise once recognised for this long (a rep exercise at once).
HOLD_RECOGNITION_MS = 5000.0
# Frames kept for the summary: the last 30 minutes of the session.
MAX_SESSION_S = 30 * 60.0
# FPS is counted over the results of the last two seconds.
FPS_WINDOW_S = 2.0
# Per-frame key angle: measured on this many newest (smoothed) frames.
KEY_ANGLE_FRAMES = 3
# Framing is judged on the last this-many milliseconds before the set begins.
FRAMING_WINDOW_MS = 2000.0
# The back drawn live: the spine estimator's angles over this many newest milliseconds (their median).
SPINE_WINDOW_MS = 300.0
# their track channels (features name a channel "img_<channel>")
SPINE_ANGLES = tuple(name.removeprefix("img_") for name in (spine.LUMBAR, spine.THORACIC))
SPINE_QUALITY = spine.QUALITY.removeprefix("img_")
# After Start, this long to get into position: framing is checked, nothing is judged.
COUNTDOWN_S = 3.0
T = TypeVar("T")


@dataclass(frozen=True)
class LiveState:
    """What the live view shows for one processed frame."""

    t_ms: float
    landmarks: np.ndarray | None  # (33, 2) normalised x, y, One-Euro smoothed; None when nobody is seen
    visibility: np.ndarray | None  # (33,)
    kind: str  # "reps" or "hold"
    rep_count: int = 0
    hold_s: float | None = None  # the current (or last) hold, for hold exercises
    holding: bool = False
    cue: str | None = None  # what to do, one sentence
    cue_title: str | None = None  # the fault, a few words (drawn large)
    cue_code: str | None = None  # the finding's stable code, e.g. "plank.sagging_hips"
    severity: Severity | None = None
    body_parts: tuple[str, ...] = ()
    key_angle: tuple[str, float] | None = None  # (series name, value)
    fps: float = 0.0
    latency_ms: float = 0.0  # from the frame's arrival to this result
    model_ms: float = 0.0  # the pose model's own inference on this frame, within latency_ms
    dropped: int = 0  # stale frames skipped so far (set by LatestFrameWorker)
    phase: str = "running"  # "waiting" (for Start), "countdown", "running" or "paused"; see LiveCoach.start
    countdown: int | None = None  # whole seconds left, during the countdown
    framing: tuple[FramingCheck, ...] = ()  # the set-up's checks, until the set begins (first rep or hold)
    recognising: bool = False  # the exercise is not known yet (AUTO): nothing is counted or cued
    # lumbar and thoracic flexion (deg) the spine estimator vouches for, for an exercise judged on them
    spine_bend: tuple[float, float] | None = None
    side: str = "left"  # the body's side nearer the camera


class _Sample(NamedTuple):
    """One frame's pose, kept compactly (float32) for the window and the session summary."""

    t_ms: float
    image: np.ndarray  # (33, 3) float32
    visibility: np.ndarray  # (33,) float32
    world: np.ndarray  # (33, 3) float32
    channels: dict[str, float]  # per-frame measures from the image: brightness, the back's outline


def _stack(samples: list[_Sample], size: tuple[int, int] | None, meta: dict[str, object]) -> PoseTrack:
    if not samples:
        return PoseTrack.empty([], size=size)
    names = sorted({name for s in samples for name in s.channels})
    return PoseTrack(
        t_ms=np.array([s.t_ms for s in samples]),
        image=np.stack([s.image for s in samples]),
        visibility=np.stack([s.visibility for s in samples]),
        world=np.stack([s.world for s in samples]),
        size=size,
        channels={name: np.array([s.channels.get(name, np.nan) for s in samples]) for name in names},
        meta=dict(meta),
    )


def default_key_series(exercise: Exercise) -> str:
    """The angle worth showing for an exercise: its tempo angle, else the first angle a check measures."""
    candidates = [str(exercise.extra.get("tempo_angle", ""))]
    candidates += [str(m) for m in exercise.extra.get("rep_metrics", [])]  # type: ignore[union-attr]
    candidates += [c.key_series for c in exercise.checks]
    for name in candidates:
        if name.endswith("_deg") and not name.startswith("img_"):
            return name
    return exercise.rep_signal


class LiveCoach:
    """Pose, counting and cues for one live set of one exercise (``AUTO``: the one the first seconds show).

    ``feed`` runs pose inference on the frame and, every ``eval_every_ms``,
    judges the window: inline by default (deterministic, for tests and
    replays), or with ``background_eval`` on a thread of its own, because a
    window evaluation costs ~60-70 ms here (the zero-phase filter runs column
    by column) and would otherwise stall every few frames. Run ``feed``
    through :class:`LatestFrameWorker` to keep up with a camera. Close it (or
    use ``with``): it owns a MediaPipe landmarker.

    A coach made with ``wait_for_start`` only shows the skeleton and judges the framing until
    :meth:`start`; then a countdown (frame time, so replays behave alike), then the set is judged until
    :meth:`pause`. Otherwise it judges from the first frame.
    """

    def __init__(
        self,
        exercise: str,
        *,
        window_s: float = 12.0,
        eval_every_ms: float = 300.0,
        max_session_s: float = MAX_SESSION_S,
        estimator: PoseEstimator | None = None,
        background_eval: bool = False,
        wait_for_start: bool = False,
    ) -> None:
        # None until recognised, for AUTO: what the window shows, as an upload with no exercise given
        self.exercise: Exercise | None = None if exercise == AUTO else get_exercise(exercise)
        self.window_ms = window_s * 1000.0
        self.eval_every_ms = eval_every_ms
        self.max_session_ms = max_session_s * 1000.0
        segmentation = self.exercise is None or self.exercise.reads_outline  # AUTO: it may be a squat
        self._estimator = estimator if estimator is not None else PoseEstimator(segmentation=segmentation)
        self._model_name = self._estimator.model_path.name
        self._session: deque[_Sample] = deque()  # bounded by time in _store
        self._smoother = OneEuroFilter(min_cutoff_hz=1.5, beta=0.3)
        self._smoothed: deque[np.ndarray] = deque(maxlen=KEY_ANGLE_FRAMES)
        self._size: tuple[int, int] | None = None
        self._last_t = -np.inf
        self._last_eval_t = -np.inf
        self._done_times: deque[float] = deque()
        self._default_key = default_key_series(self.exercise) if self.exercise else None
        # session-wide counting
        self._reps: list[tuple[float, float]] = []  # (start_ms, end_ms) of every counted rep
        self._hold: tuple[float, float] | None = None  # (start_ms, last seen in position)
        self._hold_ongoing = False
        # the cue on show
        self._cue: Finding | None = None
        self._cue_until = -np.inf
        # the session: judged only while running; each run (after Start or a pause) is judged on its own
        self._phase = "waiting" if wait_for_start else "running"
        self._countdown_s = COUNTDOWN_S
        self._countdown_end: float | None = None  # in frame time, set by the first frame after start()
        self._run = 0  # which run a window belongs to: a window judged after a pause is dropped
        self._run_start = -np.inf
        self._setup: deque[_Sample] = deque()  # the last FRAMING_WINDOW_MS, whatever the phase
        self._framing: tuple[FramingCheck, ...] = ()
        self._candidate: tuple[str, float] | None = None  # AUTO: the exercise recognised, since when
        self._found: set[str] = set()  # codes of the faults judged so far
        self._rep_rest: str | None = None  # the rest level of rest-'either' exercises, once a rep showed it
        self.evaluations = 0
        self._lock = threading.Lock()  # the counting state above, shared with the evaluation thread
        self._evaluator: LatestOnly[_Window] | None = (
            LatestOnly(self._judge, "formcheck-live-eval") if background_eval else None
        )

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarker; the stored session stays available for :meth:`summary`."""
        if self._evaluator is not None:
            self._evaluator.stop()
        self._estimator.close()

    @property
    def error(self) -> BaseException | None:
        """The last error of a background evaluation (None when all went well)."""
        return self._evaluator.error if self._evaluator is not None else None

    @property
    def closed(self) -> bool:
        return self._estimator.closed

    # -- per frame ------------------------------------------------------------
    def feed(self, rgb: np.ndarray, t_ms: float, *, arrived: float | None = None) -> LiveState:
        """Process one upright RGB frame taken at ``t_ms``; ``arrived`` is its ``time.perf_counter()``."""
        arrived = time.perf_counter() if arrived is None else arrived
        t_ms = max(float(t_ms), self._last_t + 1.0)  # tracks need strictly increasing times
        self._last_t = t_ms
        self._size = (int(rgb.shape[1]), int(rgb.shape[0]))
        started = time.perf_counter()
        pose = self._estimator.process(rgb, t_ms)
        model_ms = (time.perf_counter() - started) * 1000.0
        with self._lock:
            self._advance(t_ms)
            running = self._phase == "running"
        self._store(t_ms, pose, running)
        smoothed = self._smoother(t_ms, pose.image[:, :2])
        self._smoothed.append(np.concatenate([smoothed, pose.image[:, 2:]], axis=1))
        if t_ms - self._last_eval_t >= self.eval_every_ms:
            self._last_eval_t = t_ms
            window = self._window(t_ms, running)
            if self._evaluator is not None:
                self._evaluator.submit(window)
            else:
                self._judge(window)
        seen = bool(np.isfinite(pose.image[:, 0]).any())
        with self._lock:
            if self._cue is not None and t_ms > self._cue_until:
                self._cue = None
            state = self._state(t_ms, smoothed if seen else None, pose.visibility if seen else None)
        done = time.perf_counter()
        self._done_times.append(done)
        while self._done_times and done - self._done_times[0] > FPS_WINDOW_S:
            self._done_times.popleft()
        return replace(state, fps=self._fps(), latency_ms=(done - arrived) * 1000.0, model_ms=model_ms)

    def _state(self, t_ms: float, landmarks: np.ndarray | None, visibility: np.ndarray | None) -> LiveState:
        return LiveState(
            t_ms=t_ms,
            landmarks=landmarks,
            visibility=None if visibility is None else visibility.copy(),
            kind=self.exercise.kind if self.exercise else "reps",
            recognising=self.exercise is None,
            rep_count=len(self._reps),
            hold_s=self._hold_seconds(t_ms),
            holding=self._hold_ongoing,
            cue=self._cue.cue if self._cue else None,
            cue_title=self._cue.title if self._cue else None,
            cue_code=self._cue.code if self._cue else None,
            severity=self._cue.severity if self._cue else None,
            body_parts=tuple(self._cue.body_parts) if self._cue else (),
            key_angle=self._key_angle(visibility) if visibility is not None else None,
            phase=self._phase,
            countdown=self._countdown_left(t_ms),
            framing=() if self._set_begun else self._framing,
            spine_bend=self._spine_bend(t_ms),
            side=nearer_side(visibility) if visibility is not None else "left",
        )

    def _spine_bend(self, t_ms: float) -> tuple[float, float] | None:
        """The estimator's lumbar and thoracic flexion over the newest frames (median: one frame's reading
        jitters by a few degrees), for an exercise whose checks read them; None where it cannot tell."""
        if self.exercise is None or not spine_checks(self.exercise):
            return None
        least = trusted_quality(self.exercise)
        recent = [s.channels for s in self._setup if t_ms - s.t_ms <= SPINE_WINDOW_MS]
        good = [c for c in recent if c.get(SPINE_QUALITY, 0.0) >= least]
        if not good:
            return None
        lumbar, thoracic = (float(np.median([c[k] for c in good])) for k in SPINE_ANGLES)
        return (lumbar, thoracic) if math.isfinite(lumbar) and math.isfinite(thoracic) else None

    # -- the session: start, countdown, pause -----------------------------------------
    def start(self, countdown_s: float = COUNTDOWN_S) -> None:
        """Begin (or resume) judging after ``countdown_s`` seconds of frame time, counted from the next frame."""
        with self._lock:
            if self._phase in ("waiting", "paused"):
                self._phase, self._countdown_s, self._countdown_end = "countdown", max(0.0, countdown_s), None

    def pause(self) -> None:
        """Stop judging at once: no reps counted, no cues, the hold timer stops (it shows the time held)."""
        with self._lock:
            if self._phase in ("countdown", "running"):
                self._phase = "paused"
                self._hold_ongoing = False
                self._cue, self._cue_until = None, -np.inf

    @property
    def phase(self) -> str:
        return self._phase

    def _advance(self, t_ms: float) -> None:
        """Start the countdown on the first frame after Start, and end it once it ran out."""
        if self._phase != "countdown":
            return
        if self._countdown_end is None:
            self._countdown_end = t_ms + self._countdown_s * 1000.0
        if t_ms >= self._countdown_end:
            self._phase, self._run, self._run_start = "running", self._run + 1, t_ms

    def _countdown_left(self, t_ms: float) -> int | None:
        if self._phase != "countdown":
            return None
        end = self._countdown_end if self._countdown_end is not None else t_ms + self._countdown_s * 1000.0
        return math.ceil((end - t_ms) / 1000.0)

    @property
    def _set_begun(self) -> bool:
        """Whether the set has begun: a rep counted or a hold started (framing is no longer told then)."""
        return bool(self._reps) or self._hold is not None

    def _store(self, t_ms: float, pose: PoseFrame, running: bool) -> None:
        """Keep the frame for the framing check and, while the set is judged, for the session."""
        sample = _Sample(
            t_ms,
            pose.image.astype(np.float32),
            pose.visibility.astype(np.float32),
            pose.world.astype(np.float32),
            dict(pose.channels),
        )
        self._setup.append(sample)
        while t_ms - self._setup[0].t_ms > FRAMING_WINDOW_MS:
            self._setup.popleft()
        if not running:
            return
        self._session.append(sample)
        while self._session and t_ms - self._session[0].t_ms > self.max_session_ms:
            self._session.popleft()

    def _fps(self) -> float:
        if len(self._done_times) < 2:
            return 0.0
        span = self._done_times[-1] - self._done_times[0]
        return (len(self._done_times) - 1) / span if span > 0 else 0.0

    def _recent(self, since_ms: float) -> list[_Sample]:
        """Stored frames from ``since_ms`` on, oldest first (walks back from the newest only)."""
        out: list[_Sample] = []
        for sample in reversed(self._session):
            if sample.t_ms < since_ms:
                break
            out.append(sample)
        out.reverse()
        return out

    def window_track(self) -> PoseTrack:
        """The last ``window_s`` seconds of this run as a track (what each evaluation judges)."""
        since = max(self._last_t - self.window_ms, self._run_start)
        return _stack(self._recent(since), self._size, {"model": self._model_name})

    def _window(self, now: float, running: bool) -> _Window:
        """What one evaluation looks at: the run's window while judging, the framing window until the set
        has begun."""
        setup = None if self._set_begun else _stack(list(self._setup), self._size, {"model": self._model_name})
        return _Window(now, self._run, self.window_track() if running else None, setup)

    def session_track(self) -> PoseTrack:
        """Every stored frame of the session (up to ``max_session_s``) as a track."""
        return _stack(list(self._session), self._size, {"model": self._model_name, "live": True})

    # -- judging the window --------------------------------------------------------
    def _judge(self, window: _Window) -> None:
        """Judge the framing and run the offline rules on one window, then update counters and the cue."""
        if window.setup is not None:
            framing = tuple(_judge_framing(window.setup, self.exercise))
            with self._lock:
                self._framing = framing
        track, now = window.track, window.now
        if track is None:
            return
        if int(track.has_pose.sum()) < MIN_EVAL_FRAMES:
            with self._lock:
                if window.run == self._run and self._phase == "running":
                    self._update_hold(None, now)
            return
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices of a half-empty window
            features = compute_features(track)
            if self.exercise is None and not self._recognise(features, now):
                return
            evaluation = evaluate(self._judged_exercise(), features)
        with self._lock:
            if window.run == self._run and self._phase == "running":  # not paused meanwhile
                self._apply(evaluation, features, now)

    def _recognise(self, features: Features, now: float) -> bool:
        """Settle the exercise once the window singles one out (the upload's recognition); True once known.

        A rep exercise is settled at once; a hold only once it was the choice for ``HOLD_RECOGNITION_MS``:
        push-ups begin in a plank, and the plank is what the window shows until the first rep.
        """
        chosen = confident_choice(recognise(features))
        if chosen is None or self._candidate is None or self._candidate[0] != chosen:
            self._candidate = (chosen, now) if chosen else None
        if chosen is None:
            return False
        if get_exercise(chosen).kind == "hold" and now - self._candidate[1] < HOLD_RECOGNITION_MS:
            return False
        with self._lock:
            self.exercise = get_exercise(chosen)
            self._default_key = default_key_series(self.exercise)
        return True

    def _judged_exercise(self) -> Exercise:
        """The exercise with its rest level fixed once a rep showed it.

        A rest-'either' exercise (the deadlift) takes whichever reading finds more whole reps. A window that
        ends mid-rep can read the rest the other way and find a 'rep' from one rep's turn to the next one's:
        counted once more each time. The set does not change its rest level halfway, so the first rep fixes it.
        """
        assert self.exercise is not None, "judged only once the exercise is known"
        if self._rep_rest is None:
            return self.exercise
        return replace(self.exercise, rep_rest=self._rep_rest)

    def _apply(self, evaluation: Evaluation, features: Features, now: float) -> None:
        assert self.exercise is not None
        self.evaluations += 1
        self._found.update(f.code for f in evaluation.findings if f.assessable and f.severity != Severity.info)
        active = evaluation.features if evaluation.features is not None else features
        if self.exercise.kind == "reps":
            self._count_new_reps(evaluation, active)
        else:
            span = None
            if evaluation.hold is not None:
                a, b = evaluation.hold
                span = (float(active.t_ms[a]), float(active.t_ms[b - 1]))
            self._update_hold(span, now)
        self._choose_cue(evaluation, active, now)

    def _count_new_reps(self, evaluation: Evaluation, active: Features) -> None:
        """Add the window's reps that were not counted before.

        Consecutive reps do not overlap (the next one leaves rest after the
        last one came back), while the same rep found again in a later window
        starts near where it started before, well before its own end. So a rep
        is new when it starts after the last counted rep's midpoint.
        """
        for rep in evaluation.reps:
            start, end = float(active.t_ms[rep.start]), float(active.t_ms[rep.end])
            if self._reps:
                last_start, last_end = self._reps[-1]
                if start <= (last_start + last_end) / 2.0 or end <= last_end:
                    continue
            self._reps.append((start, end))
            if self._rep_rest is None and self.exercise is not None and self.exercise.rep_rest == "either":
                signal = active[self.exercise.rep_signal]
                self._rep_rest = "high" if signal[rep.turn] < signal[rep.start] else "low"

    def _update_hold(self, span: tuple[float, float] | None, now: float) -> None:
        """Follow one hold across windows: a window only sees its last ``window_s`` seconds."""
        ongoing = span is not None and span[1] >= now - CUE_RECENT_MS
        if not ongoing:
            self._hold_ongoing = False
            return
        assert span is not None
        continues = self._hold is not None and self._hold_ongoing and span[0] <= self._hold[1] + CUE_RECENT_MS
        start = self._hold[0] if continues and self._hold is not None else span[0]
        self._hold = (start, span[1])
        self._hold_ongoing = True

    def _hold_seconds(self, now: float) -> float | None:
        if self.exercise is None or self.exercise.kind != "hold" or self._hold is None:
            return None
        end = now if self._hold_ongoing else self._hold[1]
        return max(0.0, (end - self._hold[0]) / 1000.0)

    def _choose_cue(self, evaluation: Evaluation, active: Features, now: float) -> None:
        """The worst assessable fault seen in the last second; a rep's fault counts when the rep ends."""
        best: tuple[int, float, Finding] | None = None
        for finding in evaluation.findings:
            if not finding.assessable or finding.severity == Severity.info:
                continue
            seen = max((end for _, end in finding.spans_ms), default=-np.inf)
            if finding.rep is not None and 0 < finding.rep <= len(evaluation.reps):
                seen = max(seen, float(active.t_ms[evaluation.reps[finding.rep - 1].end]))
            if seen < now - CUE_RECENT_MS:
                continue
            key = (SEVERITY_RANK[finding.severity], seen, finding)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:
            return
        current = SEVERITY_RANK[self._cue.severity] if self._cue else -1
        if best[0] >= current or now > self._cue_until:
            self._cue = best[2]
            self._cue_until = now + CUE_HOLD_MS

    def _key_angle(self, visibility: np.ndarray) -> tuple[str, float] | None:
        """The cue's angle (or the exercise's) on the newest smoothed frames, with the offline formulas."""
        name = self._cue.key_series if self._cue and self._cue.key_series.endswith("_deg") else self._default_key
        if name is None or name.startswith("img_") or not self._smoothed:
            return None
        frames = list(self._smoothed)
        n = len(frames)
        track = PoseTrack(
            t_ms=np.arange(n, dtype=np.float64),
            image=np.stack(frames),
            visibility=np.repeat(visibility[None, :], n, axis=0),
            world=np.full((n, NUM_LANDMARKS, 3), np.nan),
            size=self._size,
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            features = compute_features(track, smooth=False)
        if name not in features:
            return None
        value = float(features[name][-1])
        return (name, value) if np.isfinite(value) else None

    # -- end of set -------------------------------------------------------------
    @property
    def rep_count(self) -> int:
        return len(self._reps)

    @property
    def found(self) -> frozenset[str]:
        """The codes of every fault judged live so far: the cue shows one at a time, the worst."""
        with self._lock:
            return frozenset(self._found)

    def summary(self) -> Analysis:
        """The offline analysis of the whole session (raises pipeline.InputError when too short)."""
        track = self.session_track()
        width, height = self._size if self._size else (None, None)
        # pipeline's own SourceInfo: after a dev-server module reload, ours may be a stale class
        source = pipeline.SourceInfo(
            file="live webcam",
            kind="video",
            duration_s=round(track.duration_ms / 1000.0, 3),
            fps=round(track.fps, 3),
            width=width,
            height=height,
        )
        name = self.exercise.name if self.exercise else AUTO
        return pipeline.analyze_track(track, name, source=source, processing={"live": True})


class LatestOnly(Generic[T]):
    """A thread that runs ``handle`` on the newest submitted item, skipping those it had no time for.

    ``submit`` never blocks: it replaces the item still waiting (counted in
    ``dropped``). So at most one item waits, and work never queues up behind
    a slow step however slow the machine is.
    """

    def __init__(self, handle: Callable[[T], None], name: str) -> None:
        self.dropped = 0
        self.handled = 0
        self.error: BaseException | None = None
        self._handle = handle
        self._pending: list[T] = []  # zero or one item
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> None:
        with self._cond:
            self.dropped += len(self._pending)
            self._pending[:] = [item]
            self._cond.notify()

    def _take(self) -> list[T]:
        with self._cond:
            while not self._pending and not self._stopping:
                self._cond.wait()
            if self._stopping:
                return []
            item, self._pending[:] = self._pending[:], []
            return item

    def _run(self) -> None:
        while item := self._take():
            try:
                self._handle(item[0])
            except Exception as exc:  # noqa: BLE001 - keep the stream alive; the caller shows .error
                self.error = exc
                continue
            self.handled += 1

    def stop(self, timeout: float = 10.0) -> None:
        """Let the item in hand finish, then end the thread (items still waiting are dropped)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout=timeout)


class LatestFrameWorker:
    """Runs a :class:`LiveCoach` on its own thread, always on the newest frame.

    A result is never older than one processing time plus one frame interval:
    frames that arrive while a frame is being processed replace each other,
    and only the last one is processed next.
    """

    def __init__(self, coach: LiveCoach) -> None:
        self.coach = coach
        self.state: LiveState | None = None
        self._runner: LatestOnly[tuple[np.ndarray, float, float]] = LatestOnly(self._process, "formcheck-live")

    def submit(self, rgb: np.ndarray, t_ms: float) -> None:
        """Hand over the newest frame (the worker keeps a reference: do not draw on it)."""
        self._runner.submit((rgb, t_ms, time.perf_counter()))

    def _process(self, item: tuple[np.ndarray, float, float]) -> None:
        rgb, t_ms, arrived = item
        state = self.coach.feed(rgb, t_ms, arrived=arrived)
        self.state = replace(state, dropped=self._runner.dropped)

    @property
    def dropped(self) -> int:
        return self._runner.dropped

    @property
    def processed(self) -> int:
        return self._runner.handled

    @property
    def error(self) -> BaseException | None:
        return self._runner.error or self.coach.error

    def stop(self, close: bool = True) -> None:
        """Finish the frame in hand, stop the thread and (by default) close the coach."""
        self._runner.stop()
        if close:
            self.coach.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Window(NamedTuple):
    """One evaluation's input: the frames to judge (None while not running) and to check the framing on
    (None once the set has begun), at ``now`` in run ``run``."""

    now: float
    run: int
    track: PoseTrack | None
    setup: PoseTrack | None


def _judge_framing(setup: PoseTrack, exercise: Exercise | None) -> list[FramingCheck]:
    """The framing of the last seconds, with the camera view the features find on them."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        view = compute_features(setup).view if int(setup.has_pose.sum()) >= MIN_EVAL_FRAMES else None
    if view is None:  # too few poses to tell the camera view: the other checks still say what is wrong
        return judge_framing(setup, np.arange(len(setup)), None, "unknown", None)
    return judge_framing(setup, np.arange(len(setup)), exercise, view.kind, view.yaw_deg)


def feed_all(coach: LiveCoach, frames: Iterator[tuple[float, np.ndarray]]) -> Iterator[LiveState]:
    """Feed (t_ms, rgb) frames one by one, yielding each state (tests, benchmarks, offline replays)."""
    for t_ms, rgb in frames:
        yield coach.feed(rgb, t_ms)


# -- drawing -----------------------------------------------------------------------

_WHITE = (255, 255, 255)
_DARK = (0, 0, 0)
_GREEN = (40, 200, 80)
# The frame around the picture while the set-up is checked: red until anything can be judged, amber while
# something would make it judged less well, green once all is right.
_FRAMING_RGB = {"blocking": SEVERITY_RGB[Severity.danger], "wrong": SEVERITY_RGB[Severity.warning], "ok": _GREEN}
_EDGE_INDEX = tuple((INDEX[a], INDEX[b], a.split("_", 1)[1], b.split("_", 1)[1]) for a, b in SKELETON_EDGES)


def key_angle_label(name: str) -> str:
    """'knee_deg' -> 'knee', 'hip_below_ankle_line_deg' -> 'hip below ankle line'."""
    return name.removesuffix("_deg").replace("_", " ")


def _box_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
              thick: int) -> int:
    """Text on a dimmed box (readable on any background); returns the text height."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = max(4, h // 3)
    x0, y0 = max(0, org[0] - pad), max(0, org[1] - h - pad)
    x1, y1 = min(img.shape[1], org[0] + w + pad), min(img.shape[0], org[1] + base + pad)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = (img[y0:y1, x0:x1] * 0.35).astype(np.uint8)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
    return h + base


def _fitting_scale(text: str, scale: float, max_px: int, thick: int) -> float:
    """``scale``, or smaller so that the one line of ``text`` fits in ``max_px`` (a fault's name, drawn large,
    must not run off a narrow portrait frame)."""
    width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0][0]
    return scale if width <= max_px else scale * max_px / width


def _wrap(text: str, max_px: int, scale: float, thick: int) -> list[str]:
    return wrap_words(text, lambda line: cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0][0] <= max_px)


def framing_colour(framing: tuple[FramingCheck, ...]) -> str | None:
    """'blocking', 'wrong' or 'ok' for the checks (worst first); None when there is nothing to tell."""
    problem = first_problem(list(framing))
    if problem is None:
        return "ok" if framing else None
    return "blocking" if any(c.blocking and not c.ok for c in framing) else "wrong"


def session_banner(state: LiveState) -> str | None:
    """The big word in the middle of the picture: the countdown, PAUSED, or what to press."""
    if state.phase == "countdown" and state.countdown is not None:
        return str(max(1, state.countdown))
    return {"paused": "PAUSED", "waiting": "PRESS START SET"}.get(state.phase)


def _draw_session(img: np.ndarray, state: LiveState, unit: float, margin: int) -> bool:
    """The framing border and line, and the session banner; True when the bottom line is taken."""
    h, w = img.shape[:2]
    colour = framing_colour(state.framing)
    if colour is not None:
        cv2.rectangle(img, (0, 0), (w - 1, h - 1), _FRAMING_RGB[colour], max(4, round(10 * unit)))
    banner = session_banner(state)
    if banner:
        scale, thick = (4.0 if banner.isdigit() else 1.4) * unit, max(2, round(6 * unit))
        (bw, bh), _ = cv2.getTextSize(banner, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        _box_text(img, banner, ((w - bw) // 2, (h + bh) // 2), scale, _WHITE, thick)
    problem = first_problem(list(state.framing))
    if problem is None or state.cue_title:
        return False
    scale, thick = 0.65 * unit, max(1, round(2 * unit))  # in white, the most readable: the border has the colour
    for i, text in enumerate(reversed(_wrap(problem.text, w - 2 * margin, scale, thick)[:2])):
        _box_text(img, text, (margin, h - margin - i * round(26 * unit)), scale, _WHITE, thick)
    return True


def _draw_back(img: np.ndarray, xy: np.ndarray, state: LiveState, colour: tuple[int, int, int], line: int) -> None:
    """The back as the spine estimator reads it (analyzer.draw.back_curve), when it is judged on that."""
    if state.spine_bend is None:
        return
    curve = back_curve(xy, state.side, spine_depth(*state.spine_bend))
    if curve is not None:
        pts = np.round(curve).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, _DARK, line + 3, cv2.LINE_AA)
        cv2.polylines(img, [pts], False, colour, line, cv2.LINE_AA)


def draw_live(img: np.ndarray, state: LiveState) -> np.ndarray:
    """Draw the live view on an RGB frame in place: skeleton (fault in colour), counter, angle, cue, fps,
    and while the set-up is checked the coloured framing border with what to fix, the countdown or PAUSED.

    Sizes follow the frame height so the counter and the cue stay readable from
    a couple of metres on a laptop screen.
    """
    h, w = img.shape[:2]
    unit = h / 480.0
    line = max(2, round(3 * unit))
    fault = SEVERITY_RGB.get(state.severity, _WHITE) if state.severity else _WHITE
    parts = set(state.body_parts)
    if state.landmarks is not None:
        xy = state.landmarks * np.array([w, h])
        vis = state.visibility if state.visibility is not None else np.ones(len(xy))
        for ia, ib, ja, jb in _EDGE_INDEX:
            if vis[ia] < MIN_VISIBILITY or vis[ib] < MIN_VISIBILITY:
                continue
            a, b = xy[ia], xy[ib]
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                continue
            pa, pb = (int(a[0]), int(a[1])), (int(b[0]), int(b[1]))
            colour = fault if ja in parts and jb in parts else _WHITE
            cv2.line(img, pa, pb, _DARK, line + 3, cv2.LINE_AA)
            cv2.line(img, pa, pb, colour, line, cv2.LINE_AA)
        _draw_back(img, xy, state, fault if "shoulder" in parts and "hip" in parts else _WHITE, line)
    big, thick_big = 1.5 * unit, max(2, round(4 * unit))
    margin = round(12 * unit)
    if state.kind == "hold":
        held = state.hold_s or 0.0
        counter = f"HOLD {int(held // 60)}:{int(held % 60):02d}"
    else:
        counter = f"REPS {state.rep_count}"
    top = margin + _box_text(img, counter, (margin, margin + round(40 * unit)), big, _WHITE, thick_big)
    small, thick_small = 0.6 * unit, max(1, round(2 * unit))
    if state.key_angle is not None:
        name, value = state.key_angle
        _box_text(img, f"{key_angle_label(name)} {value:.0f} deg", (margin, top + round(40 * unit)),
                  0.9 * unit, _WHITE, max(1, round(2 * unit)))
    perf = f"{state.fps:.0f} fps  server {state.latency_ms:.0f} ms"  # the page shows camera-to-overlay
    (pw, _), _ = cv2.getTextSize(perf, cv2.FONT_HERSHEY_SIMPLEX, small, thick_small)
    # below the page's time stamps (webapp.latency: two strips 2/80 of the width high, top right)
    _box_text(img, perf, (w - pw - margin, margin + round(20 * unit) + w // 20), small, _WHITE, thick_small)
    if state.cue_title:
        title = state.cue_title.upper()
        title_scale = _fitting_scale(title, 1.2 * unit, w - 2 * margin, thick_big)
        cue_scale = 0.65 * unit
        lines = _wrap(state.cue or "", w - 2 * margin, cue_scale, thick_small)[:3]
        y = h - margin - round(len(lines) * 26 * unit)
        _box_text(img, title, (margin, y - round(12 * unit)), title_scale, fault, thick_big)
        for text in lines:
            y += round(26 * unit)
            _box_text(img, text, (margin, y), cue_scale, _WHITE, thick_small)
    told = _draw_session(img, state, unit, margin)
    if not state.cue_title and not told and state.landmarks is None:
        _box_text(img, "step into view: whole body, side-on", (margin, h - margin), 0.8 * unit, _WHITE, thick_small)
    return img
