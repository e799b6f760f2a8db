"""Pose estimation: MediaPipe's PoseLandmarker over a stream of frames -> PoseTrack.

One athlete per track, followed with ONE pose slot. A VIDEO-mode landmarker with
``num_poses=1`` tracks them from frame to frame: it runs its person detector only
when it has lost the pose, where asking for two slots runs the detector on every
frame while fewer than two people are in view (12.5 vs 19.3 ms a frame, issue 17)
and even drops a tracked pose whenever that detector misses it.

Who the athlete is gets decided by a second, IMAGE-mode landmarker (the finder,
up to ``max_people`` poses) that looks at everyone in view, but only when it matters:
* at the start, and about once a second on a downscaled frame, to check that the
  tracker still holds the athlete (the largest, most central person at the start; then
  whoever stays where the athlete was at the last check), so a person walking through
  cannot keep the track; the check waits while the picture outside the athlete has not
  changed since the last one (a still room on a tripod: nobody can have come in);
* when the tracker loses the pose or its box jumps away from the athlete's: it looks
  again on a crop around the athlete's last box (a small figure is larger there), so
  that a pose the bare model finds is not lost to a tracking failure; a jump to the
  only person in view (a scene cut) is kept, a jump to one of several is not.
When the athlete is found somewhere the tracker is not, the tracker is re-seeded:
a black frame makes it forget whom it held, and the next frame, black outside the
athlete's box, leaves its detector nobody else to choose. After
REACQUIRE_AFTER_MS without the athlete, the next person found becomes the athlete.
The tracker is given the frame shrunk to the athlete's size (analyzer.pose.input_scale); the
finder, which must see everyone, the frame as decoded.

With the segmentation mask on, the back's shape (the outline's measures and the spine estimator,
analyzer.pose.back_outline) is measured about 15 times a second, not on every frame: see SHAPE_MAX_GAP_MS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analyzer.landmarks import NUM_LANDMARKS
from analyzer.pose.athlete import SAME_PERSON_IOU, AthleteSelector, Window, box_of, iou
from analyzer.pose.back_outline import back_shape_from_landmarks
from analyzer.pose.input_scale import InputScale
from analyzer.pose.landmarker import DetectedPose, Landmarker
from analyzer.pose.model import SPINE_MODEL_SHA256, spine_model_path, verified_sha256
from analyzer.pose.model import model_path as default_model_path
from analyzer.pose.scene import PICTURE_CHANGE, PictureChangeMeter, brightness, changed_outside, sampled
from analyzer.track import PoseTrack

# How often everyone in view is looked at to check the tracker holds the athlete...
SCAN_EVERY_MS = 1000.0
# ...unless the picture outside the athlete (their box at the last look and now, each grown by this share
# of its larger side) has not changed since that look: nobody can have come in (a tripod's still room);
# a moving camera, a light switched on or anyone moving there changes more than MAX_STILL_SHARE of it.
STILL_MARGIN = 0.25
MAX_STILL_SHARE = 0.01
# The periodic check runs on a frame scaled to this longest side: it only has to tell
# people apart, and the detector sees 224 px anyway.
SCAN_MAX_SIDE = 512
# Up to this many people are told apart by default (a spotter, a trainer, a passer-by).
DEFAULT_MAX_PEOPLE = 3
# The back's shape is measured on a frame only when the next frame would otherwise lie more than this after
# the last measured one: about 15 times a second, so every other frame at 30 fps, every fourth at 60, every
# one at 24-25. Its channels are filled in between and low-passed at 6 Hz before any check reads them
# (analyzer.features.kinematics), and a rep lasts a second or more. On the held-out renders (tools/spine) the
# checks' reading, a rep's bottom against standing, is the same from every frame, every second or every third
# one (squat change p90 9.4, 9.4 and 9.0 deg; winks flagged 53 of 59, 53 of 58 and 53 of 57). At 12 Hz a
# rendered 24 fps deadlift at 40 deg of yaw, outside the estimator's range and at the limit there, read 0.8
# deg less on one rep: the margin is kept at 15 Hz. It halves the shape's cost at 30 fps.
SHAPE_MAX_GAP_MS = 70.0


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


def _mapped_to_frame(pose: DetectedPose, window: Window) -> DetectedPose:
    """A pose found in ``window`` in the whole frame's coordinates (mask placed back)."""
    return DetectedPose(
        image=window.landmarks_to_frame(pose.image),
        visibility=pose.visibility,
        world=pose.world,
        mask=None if pose.mask is None else window.mask_to_frame(pose.mask),
    )


