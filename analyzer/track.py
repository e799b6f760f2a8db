"""PoseTrack: the pose of one athlete over time (its CSV form is in analyzer.io.track_csv).

A frame where no person was found stays in the track with NaN landmarks, so
that ``t_ms`` keeps matching the video. NaN is also the honest value for a
single landmark that is unknown (an empty CSV cell).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analyzer.landmarks import NUM_LANDMARKS


@dataclass
class PoseTrack:
    """Landmarks of one person, frame by frame.

    Shapes: ``t_ms (T,)``; ``image (T, 33, 3)`` normalised x, y (0..1 of the
    frame's width and height) and MediaPipe's relative z; ``visibility
    (T, 33)`` in 0..1; ``world (T, 33, 3)`` metres, hip-centred (NaN when not
    known). ``size`` is the upright frame's (width, height) in pixels, or None
    when the source did not say. ``channels`` holds per-frame scalars measured
    on the image rather than the landmarks (mask-based spine shape), each (T,).
    ``meta`` records where the track came from and
    what was done to it (model, filters), and travels into the report.
    """

    t_ms: np.ndarray
    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    size: tuple[int, int] | None = None
    channels: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t_ms = np.asarray(self.t_ms, dtype=np.float64)
        n = len(self.t_ms)
        self.image = np.asarray(self.image, dtype=np.float64).reshape(n, NUM_LANDMARKS, 3)
        self.visibility = np.asarray(self.visibility, dtype=np.float64).reshape(n, NUM_LANDMARKS)
        self.world = np.asarray(self.world, dtype=np.float64).reshape(n, NUM_LANDMARKS, 3)
        self.channels = {k: np.asarray(v, dtype=np.float64).reshape(n) for k, v in self.channels.items()}
        if np.any(np.isnan(self.t_ms)):
            raise ValueError("PoseTrack timestamps must all be known")
        if n > 1 and np.any(np.diff(self.t_ms) <= 0):
            raise ValueError("PoseTrack timestamps must increase strictly")

    # -- construction -----------------------------------------------------
    @classmethod
    def empty(cls, t_ms: Iterable[float], size: tuple[int, int] | None = None) -> PoseTrack:
        """A track of the given timestamps with no person in any frame."""
        t = np.asarray(list(t_ms), dtype=np.float64)
        n = len(t)
        return cls(
            t_ms=t,
            image=np.full((n, NUM_LANDMARKS, 3), np.nan),
            visibility=np.full((n, NUM_LANDMARKS), np.nan),
            world=np.full((n, NUM_LANDMARKS, 3), np.nan),
            size=size,
        )

    @classmethod
    def concat(cls, parts: list[PoseTrack]) -> PoseTrack:
        """Join tracks in time order (e.g. the chunks of a parallel analysis).

        A channel some part lacks (no mask measured in a chunk where nobody was found) is NaN there.
        """
        if not parts:
            raise ValueError("nothing to concatenate")
        first = parts[0]
        names = sorted({k for p in parts for k in p.channels})
        return cls(
            t_ms=np.concatenate([p.t_ms for p in parts]),
            image=np.concatenate([p.image for p in parts]),
            visibility=np.concatenate([p.visibility for p in parts]),
            world=np.concatenate([p.world for p in parts]),
            size=first.size,
            channels={
                k: np.concatenate([p.channels.get(k, np.full(len(p), np.nan)) for p in parts]) for k in names
            },
            meta=dict(first.meta),
        )

    # -- access -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.t_ms)

    def __getitem__(self, index: slice | np.ndarray) -> PoseTrack:
        """A slice (or boolean/integer selection) of frames is again a track."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1)
        return PoseTrack(
            t_ms=self.t_ms[index],
            image=self.image[index],
            visibility=self.visibility[index],
            world=self.world[index],
            size=self.size,
            channels={k: v[index] for k, v in self.channels.items()},
            meta=dict(self.meta),
        )

    @property
    def has_pose(self) -> np.ndarray:
        """(T,) bool: frames in which a person was found."""
        return ~np.all(np.isnan(self.image[:, :, 0]), axis=1)

    @property
    def has_world(self) -> bool:
        return bool(np.any(~np.isnan(self.world)))

    @property
    def fps(self) -> float:
        """Median frame rate of the track (0 for fewer than two frames)."""
        if len(self) < 2:
            return 0.0
        return float(1000.0 / np.median(np.diff(self.t_ms)))

    @property
    def duration_ms(self) -> float:
        if len(self) == 0:
            return 0.0
        step = 1000.0 / self.fps if self.fps else 0.0
        return float(self.t_ms[-1] - self.t_ms[0] + step)
