"""The picture itself, apart from the body: how bright it is, and how much it changes between frames.

Edited clips (tutorials, compilations) cut or fade from one shot to another.
A moving body changes a minority of the pixels from frame to frame; a cut or a
fade changes nearly all of them at once. The median change over a small grey
thumbnail tells the two apart for a fraction of a millisecond a frame. Both
measures read the same sampled pixels (one pass over the frame's memory).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from analyzer.pose.athlete import Window

# The per-frame channel it fills in a PoseTrack (analyzer.features.cuts reads it).
PICTURE_CHANGE = "picture_change"
THUMB_WIDTH = 64
# The frame is sampled (nearest pixel, one pass over its memory) to SAMPLE_FACTOR times the thumbnail's size in
# each direction, so that the area resize down to the thumbnail is by a whole number, OpenCV's fast path: at a
# fractional ratio over a whole 432-492 px wide frame it cost 0.6-0.7 ms, 4 % of the pose model's time.
SAMPLE_FACTOR = 4
# Frames closer than 1/30 s have their change scaled up to it, so that a fade or a pan filmed at 60 fps
# reads as at 30. Frames further apart (24 fps, a strided or rate-capped analysis) keep the change as it
# is: a cut is one step however long the gap, and scaling it down hid it (a 30 fps clip's cut read at
# 24 fps lost half its change and was judged across).
REFERENCE_STEP_MS = 1000.0 / 30.0
# A thumbnail pixel has changed when its luma moved by more than this: a tripod clip's sensor noise and
# compression move the blurred, area-averaged thumbnail by a level or two; a person walking in, by tens.
CHANGED_LEVELS = 12.0


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of a frame's thumbnail: THUMB_WIDTH wide, the frame's aspect."""
    return THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width))


def sampled(rgb: np.ndarray) -> np.ndarray:
    """The frame's pixels nearest a grid of SAMPLE_FACTOR times its thumbnail's size (a frame no wider than
    that, as it is): the one pass over the frame that the picture's measures below share."""
    height, width = rgb.shape[:2]
    thumb_width, thumb_height = thumbnail_size(width, height)
    if width <= SAMPLE_FACTOR * thumb_width:
        return rgb
    size = (SAMPLE_FACTOR * thumb_width, SAMPLE_FACTOR * thumb_height)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_NEAREST)


def brightness(rgb: np.ndarray) -> float:
    """Mean level (0..1) of an RGB picture (a sampled one will do)."""
    return float(np.mean(cv2.mean(rgb)[:3])) / 255.0


def grey_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """A blurred 64-pixel-wide luma thumbnail (float32) of an RGB frame (or of its :func:`sampled` pixels)."""
    grey = cv2.cvtColor(sampled(rgb), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, thumbnail_size(grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    return cv2.GaussianBlur(small, (3, 3), 0)


def changed_outside(before: np.ndarray, after: np.ndarray, windows: Sequence[Window]) -> float:
    """Share of the thumbnail's pixels outside every window (of the thumbnail) whose luma moved by more
    than CHANGED_LEVELS between two thumbnails of the same shot; 1.0 when they differ in size."""
    if before.shape != after.shape:
        return 1.0
    outside = np.ones(after.shape, dtype=bool)
    for window in windows:
        outside[window.y0 : window.y1, window.x0 : window.x1] = False
    if not outside.any():
        return 0.0
    return float(np.mean(np.abs(after[outside] - before[outside]) > CHANGED_LEVELS))


class PictureChangeMeter:
    """Median luma change (0-255 levels; per 1/30 s at higher rates) from the previous frame it saw; NaN for
    the first."""

    def __init__(self) -> None:
        self._last: np.ndarray | None = None
        self._last_ms = 0.0

    @property
    def thumbnail(self) -> np.ndarray | None:
        """The last frame's thumbnail (:func:`grey_thumbnail`), None before the first."""
        return self._last

    def __call__(self, rgb: np.ndarray, t_ms: float) -> float:
        thumb = grey_thumbnail(rgb)
        last, last_ms = self._last, self._last_ms
        self._last, self._last_ms = thumb, t_ms
        if last is None or last.shape != thumb.shape:
            return float("nan")
        step_ms = max(1.0, t_ms - last_ms)
        return float(np.median(np.abs(thumb - last))) * max(1.0, REFERENCE_STEP_MS / step_ms)
