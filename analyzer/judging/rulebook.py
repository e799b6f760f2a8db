"""What an exercise module declares: its thresholds, checks, position and how reps are counted.

A module in ``rules/`` defines one ``EXERCISE = Exercise(...)``: its name,
kind (reps or hold), the signal reps are counted on, the camera views each
check needs, its thresholds (each with unit and reason), and its checks.
Checks are pure functions of a :class:`Context` (features, reps, hold) that
return findings; they never see frames, MediaPipe or the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging.reps import RepSpan
from analyzer.report import Finding, Severity

View = Literal["side", "front", "oblique"]
SIDE_VIEWS: tuple[View, ...] = ("side", "oblique")
# What the articles say a video cannot judge, said with every verdict (never a diagnosis).
BEYOND_VIDEO = (
    "Pain that is sharp or does not go away, numbness, tingling, or pain running down a leg are beyond "
    "what a video can judge: stop, and see a doctor or a physiotherapist. formcheck judges form; it does "
    "not diagnose."
)
HOW_TO_FILM = {
    "side": "film from the side, camera at hip height, whole body in the frame",
    "front": "film from the front or from behind, camera at hip height, whole body in the frame",
    "oblique": "film from the side or at most 45 degrees off it",
}


@dataclass(frozen=True)
class Threshold:
    """A named limit: past ``warn`` is a warning, past ``danger`` a danger, and, where a fault has a
    mild form worth a word, past ``note`` a note (it costs the score little).

    ``above`` says which way is bad. ``reason`` cites the error in ERRORS.md
    and where the number comes from (guidance, measurement, benchmark).
    """

    warn: float
    danger: float
    unit: str
    reason: str
    above: bool = True
    note: float | None = None

    def __post_init__(self) -> None:
        order = [v for v in (self.note, self.warn, self.danger) if v is not None]
        if order != sorted(order, reverse=not self.above):
            raise ValueError(f"limits out of order for a fault {'above' if self.above else 'below'}: {order}")

    @property
    def first(self) -> float:
        """The mildest limit: past it the check reports something."""
        return self.note if self.note is not None else self.warn

    def severity(self, value: float) -> Severity | None:
        if not np.isfinite(value):
            return None
        past = (lambda limit: value > limit) if self.above else (lambda limit: value < limit)
        if past(self.danger):
            return Severity.danger
        if past(self.warn):
            return Severity.warning
        if self.note is not None and past(self.note):
            return Severity.note
        return None


@dataclass(frozen=True)
class Setting:
    """A number a check depends on that is not a limit of a finding (how long a fault must last,
    which percentile of a rep is judged, the outline quality trusted): declared, with its unit and
    the reason for its value, like a threshold, and recorded in the report."""

    value: float
    unit: str
    reason: str


@dataclass
class Judged:
    """What one check looked at and what it compared with its threshold, frame by frame (NaN where
    it did not look): ``values`` per frame, ``verdict`` the value judged (a rep's one number drawn
    over the frames it came from, or the per-frame value where each frame is judged). The timeline
    plots both against the limits, so a ``verdict`` past a limit is a finding."""

    check: Check
    threshold: Threshold
    values: np.ndarray
    verdict: np.ndarray


@dataclass
class Context:
    """Everything a check may look at, and where it leaves what it judged (``judged``, by check code)."""

    features: Features
    reps: list[RepSpan]
    hold: tuple[int, int] | None
    exercise: Exercise
    judged: dict[str, Judged] = field(default_factory=dict)

    @property
    def t_ms(self) -> np.ndarray:
        return self.features.t_ms

    def record(
        self,
        check: Check,
        threshold: Threshold,
        frames: np.ndarray,
        values: np.ndarray | float,
        verdict: float | None = None,
    ) -> None:
        """Keep what ``check`` looked at on ``frames`` (one value per frame, or one for them all) and
        the value it judged there (``verdict``; by default each frame's own)."""
        judged = self.judged.get(check.code)
        if judged is None:
            n = len(self.t_ms)
            judged = self.judged[check.code] = Judged(check, threshold, np.full(n, np.nan), np.full(n, np.nan))
        frames = np.asarray(frames, dtype=int)
        judged.values[frames] = values
        judged.verdict[frames] = values if verdict is None else verdict

    def span_ms(self, start: int, stop: int) -> tuple[float, float]:
        """Frame indices [start, stop] as a time span in ms."""
        stop = min(stop, len(self.t_ms) - 1)
        return float(self.t_ms[start]), float(self.t_ms[stop])


CheckFn = Callable[[Context, "Check"], list[Finding]]
# what a check reads off one rep: a measures.RepValue, or None when the rep cannot be measured
RepMeasureFn = Callable[[Context, RepSpan], object]


@dataclass(frozen=True)
class Check:
    """One error the module looks for.

    ``threshold`` is the key into the exercise's thresholds the check judges against; the
    findings take the limit from there. ``series_label`` names, in the user's words and with its
    unit, what the check judges: the values it records on the context (``Context.record``), which
    the timeline plots against the limits. A check is either a ``measure`` of each rep (judged
    by ``measures.per_rep_check`` against its own threshold, ``unmeasured`` saying why it could
    not judge when no rep could be measured) or its own ``run``. ``key_series`` is the feature
    whose value the video shows beside the joint.
    """

    code: str
    title: str
    cue: str
    why: str
    threshold: str
    series_label: str
    run: CheckFn | None = None
    measure: RepMeasureFn | None = None
    unmeasured: str | None = None
    views: tuple[View, ...] = SIDE_VIEWS
    # stricter than the view kinds, for geometry that turning from the camera distorts most (deg off side-on)
    max_yaw_deg: float | None = None
    needs: tuple[str, ...] = ()  # feature series without which it cannot judge (e.g. mask channels)
    body_parts: tuple[str, ...] = ()  # near-side joints the fault is about, drawn in colour on the video
    key_series: str = ""  # the feature the check is about, its value shown beside the joint on the video
    # one of the errors the articles warn about most: a set is not called clean unless it was judged
    headline: bool = False
    # the code of a check this one backs up with another cue for the same fault: on the reps where that
    # check found it, this one's findings are dropped (the fault is told once)
    backs_up: str = ""

    def finding(
        self,
        *,
        severity: Severity,
        measured: float,
        threshold: Threshold,
        spans: Iterable[tuple[float, float]],
        rep: int | None = None,
        confidence: float = 1.0,
    ) -> Finding:
        return Finding(
            code=self.code,
            title=self.title,
            severity=severity,
            spans_ms=list(spans),
            rep=rep,
            measured=round(float(measured), 2),
            threshold=threshold.warn,
            threshold_key=self.threshold,
            threshold_danger=threshold.danger,
            threshold_note=threshold.note,
            unit=threshold.unit,
            confidence=round(confidence, 2),
            cue=self.cue,
            why=self.why,
            body_parts=list(self.body_parts),
            key_series=self.key_series,
        )

    def not_assessable(self, reason: str) -> Finding:
        return Finding(
            code=self.code,
            title=self.title,
            severity=Severity.info,
            cue=self.cue,
            why=self.why,
            assessable=False,
            reason=reason,
            threshold_key=self.threshold,
            body_parts=list(self.body_parts),
            key_series=self.key_series,
        )


@dataclass(frozen=True)
class Exercise:
    """An exercise module's declaration."""

    name: str
    title: str
    kind: Literal["reps", "hold"]
    checks: tuple[Check, ...]
    thresholds: dict[str, Threshold]
    looks_like: Callable[[Features], float]  # 0..1: how much the active part resembles this exercise
    in_position: Callable[[Features], np.ndarray]  # frames in the exercise's position (standing, prone, ...)
    aliases: tuple[str, ...] = ()
    rep_signal: str = ""
    rep_rest: Literal["high", "low", "either"] = "high"  # either: whichever level gives more whole reps
    rep_min_amplitude: float = 0.0
    # (series, degrees): a rep must also move this series this much, so that a walk-out or a
    # shift of the body, which moves the rep signal too, is not counted (push-up: the elbows)
    rep_min_range: tuple[str, float] | None = None
    views: tuple[View, ...] = SIDE_VIEWS
    settings: dict[str, Setting] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def reads_outline(self) -> bool:
        """Whether a check measures the back's outline (img_* series: the segmentation mask's measures
        and the spine estimator's). Without one the mask, about a fifth of a frame's cost, is not made."""
        return any(name.startswith("img_") for check in self.checks for name in (*check.needs, check.key_series))

    def __post_init__(self) -> None:
        for check in self.checks:
            if check.threshold not in self.thresholds:
                raise ValueError(
                    f"{self.name}: check {check.code} names threshold {check.threshold!r}, "
                    f"not one of {sorted(self.thresholds)}"
                )
            if (check.run is None) == (check.measure is None):
                raise ValueError(f"{self.name}: check {check.code} needs exactly one of run and measure")
