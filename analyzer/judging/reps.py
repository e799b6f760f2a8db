"""Reps, phases and holds from a feature series.

Reps are excursions of one signal (hip height for a squat, shoulder height
for a push-up) away from its resting level and back. Each is measured
against its own surroundings, not the clip's range: its turn (the bottom of
a squat) must lie deep enough below the rest on *both* sides, the lower of
the two (the turn's prominence). So pauses of any length at the top or the
bottom, levels that drift (the lifter stepping, the camera's perspective)
and getting up after the set neither merge reps nor stretch one into the
next; a dip shallower than the exercise's minimum amplitude, or than a good
part of the set's typical rep, is not a rep (shuffling, breathing, a bounce
at the bottom).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import find_peaks

from analyzer.features.filtering import nan_runs

# A rep's depth (its turn's prominence) must be at least this share of the set's typical rep: the
# 75th percentile of the candidates', so that neither a few bounces nor one deep outlier sets it.
MIN_SHARE_OF_TYPICAL_REP = 0.4
TYPICAL_REP_PERCENTILE = 75.0
# A rep has left rest, and is back, where the signal is within this share of its depth of the rest level;
# its edges are then widened to where it really leaves and regains its resting level (timing the phases
# needs the whole movement, and a lockout's lean back comes as the hips arrive): the first frame within
# PLATEAU_TOLERANCE of its depth of the local rest level (the 90th percentile of the next PLATEAU_SEARCH_MS).
# Its turn is the middle of the frames within PLATEAU_TOLERANCE of its depth of the farthest point.
REST_TOLERANCE = 0.1
PLATEAU_TOLERANCE = 0.05
PLATEAU_SEARCH_MS = 2000.0
# The model misreads a frame or two now and then (a leg taken for the trunk): a running median this long
# takes them out of the signal; a real movement is far slower to cross a rep's depth.
GLITCH_MS = 150.0


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
    """Reps of ``signal`` that start and end at its ``rest`` level, in time order, never overlapping.

    A rep whose start or end falls outside the clip is dropped (a half rep is
    not counted). ``min_amplitude`` is in the signal's own unit.
    """
    s = _interpolated(t_ms, np.asarray(signal, dtype=np.float64))
    if np.all(np.isnan(s)):
        return []
    if len(s) > 1:  # a landmark misread for a frame or two is not a rest between two reps
        s = median_filter(s, size=2 * round(GLITCH_MS / 2 / float(np.median(np.diff(t_ms)))) + 1, mode="nearest")
    if rest == "low":
        s = -s  # "at rest" is always high
    turns, found = find_peaks(-s, prominence=min_amplitude)
    if not len(turns):
        return []
    least = max(min_amplitude, MIN_SHARE_OF_TYPICAL_REP * np.percentile(found["prominences"], TYPICAL_REP_PERCENTILE))
    turns, depth = _deep_turns(s, list(turns), least)
    reps: list[RepSpan] = []
    bounds = [0, *turns, len(s) - 1]
    for k, (turn, rep_depth) in enumerate(zip(turns, depth)):
        level = s[turn] + (1.0 - REST_TOLERANCE) * rep_depth
        first = _edge(s, t_ms, turn, max(bounds[k], reps[-1].end if reps else 0), level, rep_depth)
        last = _edge(s, t_ms, turn, bounds[k + 2], level, rep_depth)
        # a rep running into either end of the series began or ended out of view: a half rep
        if 0 < first and last < len(s) - 1 and t_ms[last] - t_ms[first] >= min_duration_ms:
            reps.append(RepSpan(first, _middle_of_turn(s, t_ms, int(turn), first, last, rep_depth), last))
    return reps


def _middle_of_turn(s: np.ndarray, t_ms: np.ndarray, turn: int, first: int, last: int, depth: float) -> int:
    """The middle (in time) of the frames around ``turn`` within PLATEAU_TOLERANCE of its depth: a pause
    at the bottom has no deepest frame but noise, and its middle does not move with the frame rate."""
    near = s[first : last + 1] <= s[turn] + PLATEAU_TOLERANCE * depth
    lo = hi = turn - first
    while lo > 0 and near[lo - 1]:
        lo -= 1
    while hi < len(near) - 1 and near[hi + 1]:
        hi += 1
    middle = (t_ms[first + lo] + t_ms[first + hi]) / 2.0
    return first + lo + int(np.argmin(np.abs(t_ms[first + lo : first + hi + 1] - middle)))


def _deep_turns(s: np.ndarray, turns: list[int], least: float) -> tuple[list[int], list[float]]:
    """The turns at least ``least`` below the rest on both sides, the rest being the highest point
    between a turn and its neighbouring turns, and each turn's depth (the lower side). The shallowest
    turn goes first, one at a time: without it, its neighbours' rest reaches past it."""
    while True:
        bounds = [0, *turns, len(s) - 1]
        depth = [
            min(s[bounds[k] : turn + 1].max(), s[turn : bounds[k + 2] + 1].max()) - s[turn]
            for k, turn in enumerate(turns)
        ]
        if not turns or min(depth) >= least:
            return turns, depth
        del turns[int(np.argmin(depth))]


def _edge(s: np.ndarray, t_ms: np.ndarray, turn: int, limit: int, level: float, depth: float) -> int:
    """Where a rep leaves (``limit`` before ``turn``) or regains (after it) rest: from the turn outward
    to where the signal first reaches ``level``, then on to where it reaches the resting level nearby
    (robust to a noisy frame, and the local one, so a pause a little off the usual top still counts as
    rest); never past ``limit``."""
    step = 1 if limit > turn else -1
    i = turn
    while i != limit and s[i] < level:
        i += step
    outward = np.arange(i, limit + step, step)
    outward = outward[np.abs(t_ms[outward] - t_ms[i]) <= PLATEAU_SEARCH_MS]
    resting = s[outward] >= np.percentile(s[outward], 90) - PLATEAU_TOLERANCE * depth
    return int(outward[np.argmax(resting)])


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
    moving: np.ndarray | None = None,
) -> tuple[int, int] | None:
    """The longest run of frames in position (see :func:`find_runs`), or None when none is long enough.

    With ``moving`` (frames where the body is still moving), each run starts at its first still frame
    and ends after its last: the body reaches the position some time before it is held there (hips
    rising off the floor) and starts leaving it before it is out (hips lowering), and neither is the hold.
    """
    runs = find_runs(t_ms, in_position, min_duration_ms=min_duration_ms, max_break_ms=max_break_ms)
    if moving is not None:
        still = [a + np.flatnonzero(~moving[a:b]) for a, b in runs]
        runs = [(int(s[0]), int(s[-1]) + 1) for s in still if len(s) and t_ms[s[-1]] - t_ms[s[0]] >= min_duration_ms]
    return max(runs, key=lambda run: t_ms[run[1] - 1] - t_ms[run[0]], default=None)
