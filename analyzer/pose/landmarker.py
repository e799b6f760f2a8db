"""MediaPipe PoseLandmarkers, opened, run and closed in one place, their results as arrays.

The estimator runs two landmarkers (a one-pose tracker and a few-pose finder) and the
benches run a bare one: they must agree on the options and on how a result becomes numbers.
MediaPipe is imported on first use, so that importing formcheck stays cheap.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


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
class DetectedPose:
    """One person as the model returned it, in the coordinates of the image it was given."""

    image: np.ndarray  # (33, 3) normalised x, y (z scaled like x)
    visibility: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3) metres, hip-centred: independent of where the image was cut
    mask: np.ndarray | None  # (H, W) float32 in [0, 1], the image's size; None without segmentation


class Landmarker:
    """A PoseLandmarker in VIDEO mode (tracks from frame to frame) or IMAGE mode (detects afresh).

    Close it (``with`` or :meth:`close`): one left to the garbage collector prints a
    traceback at interpreter exit. Native log lines are silenced on open, run and close.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        video: bool,
        num_poses: int,
        segmentation: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        self._mp = mp
        self.video = video
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=segmentation,
        )
        with native_logs_silenced():
            self._landmarker: Any = PoseLandmarker.create_from_options(options)

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._landmarker is None

    def close(self) -> None:
        if self._landmarker is not None:
            with native_logs_silenced():
                self._landmarker.close()
            self._landmarker = None

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> list[DetectedPose]:
        """The people in an RGB frame; VIDEO mode needs increasing ``timestamp_ms``, IMAGE mode none."""
        if self.video != (timestamp_ms is not None):
            raise ValueError("a VIDEO-mode landmarker needs timestamp_ms, an IMAGE-mode one takes none")
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with native_logs_silenced():
            if timestamp_ms is None:
                result = self._landmarker.detect(image)
            else:
                result = self._landmarker.detect_for_video(image, timestamp_ms)
        masks = result.segmentation_masks or []
        return [
            DetectedPose(
                image=np.array([[lm.x, lm.y, lm.z] for lm in pose], dtype=np.float64),
                visibility=np.array([np.nan if lm.visibility is None else lm.visibility for lm in pose]),
                world=np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=np.float64),
                mask=np.squeeze(masks[i].numpy_view()).copy() if i < len(masks) else None,  # outlives result
            )
            for i, (pose, world) in enumerate(zip(result.pose_landmarks, result.pose_world_landmarks))
        ]