class PoseEstimator:
    """One athlete over one continuous run of frames: a one-pose tracker and a finder.

    Use as a context manager (it owns two MediaPipe landmarkers): one left to the
    garbage collector prints a traceback at interpreter exit. Timestamps must
    increase; the caller's ``t_ms`` are passed through (rounded to whole ms,
    bumped when equal). ``max_people`` is how many people the finder tells apart;
    with 1 it never looks for others and only re-detects when tracking is lost.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        max_people: int = DEFAULT_MAX_PEOPLE,
        segmentation: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path("full")
        confidences = {
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self._tracker = Landmarker(
            self.model_path, video=True, num_poses=1, segmentation=segmentation, **confidences
        )
        try:
            self._finder = Landmarker(
                self.model_path, video=False, num_poses=max_people, segmentation=segmentation, **confidences
            )
        except BaseException:
            self._tracker.close()
            raise
        self._scans_for_others = max_people > 1
        self._last_ts = -1
        self._last_shape: tuple[int, ...] | None = None
        self._start_afresh()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._tracker.closed

    def close(self) -> None:
        self._tracker.close()
        self._finder.close()

    def restart(self, athlete: np.ndarray | None = None, t_ms: float | None = None) -> None:
        """Start afresh, as a new estimator would, keeping the loaded models: the next frame follows a
        jump in time (the tracker's last box and the athlete's place no longer hold). ``athlete``: where the
        athlete is at ``t_ms`` (a normalised landmark box), found by an earlier pass that looked at everyone
        in view: they are followed from the first frame, and the next look at everyone is a second away."""
        if self._last_shape is not None:
            self._forget_tracked(self._last_shape)
        self._start_afresh()
        if athlete is not None:
            self._selector.seen(np.asarray(athlete, dtype=np.float64))
            self._last_scan_ms = -np.inf if t_ms is None else t_ms

    def _start_afresh(self) -> None:
        self._selector = AthleteSelector()
        self._last_scan_ms = -np.inf
        self._scanned_view: np.ndarray | None = None
        self._reseed_window: Window | None = None
        self._picture_change = PictureChangeMeter()
        self._input_scale = InputScale()
        self._last_frame_ms = -np.inf
        self._last_shape_ms = -np.inf

    def process(self, rgb: np.ndarray, t_ms: float) -> PoseFrame:
        """Landmarks of the athlete in one upright RGB frame (C-contiguous uint8)."""
        rgb = np.ascontiguousarray(rgb)
        self._last_shape = rgb.shape
        picture = sampled(rgb)
        channels = {"brightness": brightness(picture), PICTURE_CHANGE: self._picture_change(picture, t_ms)}
        self._selector.forget_if_gone(t_ms)
        shape_due, self._last_frame_ms = self._shape_due(t_ms), t_ms
        tracked = self._track(rgb, t_ms)
        if tracked is not None and self._selector.follows(box_of(tracked.image)):
            pose = self._check_everyone(rgb, tracked, t_ms) if self._check_due(t_ms, tracked) else tracked
        else:
            pose = self._find_again(rgb, tracked, t_ms)
        if pose is None:
            self._selector.missed(t_ms)
            return PoseFrame.absent(channels)
        box = box_of(pose.image)
        self._selector.seen(box)
        self._input_scale.update(box, rgb.shape[1], rgb.shape[0], t_ms)
        frame = PoseFrame(image=pose.image, visibility=pose.visibility, world=pose.world, channels=channels)
        if pose.mask is not None and shape_due:
            frame.channels.update(_back_shape_channels(pose.mask, frame))
            self._last_shape_ms = t_ms
        return frame

    def _shape_due(self, t_ms: float) -> bool:
        """Whether the back's shape is measured on this frame (see SHAPE_MAX_GAP_MS): the next frame, one
        step on, would lie too far after the last measured one."""
        return 2.0 * t_ms - self._last_frame_ms - self._last_shape_ms > SHAPE_MAX_GAP_MS

    def _timestamp(self, t_ms: float | None = None) -> int:
        ts = self._last_ts + 1 if t_ms is None else max(int(round(t_ms)), self._last_ts + 1)
        self._last_ts = ts
        return ts

    def _track(self, rgb: np.ndarray, t_ms: float) -> DetectedPose | None:
        """The tracker's pose, on the frame scaled to the athlete's size (analyzer.pose.input_scale);
        on a re-seed frame it sees only the athlete's surroundings."""
        seen = rgb if self._reseed_window is None else self._reseed_window.keep_only(rgb)
        self._reseed_window = None
        poses = self._tracker.detect(self._input_scale.apply(seen), self._timestamp(t_ms))
        return poses[0] if poses else None

    def _reseed(self, athlete: DetectedPose, rgb: np.ndarray, tracker_holds_someone: bool) -> None:
        """Make the tracker take up ``athlete`` from the next frame on."""
        if tracker_holds_someone:  # a tracker with no pose runs its detector anyway
            self._forget_tracked(rgb.shape)
        height, width = rgb.shape[:2]
        self._reseed_window = Window.around(box_of(athlete.image), width, height)

    def _forget_tracked(self, shape: tuple[int, ...]) -> None:
        """Show the tracker a black frame: with no pose, it runs its detector afresh on the next frame."""
        self._tracker.detect(np.zeros(shape, np.uint8), self._timestamp())

    def _check_due(self, t_ms: float, tracked: DetectedPose) -> bool:
        if not self._scans_for_others:
            return False
        if not self._selector.known:
            return True
        return t_ms - self._last_scan_ms >= SCAN_EVERY_MS and self._view_changed(tracked)

    def _view_changed(self, tracked: DetectedPose) -> bool:
        """Whether the picture around the athlete changed since everyone in view was last looked at."""
        now = self._picture_change.thumbnail
        if self._scanned_view is None or now is None or self._selector.anchor is None:
            return True
        height, width = now.shape
        around = [Window.around(box, width, height, STILL_MARGIN) for box in (box_of(tracked.image), self._selector.anchor)]
        return changed_outside(self._scanned_view, now, around) > MAX_STILL_SHARE

    def _everyone(self, rgb: np.ndarray, t_ms: float) -> list[DetectedPose]:
        """Everyone in view, found on a downscaled frame (normalised landmarks do not care)."""
        self._last_scan_ms = t_ms
        self._scanned_view = self._picture_change.thumbnail
        height, width = rgb.shape[:2]
        scale = min(1.0, SCAN_MAX_SIDE / max(height, width))
        small = rgb if scale == 1.0 else cv2.resize(
            rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
        return self._finder.detect(small)

    def _check_everyone(self, rgb: np.ndarray, tracked: DetectedPose, t_ms: float) -> DetectedPose:
        """Is the tracker still on the athlete? If someone else is, follow the athlete instead."""
        people = self._everyone(rgb, t_ms)
        chosen = self._selector.athlete_elsewhere(box_of(tracked.image), [box_of(p.image) for p in people])
        if chosen is None:
            athlete = tracked
        else:
            athlete = _mapped_to_frame(people[chosen], Window.whole(rgb.shape[1], rgb.shape[0]))
            self._reseed(athlete, rgb, tracker_holds_someone=True)
        self._selector.confirm(box_of(athlete.image))
        return athlete

    def _find_again(self, rgb: np.ndarray, tracked: DetectedPose | None, t_ms: float) -> DetectedPose | None:
        """The tracker lost the athlete (no pose, or someone who does not overlap them).

        First a crop around their last box, where a small or moving figure is larger for the
        detector; with no pose from the tracker, then the whole frame at full size (the only
        person there is taken). Failing that, a tracker holding the only person in view keeps
        them: a scene cut or a quick move, the bare model would report them too. The anchor
        stays where the athlete was, so if that was a passer-by covering the athlete, the next
        check goes back. With several people in view and none where the athlete was, they are
        briefly hidden.
        """
        if not self._selector.known:
            return tracked
        height, width = rgb.shape[:2]
        windows = [Window.around(self._selector.last, width, height)]
        if tracked is None:  # no pose at all: the whole frame too, as the bare model sees it
            windows.append(Window.whole(width, height))
        for window in windows:
            people = [_mapped_to_frame(p, window) for p in self._finder.detect(window.cut(rgb))]
            chosen = self._selector.continuing([box_of(p.image) for p in people])
            if chosen is None and window.is_whole and len(people) == 1:
                chosen = 0  # the only person in view
            if chosen is not None:
                self._reseed(people[chosen], rgb, tracker_holds_someone=tracked is not None)
                return people[chosen]
        if tracked is not None and self._alone_in_view(rgb, tracked, t_ms):
            return tracked
        return None

    def _alone_in_view(self, rgb: np.ndarray, tracked: DetectedPose, t_ms: float) -> bool:
        box = box_of(tracked.image)
        return all(iou(box_of(p.image), box) >= SAME_PERSON_IOU for p in self._everyone(rgb, t_ms))


def _back_shape_channels(mask: np.ndarray, frame: PoseFrame) -> dict[str, float]:
    """Spine outline measures from the mask (see analyzer.pose.back_outline), per frame so no mask is kept;
    measured in the mask's own pixels (the tracker's may be a scaled frame's)."""
    mask = np.squeeze(mask)
    xy = frame.image[:, :2] * np.array([mask.shape[1], mask.shape[0]])
    return back_shape_from_landmarks(mask, xy, frame.visibility)


def _spine_meta(channels: Iterable[str]) -> dict[str, str]:
    """The spine estimator's pin, when it ran (its weights shipped and checked) and the track has its angles."""
    ran = spine_model_path() is not None and any(k.startswith("spine_") for k in channels)
    return {"spine_model_sha256": SPINE_MODEL_SHA256} if ran else {}


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
        meta={
            "model": estimator.model_path.name,
            "model_sha256": verified_sha256(estimator.model_path),
            **_spine_meta(names),
        },
    )
