"""How large a frame the tracker is given: the athlete at the size the pose model needs, no larger.

The landmark model sees a 256 px square crop around the person (about 1.3 times their
longest side), and its segmentation mask comes back at the size of the whole image it was
given. A figure that fills a phone's portrait frame is therefore shrunk by the model anyway,
while the mask is drawn over every pixel of the frame: at 960x540 that costs about a quarter
of the model's own time (issue 17). The tracker is given the frame scaled so that the figure is
about FIGURE_PX long, and the mask costs the share of the frame it keeps. FIGURE_PX leaves
the model's crop twice its input: at 224 px (the crop at its input's size) real clips' verdicts
moved (new findings on two good-form clips of ../shared/clips, four more judged differently), at
360 they read as at full size (values within 0.3 deg). Small figures are never scaled up (the decoder's frame is all
there is). Landmarks come back normalised and the mask is measured in its own pixels, so
nothing downstream depends on the scale. It follows the figure's largest extent over the last
couple of seconds (a squatter's box shrinks by a third at the bottom, then they stand tall
again), in steps, with hysteresis, so that it does not change from rep to rep.
"""

from __future__ import annotations

import math
from collections import deque

import cv2
import numpy as np

# The figure's longest side (landmark extent, pixels) the tracker is given at least: its crop is then
# ~1.3 times that, about twice the model's 256 px input (see above for why not less).
FIGURE_PX = 360.0
# Scales move in quarter-octave steps, and only when the figure leaves this band around FIGURE_PX.
STEPS_PER_OCTAVE = 4
BAND = (2.0 ** -0.25, 2.0 ** 0.5)
# The figure's size is its largest extent over this long: a standing height, whatever the rep's phase.
MEMORY_MS = 2000.0
# Never below this share of the frame: a frame that small would leave the person detector
# (which looks at the whole image) too little of anyone else.
MIN_SCALE = 0.25


class InputScale:
    """The scale for the next frame, from the athlete's extent in the last one."""

    def __init__(self) -> None:
        self.scale = 1.0
        self._seen: deque[tuple[float, float]] = deque()  # (t_ms, figure px), newest last

    def update(self, box: np.ndarray, width: int, height: int, t_ms: float) -> None:
        """Follow the athlete's landmark extent ``box`` (normalised ``[x0, y0, x1, y1]``) in a
        ``width`` x ``height`` frame at ``t_ms``."""
        size = max((box[2] - box[0]) * width, (box[3] - box[1]) * height)
        if not math.isfinite(size) or size <= 0:
            return
        # A sliding-window maximum: sizes decrease along the deque, so its first is the largest.
        while self._seen and self._seen[-1][1] <= size:
            self._seen.pop()
        self._seen.append((t_ms, size))
        while self._seen[0][0] < t_ms - MEMORY_MS:
            self._seen.popleft()
        figure = self._seen[0][1]
        shown = figure * self.scale
        if BAND[0] * FIGURE_PX <= shown <= BAND[1] * FIGURE_PX:
            return
        # The smallest step that keeps the figure at least FIGURE_PX.
        steps = math.floor(STEPS_PER_OCTAVE * math.log2(figure / FIGURE_PX))
        self.scale = float(np.clip(2.0 ** (-max(0, steps) / STEPS_PER_OCTAVE), MIN_SCALE, 1.0))

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The frame as the tracker gets it: shrunk an octave at a time by bilinear steps of at least
        one half, each of which reads every source pixel (no aliasing to speak of), at a fraction of
        OpenCV's area filter's cost at a non-integer ratio (0.5 against 4 ms a 960x540 frame)."""
        if self.scale >= 1.0:
            return rgb
        height, width = rgb.shape[:2]
        size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        while rgb.shape[1] > 2 * size[0]:
            half = (max(size[0], round(rgb.shape[1] / 2)), max(size[1], round(rgb.shape[0] / 2)))
            rgb = cv2.resize(rgb, half, interpolation=cv2.INTER_LINEAR)
        return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
