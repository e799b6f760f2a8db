"""Judge a synthetic track as the app would, and the mask channels a video would add to it.

The skeleton gives landmarks only; the rules that read the body's outline (rounded back,
butt wink) also need the channels the segmentation mask gives, synthesised here from the
skeleton's ground truth.
"""

from __future__ import annotations

import numpy as np

from analyzer.pipeline import Analysis, analyze_track
from analyzer.report import SourceInfo
from analyzer.track import PoseTrack
from tests.helpers import skeleton as sk
from tests.helpers.skeleton import Setup


def analyse(track: PoseTrack, exercise: str = "auto") -> Analysis:
    """The whole judging pipeline on ``track`` (no video, no pose model)."""
    source = SourceInfo(file="synthetic", kind="pose_track", duration_s=track.duration_ms / 1000, fps=track.fps)
    return analyze_track(track, exercise, source=source)


def codes(analysis: Analysis) -> set[str]:
    """The codes of the findings that were judged (not the ones that could not be)."""
    return {f.code for f in analysis.report.findings if f.assessable}


def realistic(seed: int, **overrides: object) -> dict[str, Setup]:
    """Keyword arguments for a skeleton program: filmed under typical phone-and-model conditions."""
    return {"setup": Setup.realistic(seed=seed, **overrides)}


def with_back_outline(track: PoseTrack, truth: sk.GroundTruth, rounding_deg: float, seed: int) -> PoseTrack:
    """Add the mask channels a video would give: the back bend grows with the hinge by ``rounding_deg``."""
    knots = sorted((t, depth) for r in truth.reps for t, depth in ((r.start_ms, 0.0), (r.turn_ms, 1.0), (r.end_ms, 0.0)))
    hinge = np.interp(track.t_ms, [k[0] for k in knots], [k[1] for k in knots])
    rng = np.random.default_rng(seed)
    track.channels = {
        "back_bend_deg": -12.0 + rng.normal(0, 2.5, len(track)) + rounding_deg * hinge,
        # rounding also fills in the lower back's hollow (lordosis); a neutral hinge keeps it
        "back_hollow_deg": 20.0 + rng.normal(0, 2.0, len(track)) - 0.6 * rounding_deg * hinge,
        "quality": np.full(len(track), 0.9),
    }
    return track
