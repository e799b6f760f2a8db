"""Reps, phases and holds from a feature series.

Reps are excursions of one signal (hip height for a squat, elbow angle for a
push-up) away from its resting level and back. Two thresholds on the signal
normalised to its own range give hysteresis, so jitter around one level
never makes an extra rep; an excursion smaller than the exercise's minimum
amplitude is not a rep at all (shuffling, breathing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analyzer.features.filtering import nan_runs

# Normalised levels: leave "rest" below ENTER, come back above LEAVE.
ENTER_WORK = 0.35
BACK_AT_REST = 0.65
# Robust range of the signal: percentiles, so a stray frame cannot set it.
RANGE_PERCENTILES = (3.0, 97.0)


@dataclass(frozen=True)
class RepSpan:
    """One rep as frame indices: start (leaves rest), turn (farthest point), end (back at rest)."""

    start: int
    turn: int
    end: int


def _interpolated(t_ms: np.ndarray, signal: np.ndarray) -> np.ndarray:
    known = ~np.isnan(signal)
    if known.sum() < 2:
        return np.full_like(signal, np.nan)
    return np.interp(t_ms, t_ms[known], signal[known])


def find_reps(
    t_ms: np.ndarray,
    signal: np.ndarray,
    *,
    rest: Literal["high", "low"],
    min_amplitude: float,
    min_duration_ms: float = 300.0,
) -> list[RepSpan]:
    """Reps of ``signal`` that start and end at its ``rest`` level.

    A rep whose start or end falls outside the clip is dropped (a half rep is
    not counted). ``min_amplitude`` is in the signal's own unit.
    """
    s = _interpolated(t_ms, np.asarray(signal, dtype=np.float64))
    if np.all(np.isnan(s)):
        return []
    lo, hi = np.percentile(s, RANGE_PERCENTILES)
    if hi - lo < min_amplitude:
        return []
    u = (s - lo) / (hi - lo)
    if rest == "low":
        u = 1.0 - u  # "at rest" is always u high
    reps: list[RepSpan] = []
    at_rest = False
    last_rest = -1
    start = -1
    for i, value in enumerate(u):
        if at_rest:
            if value >= BACK_AT_REST:
                last_rest = i
            elif value < ENTER_WORK:
                at_rest, start = False, last_rest
        elif value >= BACK_AT_REST:
            if start >= 0:
                floor = reps[-1].end if reps else 0
                first, last = _extend_to_plateau(u, t_ms, start, i, floor)
                turn = start + int(np.argmin(u[start : i + 1]))
                # a rep running into either end of the series began or ended out of view: a half rep
                whole = 0 < first and last < len(u) - 1
                if whole and t_ms[last] - t_ms[first] >= min_duration_ms:
                    reps.append(RepSpan(first, turn, last))
                start = -1
            at_rest, last_rest = True, i
    return reps


# The rep starts where the signal is within this much (normalised) of the
# resting level it left, and ends where it is back within it.
PLATEAU_TOLERANCE = 0.02
# How far past the hysteresis exit to look for the resting level.
PLATEAU_SEARCH_MS = 2000.0


def _extend_to_plateau(u: np.ndarray, t_ms: np.ndarray, start: int, end: int, floor: int) -> tuple[int, int]:
    """Widen [start, end] to where the movement really leaves and regains rest.

    The hysteresis levels catch a rep only once it is well under way; timing
    the phases (tempo, lowering speed) needs the whole movement. The resting
    level is the local one (the highest nearby), not the clip's, so a pause a
    little off the usual top still counts as rest.
    """
    before = u[min(floor, start) : start + 1]
    resting = np.flatnonzero(before >= np.percentile(before, 90) - PLATEAU_TOLERANCE)  # robust to a noisy frame
    if len(resting):
        start = min(floor, start) + int(resting[-1])
    stop = max(end + 1, int(np.searchsorted(t_ms, t_ms[end] + PLATEAU_SEARCH_MS)))
    after = u[end:stop]
    resting = np.flatnonzero(after >= np.percentile(after, 90) - PLATEAU_TOLERANCE)
    if len(resting):
        end = end + int(resting[0])
    return start, end


def find_runs(
    t_ms: np.ndarray,
    in_position: np.ndarray,
    *,
    min_duration_ms: float = 2000.0,
    max_break_ms: float = 700.0,
) -> list[tuple[int, int]]:
    """Runs of frames in position, bridging breaks shorter than ``max_break_ms``, in time order.

    Each is [start, stop) frame indices, at least ``min_duration_ms`` long.
    """
    ok = np.asarray(in_position, dtype=bool).copy()
    for a, b in nan_runs(~ok):
        if a > 0 and b < len(ok) and t_ms[b] - t_ms[a - 1] <= max_break_ms:
            ok[a:b] = True
    return [(a, b) for a, b in nan_runs(ok) if t_ms[b - 1] - t_ms[a] >= min_duration_ms]


def find_hold(
    t_ms: np.ndarray,
    in_position: np.ndarray,
    *,
    min_duration_ms: float = 2000.0,
    max_break_ms: float = 700.0,
) -> tuple[int, int] | None:
    """The longest run of frames in position (see :func:`find_runs`), or None when none is long enough."""
    runs = find_runs(t_ms, in_position, min_duration_ms=min_duration_ms, max_break_ms=max_break_ms)
    return max(runs, key=lambda run: t_ms[run[1] - 1] - t_ms[run[0]], default=None)
