"""Was the clip filmed so that it can be judged? Read off the frames before the first rep (or the start of the
hold), with the judgement the live coach uses too (:mod:`analyzer.live.framing`). Said in one line above the
result, so a bad setup is fixed at the next recording instead of being guessed from "not judged" further down.
"""

from __future__ import annotations

import numpy as np

from analyzer.live.framing import FramingCheck, framing_line, judge_framing
from analyzer.pipeline import Analysis

__all__ = ["FramingCheck", "framing_checks", "framing_line"]

# When the set starts at once, its first seconds stand for the set-up.
SETUP_FALLBACK_MS = 2000.0
MIN_SETUP_FRAMES = 5


def _setup_frames(analysis: Analysis) -> np.ndarray:
    report, t = analysis.report, analysis.track.t_ms
    start = report.reps[0].start_ms if report.reps else report.hold.start_ms if report.hold else t[0]
    before = np.flatnonzero(t < start)
    if len(before) >= MIN_SETUP_FRAMES:
        return before
    return np.flatnonzero((t >= start) & (t < start + SETUP_FALLBACK_MS))


def framing_checks(analysis: Analysis) -> list[FramingCheck]:
    """The set-up's checks, in the order a person fixes them; empty when the clip has no frame to look at."""
    view = analysis.report.view
    return judge_framing(analysis.track, _setup_frames(analysis), analysis.exercise, view.kind, view.yaw_deg)
