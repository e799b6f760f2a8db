"""The back drawn over the picture, so a trainer can hold the verdict against the body.

The track keeps measures, not the mask's contour, so the back is re-drawn from
the shoulder and hip landmarks on the back's side (away from the ear->nose
direction), a little behind them (landmarks are joint centres), and bowed by
what was measured:

* the spine estimator's angles (analyzer/pose/spine.py): the upper half bending
  evenly by the thoracic flexion, the lower half by the lumbar, beyond neutral
  (straight = neutral, bowed out = rounded, bowed in = arched), so "upper back"
  and "lower back" rounding look different;
* or, for exercises judged on the outline alone, its sagitta over chord.

Shared by the annotated video (analyzer.draw.overlay) and the live view
(analyzer.live.coach).
"""

from __future__ import annotations

import numpy as np

from analyzer.landmarks import INDEX

# Dorsal surface behind the shoulder-hip line, in chord lengths (landmarks are joint centres).
BACK_SURFACE_OFFSET = 0.15
# Points along the curve, shoulder (t = 0) to hip (t = 1).
SAMPLES = 17
# Shorter chords than this (px) are not drawn: the body is too small or seen end-on.
MIN_CHORD_PX = 10.0


def outline_depth(flexion: float) -> np.ndarray:
    """Depth behind the chord, in chord lengths, for an outline of ``flexion`` (sagitta / chord)."""
    t = np.linspace(0.0, 1.0, SAMPLES)
    return BACK_SURFACE_OFFSET + 4.0 * flexion * t * (1 - t)


def spine_depth(lumbar_deg: float, thoracic_deg: float) -> np.ndarray:
    """Depth behind the chord, in chord lengths, of a back whose upper half bends evenly by the thoracic
    flexion and lower half by the lumbar (both beyond neutral, + rounded): the heading integrated along the
    back, so the two halves join smoothly, then measured against the shoulder-hip chord."""
    s = np.linspace(0.0, 1.0, 8 * SAMPLES)
    bend = np.radians(np.where(s < 0.5, thoracic_deg, lumbar_deg)) * 2.0  # per unit length of the back
    heading = np.concatenate([[0.0], np.cumsum((bend[1:] + bend[:-1]) / 2 * np.diff(s))])
    step = np.diff(s)[:, None] * np.stack([np.cos(heading[1:]), np.sin(heading[1:])], axis=1)
    points = np.concatenate([[[0.0, 0.0]], np.cumsum(step, axis=0)])
    chord = points[-1]
    length = float(np.hypot(*chord))
    along = points @ chord / length**2
    depth = -(chord[0] * points[:, 1] - chord[1] * points[:, 0]) / length**2  # + on the outside of the bend
    return BACK_SURFACE_OFFSET + np.interp(np.linspace(0.0, 1.0, SAMPLES), along, depth)


def back_curve(px: np.ndarray, side: str, depth: np.ndarray) -> np.ndarray | None:
    """(SAMPLES, 2) pixel points of the back from shoulder to hip, ``depth`` chord lengths behind the
    shoulder-hip line; None when the landmarks needed are not seen or the trunk is too short to draw."""
    s, h = px[INDEX[f"{side}_shoulder"]], px[INDEX[f"{side}_hip"]]
    nose, ear = px[INDEX["nose"]], px[INDEX[f"{side}_ear"]]
    if not all(np.all(np.isfinite(p)) for p in (s, h, nose, ear)):
        return None
    chord = h - s
    length = float(np.hypot(*chord))
    if length < MIN_CHORD_PX:
        return None
    normal = np.array([-chord[1], chord[0]]) / length
    if float(normal @ (nose - ear)) > 0:  # the normal points to the chest: turn it to the back
        normal = -normal
    t = np.linspace(0.0, 1.0, len(depth))
    return s + t[:, None] * chord + (depth * length)[:, None] * normal
