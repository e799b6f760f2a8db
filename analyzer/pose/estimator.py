"""Pose estimation: MediaPipe's PoseLandmarker over a stream of frames -> PoseTrack.

One athlete per track. When several people are in view, the model is asked
for a few poses and we follow the one the camera is filming: at the start the
largest, most central body; after that the body that overlaps the previous
choice best, so the track does not jump to a spotter walking past.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analyzer.landmarks import NUM_LANDMARKS
from analyzer.pose.back_outline import back_shape_from_landmarks
from analyzer.pose.model import model_path as default_model_path
from analyzer.pose.model import verified_sha256
from analyzer.track import PoseTrack

# A box overlapping the previous athlete less than this is someone else.
MIN_FOLLOW_IOU = 0.2
# After this many frames without the athlete, choose afresh (largest, central).
REACQUIRE_AFTER_FRAMES = 15
# Downsampled luma is enough to tell a dark clip; every Nth pixel per axis.
BRIGHTNESS_STEP = 8


@contextlib.contextmanager
def native_logs_silenced() -> Iterator[None]:
    """Hide MediaPipe/LiteRT's C++ log lines (they write to fd 2 and ignore GLOG settings).

    Python-level errors are unaffected: they propagate as exceptions. Set
    FORMCHECK_DEBUG=1 to see the native logs.
    """
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@dataclass
class PoseFrame:
    """The chosen athlete in one frame, as arrays (NaN where absent)."""

    image: np.ndarray  # (33, 3)
    visibility: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3)
    channels: dict[str, float] = field(default_factory=dict)

    @classmethod
    def absent(cls, channels: dict[str, float] | None = None) -> PoseFrame:
        return cls(
            image=np.full((NUM_LANDMARKS, 3), np.nan),
            visibility=np.full(NUM_LANDMARKS, np.nan),
            world=np.full((NUM_LANDMARKS, 3), np.nan),
            channels=dict(channels or {}),
        )


def _bbox(points: np.ndarray) -> np.ndarray:
    xy = points[:, :2]
    return np.array([xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _prominence(box: np.ndarray) -> float:
    """Area of the body's box, discounted by its distance from the frame centre."""
    area = max(0.0, (box[2] - box[0]) * (box[3] - box[1]))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    off_centre = np.hypot(cx - 0.5, cy - 0.5)
    return area * (1.0 - min(off_centre, 0.7))


class AthleteSelector:
    """Picks the same person from frame to frame among the model's candidates."""

    def __init__(self) -> None:
        self._last_box: np.ndarray | None = None
        self._frames_missing = 0

    def choose(self, candidates: list[np.ndarray]) -> int | None:
        """Index of the athlete among candidate landmark arrays (33x3 normalised), or None."""
        if not candidates:
            self._frames_missing += 1
            if self._frames_missing > REACQUIRE_AFTER_FRAMES:
                self._last_box = None
            return None
        boxes = [_bbox(c) for c in candidates]
        chosen: int | None = None
        if self._last_box is not None:
            overlaps = [_iou(b, self._last_box) for b in boxes]
            best = int(np.argmax(overlaps))
            if overlaps[best] >= MIN_FOLLOW_IOU:
                chosen = best
        if chosen is None:
            if self._last_box is not None and self._frames_missing <= REACQUIRE_AFTER_FRAMES:
                # The athlete is briefly hidden; do not jump to somebody else.
                self._frames_missing += 1
                return None
            chosen = int(np.argmax([_prominence(b) for b in boxes]))
        self._last_box = boxes[chosen]
        self._frames_missing = 0
        return chosen


class PoseEstimator:
    """PoseLandmarker in VIDEO mode for one continuous run of frames.

    Use as a context manager: a landmarker left to the garbage collector prints
    a traceback at interpreter exit. Timestamps must increase; the caller's
    ``t_ms`` are passed through (rounded to whole ms, bumped when equal).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        max_people: int = 2,
        segmentation: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode


        self._mp = mp
        self.model_path = Path(model_path) if model_path else default_model_path("full")
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=segmentation,
        )
        with native_logs_silenced():
            self._landmarker = PoseLandmarker.create_from_options(options)
        self._segmentation = segmentation
        self._selector = AthleteSelector()
        self._last_ts = -1

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            with native_logs_silenced():
                self._landmarker.close()
            self._landmarker = None

    def process(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        """Landmarks of the athlete in one upright RGB frame (C-contiguous uint8)."""
        ts = max(int(round(t_ms)), self._last_ts + 1)
        self._last_ts = ts
        rgb = np.ascontiguousarray(rgb)  # mp.Image misreads row-padded arrays
        channels = {"brightness": float(rgb[::BRIGHTNESS_STEP, ::BRIGHTNESS_STEP].mean() / 255.0)}
        with native_logs_silenced():
            result = self._landmarker.detect_for_video(
                self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb), ts
            )
        candidates = [
            np.array([[lm.x, lm.y, lm.z] for lm in pose], dtype=np.float64) for pose in result.pose_landmarks
        ]
        chosen = self._selector.choose(candidates)
        if chosen is None:
            return PoseFrame.absent(channels)
        pose = result.pose_landmarks[chosen]
        world = result.pose_world_landmarks[chosen]
        frame = PoseFrame(
            image=candidates[chosen],
            visibility=np.array([lm.visibility if lm.visibility is not None else np.nan for lm in pose]),
            world=np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=np.float64),
            channels=channels,
        )
        if self._segmentation and result.segmentation_masks:
            mask = result.segmentation_masks[chosen].numpy_view()
            frame.channels.update(_back_shape_channels(mask, frame, rgb.shape[1], rgb.shape[0]))
        return frame


def _back_shape_channels(mask: np.ndarray, frame: PoseFrame, width: int, height: int) -> dict[str, float]:
    """Spine outline measures from the mask (see analyzer.pose.back_outline), per frame so no mask is kept."""
    xy = frame.image[:, :2] * np.array([width, height])
    return back_shape_from_landmarks(np.squeeze(mask), xy, frame.visibility)


def track_frames(
    frames: Iterable[tuple[float, np.ndarray]],
    estimator: PoseEstimator,
    size: tuple[int, int] | None,
    on_frame: Callable[[], None] | None = None,
) -> PoseTrack:
    """Run the estimator over (t_ms, rgb) frames; frames without a person stay as NaN."""
    times: list[float] = []
    poses: list[PoseFrame] = []
    for t_ms, rgb in frames:
        times.append(t_ms)
        poses.append(estimator.process(rgb, t_ms))
        if on_frame is not None:
            on_frame()
    if not poses:
        return PoseTrack.empty([], size=size)
    names = sorted({k for p in poses for k in p.channels})
    return PoseTrack(
        t_ms=np.array(times),
        image=np.stack([p.image for p in poses]),
        visibility=np.stack([p.visibility for p in poses]),
        world=np.stack([p.world for p in poses]),
        size=size,
        channels={k: np.array([p.channels.get(k, np.nan) for p in poses]) for k in names},
        meta={"model": estimator.model_path.name, "model_sha256": verified_sha256(estimator.model_path)},
    )
