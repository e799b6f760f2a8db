"""Who the athlete is, and where to look for them: boxes, the selector, image windows.

Pure geometry on normalised landmark arrays, no model: the estimator
(:mod:`analyzer.pose.estimator`) decides when to run which landmarker, this
module decides whose pose it is and maps poses found in a part of the frame
back to the whole frame.

A box is ``[x0, y0, x1, y1]`` in normalised image coordinates, the extent of
the 33 landmarks (the head's top and the hands' ends lie a little outside it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A box overlapping the athlete's last box less than this is someone else (or a jump).
MIN_FOLLOW_IOU = 0.2
# Two boxes overlapping this much are the same person seen by two landmarkers.
SAME_PERSON_IOU = 0.5
# After this long without the athlete, choose afresh (largest, most central).
REACQUIRE_AFTER_MS = 500.0
# Searching around a box: this share of its larger side is added on every side,
# so that a person who moved or stretched out is still inside, with some context.
SEARCH_MARGIN = 0.5


def box_of(points: np.ndarray) -> np.ndarray:
    """The landmarks' extent ``[x0, y0, x1, y1]`` (normalised) of a (33, 2+) array."""
    xy = points[:, :2]
    return np.array([xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def prominence(box: np.ndarray) -> float:
    """Area of the body's box, discounted by its distance from the frame centre."""
    area = max(0.0, (box[2] - box[0]) * (box[3] - box[1]))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    off_centre = np.hypot(cx - 0.5, cy - 0.5)
    return area * (1.0 - min(off_centre, 0.7))


class AthleteSelector:
    """Remembers where the athlete is, to tell their pose from a passer-by's.

    Two memories: ``last``, the box in the last frame the athlete was seen (frame-to-frame
    continuity: a tracker that jumps leaves it), and ``anchor``, the box at the last
    check of everyone in view (a tracker that slides onto a passer-by over many
    frames drifts away from it, the athlete does not).
    """

    def __init__(self) -> None:
        self.last: np.ndarray | None = None
        self.anchor: np.ndarray | None = None
        self._missing_since_ms: float | None = None

    @property
    def known(self) -> bool:
        return self.last is not None

    def forget_if_gone(self, t_ms: float) -> None:
        """Missed for REACQUIRE_AFTER_MS: the next person found is chosen afresh. Timed from the
        first frame without the athlete, so that a clip read at one frame a second still follows."""
        if self._missing_since_ms is not None and t_ms - self._missing_since_ms > REACQUIRE_AFTER_MS:
            self.last = self.anchor = None

    def follows(self, box: np.ndarray) -> bool:
        """Whether ``box`` continues the athlete's last box (always, when nobody is known yet)."""
        return self.last is None or iou(box, self.last) >= MIN_FOLLOW_IOU

    def athlete_elsewhere(self, tracked: np.ndarray, boxes: list[np.ndarray]) -> int | None:
        """Among everyone in view (``boxes``), the athlete when the tracker's person (``tracked``)
        is someone else; None when the tracker holds the athlete, as far as can be told.

        With nobody known yet the athlete is the largest, most central person. After that the
        tracker is trusted while it overlaps the anchor: people overlap in a spotter's arms or
        a trainer crouching behind a push-up, and the landmark boxes of both are then mixed.
        """
        if not boxes:
            return None
        if not self.known:
            chosen: int | None = int(np.argmax([prominence(b) for b in boxes]))
        elif self.anchor is None or iou(tracked, self.anchor) >= MIN_FOLLOW_IOU:
            return None
        else:
            chosen = _best_overlap(boxes, self.anchor)
        if chosen is None or iou(boxes[chosen], tracked) >= SAME_PERSON_IOU:
            return None
        return chosen

    def continuing(self, boxes: list[np.ndarray]) -> int | None:
        """The box that overlaps the athlete's last box best, if any does enough."""
        return _best_overlap(boxes, self.last)

    def seen(self, box: np.ndarray) -> None:
        """The athlete is at ``box`` in this frame."""
        self.last = box
        self._missing_since_ms = None
        if self.anchor is None:
            self.anchor = box

    def missed(self, t_ms: float) -> None:
        """The athlete is not found in the frame at ``t_ms``."""
        if self._missing_since_ms is None:
            self._missing_since_ms = t_ms

    def confirm(self, box: np.ndarray) -> None:
        """Everyone in view was looked at and the athlete is at ``box``."""
        self.anchor = box


def _best_overlap(boxes: list[np.ndarray], reference: np.ndarray | None) -> int | None:
    if reference is None or not boxes:
        return None
    overlaps = [iou(b, reference) for b in boxes]
    best = int(np.argmax(overlaps))
    return best if overlaps[best] >= MIN_FOLLOW_IOU else None


@dataclass(frozen=True)
class Window:
    """A pixel rectangle of a frame given to a landmarker (maybe resized), and the way back.

    Landmarks found in the window are normalised to it; world landmarks are
    hip-centred metres and visibility a probability, both the same wherever the
    image was cut, so only ``image`` and the mask need mapping.
    """

    x0: int
    y0: int
    x1: int
    y1: int
    frame_width: int
    frame_height: int

    @classmethod
    def whole(cls, width: int, height: int) -> Window:
        return cls(0, 0, width, height, width, height)

    @classmethod
    def around(cls, box: np.ndarray, width: int, height: int, margin: float = SEARCH_MARGIN) -> Window:
        """``box`` (normalised) grown by ``margin`` times its larger side (in pixels) on every side."""
        x0, y0, x1, y1 = np.asarray(box, dtype=float) * [width, height, width, height]
        pad = margin * max(x1 - x0, y1 - y0)
        return cls(
            int(np.clip(np.floor(x0 - pad), 0, width - 1)),
            int(np.clip(np.floor(y0 - pad), 0, height - 1)),
            int(np.clip(np.ceil(x1 + pad), 1, width)),
            int(np.clip(np.ceil(y1 + pad), 1, height)),
            width,
            height,
        )

    @property
    def is_whole(self) -> bool:
        return (self.x0, self.y0, self.x1, self.y1) == (0, 0, self.frame_width, self.frame_height)

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        return rgb[self.y0 : self.y1, self.x0 : self.x1]

    def keep_only(self, rgb: np.ndarray) -> np.ndarray:
        """The frame black outside the window (same size, so a tracker's coordinates stay valid)."""
        out = np.zeros_like(rgb)
        out[self.y0 : self.y1, self.x0 : self.x1] = self.cut(rgb)
        return out

    def landmarks_to_frame(self, points: np.ndarray) -> np.ndarray:
        """(33, 3) normalised to the window -> normalised to the frame (z scales like x)."""
        if self.is_whole:
            return points
        w, h = self.x1 - self.x0, self.y1 - self.y0
        out = np.array(points, dtype=np.float64, copy=True)
        out[:, 0] = (self.x0 + points[:, 0] * w) / self.frame_width
        out[:, 1] = (self.y0 + points[:, 1] * h) / self.frame_height
        out[:, 2] = points[:, 2] * w / self.frame_width
        return out

    def mask_to_frame(self, mask: np.ndarray) -> np.ndarray:
        """A mask of the window's image (any size) as a frame-sized mask, background outside."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        if mask.shape[:2] != (h, w):
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        if self.is_whole:
            return mask
        out = np.zeros((self.frame_height, self.frame_width), dtype=mask.dtype)
        out[self.y0 : self.y1, self.x0 : self.x1] = mask
        return out
