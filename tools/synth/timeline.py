"""When things happen in a clip: per frame the depth ``p`` of the movement, the rep, and the error weights.

A rep goes down (min-jerk), pauses at the working end, comes back up and
pauses at the start; the clip opens and closes still.  Speed faults set a
rep's own phase durations (``Exercise.timing``); scripted exercises (a jump)
get ``p`` as the rep's elapsed time fraction and script the motion themselves.  In holds (plank)
``p`` is the breath instead (0 out, 1 in), so the body is never frozen.  Reps are 1-based as in formcheck's report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tools.synth.exercises import Exercise
from tools.synth.kinematics import min_jerk

LEAD_IN_S = 0.6
LEAD_OUT_S = 0.5
BREATH_S = 3.5


@dataclass(frozen=True)
class RepWindow:
    index: int
    start_ms: float
    bottom_ms: float  # middle of the pause at the working end (squat bottom, bridge top)
    end_ms: float
    phases_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # down, pause at the end, up (this rep's own timing)


@dataclass(frozen=True)
class FrameTime:
    t_ms: float
    p: float
    rep: int | None
    errors: dict[str, float] = field(default_factory=dict)  # magnitudes (deg) weighted by the envelope


@dataclass(frozen=True)
class Timeline:
    frames: list[FrameTime]
    reps: list[RepWindow]
    duration_s: float


def build(
    exercise: Exercise,
    fps: float,
    reps: int,
    hold_s: float,
    tempo: float,
    errors: dict[str, float],
    error_reps: list[int] | None,
) -> Timeline:
    """Frame schedule for a clip; ``tempo`` > 1 slows every phase down by that factor."""
    if exercise.kind == "hold":
        duration = hold_s
        windows: list[RepWindow] = []
    else:
        windows = []
        t = LEAD_IN_S
        pause_start = 0.0
        for i in range(1, reps + 1):
            # speed faults (Exercise.timing) change the timing of the reps that carry them
            faulty = error_reps is None or i in error_reps
            down, pause_end, up, pause_start = exercise.phases(errors if faulty else {}, tempo)
            start = t
            bottom = start + down + pause_end / 2
            end = start + down + pause_end + up
            windows.append(RepWindow(i, start * 1000, bottom * 1000, end * 1000, (down, pause_end, up)))
            t = end + pause_start
        duration = t - pause_start + LEAD_OUT_S
    n = round(duration * fps)
    frames = []
    for k in range(n):
        t_s = k / fps
        p, rep, rising = _depth(exercise, windows, t_s, tempo)
        frames.append(FrameTime(t_s * 1000.0, p, rep, _weighted(exercise, errors, error_reps, p, rep, rising)))
    return Timeline(frames, windows, n / fps)


def _depth(exercise: Exercise, windows: list[RepWindow], t_s: float, tempo: float) -> tuple[float, int | None, bool]:
    """Depth, rep and whether the body is on its way back to the start (scripted reps: the rep's time fraction)."""
    if exercise.kind == "hold":  # holds breathe: p is the breath, 0 = out, 1 = in
        return 0.5 - 0.5 * math.cos(2.0 * math.pi * t_s / (BREATH_S * tempo)), None, False
    for w in windows:
        start, end = w.start_ms / 1000, w.end_ms / 1000
        down, pause_end, up = w.phases_s
        if start <= t_s < end:
            u = t_s - start
            if exercise.scripted:
                return u / (end - start), w.index, u >= down + pause_end
            if u < down:
                return min_jerk(u / down), w.index, False
            if u < down + pause_end:
                return 1.0, w.index, False
            return 1.0 - min_jerk((u - down - pause_end) / up), w.index, True
    return 0.0, None, False


def _weighted(
    exercise: Exercise, errors: dict[str, float], error_reps: list[int] | None, p: float, rep: int | None,
    rising: bool,
) -> dict[str, float]:
    out = {}
    for name, magnitude in errors.items():
        if exercise.kind == "reps" and error_reps is not None and rep not in error_reps:
            continue
        envelope = exercise.envelope.get(name)
        out[name] = magnitude * (envelope(p, rising) if envelope else 1.0)
    return out
