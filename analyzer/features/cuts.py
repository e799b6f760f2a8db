"""Cuts and fades in edited clips, and the frames around them that are not judged.

On either side of a cut the pose belongs to different moments (a squat's
bottom, then the same man standing in the next shot): a speed or a change
measured across the join is an artefact of the editing, not of the body. The
frames of a transition and a margin around it are blanked before the features
are computed, so the gap is never bridged and nothing is judged across it.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.filtering import MAX_GAP_MS, nan_runs
from analyzer.pose.scene import PICTURE_CHANGE
from analyzer.track import PoseTrack

# The picture-change channel written by analyzer.pose.scene (median luma change, levels per 1/30 s).
CHANNEL = PICTURE_CHANGE
# A still or hand-held camera stays under 4 levels (28 real clips: 0-2 most of the time, 3.4 in a quick
# pan); the cuts and fades in the shared tutorial clips read 11 to 250.
CHANGE_LIMIT = 6.0
# Blanked on each side: together wider than the longest gap the filters bridge, so the two shots stay apart.
MARGIN_MS = MAX_GAP_MS / 2 + 50.0
# A longer run of whole-picture change is the camera moving (a walk, a pan), not an edit: it is left alone.
MAX_TRANSITION_MS = 1500.0


def find_transitions(t_ms: np.ndarray, change: np.ndarray) -> list[tuple[float, float]]:
    """(start_ms, end_ms) of each cut or fade, widened by the margin; overlapping spans merged."""
    spans: list[tuple[float, float]] = []
    for start, stop in nan_runs(np.nan_to_num(change, nan=0.0) > CHANGE_LIMIT):
        first = float(t_ms[start - 1]) if start > 0 else float(t_ms[start])
        last = float(t_ms[stop - 1])
        if last - first > MAX_TRANSITION_MS:
            continue
        span = (first - MARGIN_MS, last + MARGIN_MS)
        if spans and span[0] <= spans[-1][1]:
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    return spans


def blank_transitions(track: PoseTrack) -> tuple[PoseTrack, list[tuple[float, float]]]:
    """The track with no pose inside its cuts and fades (same frames, same times), and those spans."""
    change = track.channels.get(CHANNEL)
    spans = find_transitions(track.t_ms, change) if change is not None else []
    if not spans:
        return track, []
    inside = np.zeros(len(track), dtype=bool)
    for start, end in spans:
        inside |= (track.t_ms >= start) & (track.t_ms <= end)
    blanked = track[np.arange(len(track))]
    blanked.image[inside] = np.nan
    blanked.visibility[inside] = np.nan
    blanked.world[inside] = np.nan
    for name, values in blanked.channels.items():
        if name != CHANNEL:
            values[inside] = np.nan
    clipped = [(max(start, float(track.t_ms[0])), min(end, float(track.t_ms[-1]))) for start, end in spans]
    return blanked, clipped
