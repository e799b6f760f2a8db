"""A skeleton plank whose hips sag from 3 s on, with the timing of the plain clip it is drawn over.

The annotated-video and HTML-report tests draw this analysis over ``media.plain_clip(path, SIZE,
int(SECONDS * FPS), FPS)``: a danger finding with known spans on a background that adds no colour.
"""

from __future__ import annotations

from analyzer.pipeline import Analysis, analyze_track
from analyzer.report import SourceInfo
from tests.helpers.skeleton import Setup, plank

FPS = 15.0
SIZE = (480, 360)
SECONDS = 8.0


def sagging_plank() -> Analysis:
    """The plank's analysis: hips sagging 28 deg (past the danger limit) from 3 s, over 1 s."""
    track, _ = plank(
        duration_s=SECONDS, hip_sag_deg=28.0, sag_onset_s=3.0, ramp_s=1.0, setup=Setup(size=SIZE, fps=FPS)
    )
    source = SourceInfo(file="plank.mp4", duration_s=SECONDS, fps=FPS, width=SIZE[0], height=SIZE[1])
    return analyze_track(track, "plank", source=source)
