"""A still pinhole camera placed by yaw, height and distance around the athlete.

Yaw 0 looks at the body's sagittal plane square on (a pure side view), 90
would face the athlete; ``side`` says which of the body's sides is nearer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    eye: np.ndarray  # (3,) world position
    target: np.ndarray  # (3,) world point at the image centre
    fov_y_deg: float
    width: int
    height: int
    near: float = 0.05
    far: float = 30.0

    @property
    def view(self) -> np.ndarray:
        """World -> camera (OpenGL: x right, y up, looking down -z), 4x4."""
        f = self.target - self.eye
        f = f / np.linalg.norm(f)
        up = np.array([0.0, 0.0, 1.0])
        r = np.cross(f, up)
        r = r / np.linalg.norm(r)
        u = np.cross(r, f)
        m = np.eye(4)
        m[0, :3], m[1, :3], m[2, :3] = r, u, -f
        m[:3, 3] = -m[:3, :3] @ self.eye
        return m

    @property
    def projection(self) -> np.ndarray:
        """OpenGL perspective matrix, 4x4."""
        t = 1.0 / math.tan(math.radians(self.fov_y_deg) / 2.0)
        aspect = self.width / self.height
        n, f = self.near, self.far
        return np.array(
            [
                [t / aspect, 0.0, 0.0, 0.0],
                [0.0, t, 0.0, 0.0],
                [0.0, 0.0, -(f + n) / (f - n), -2.0 * f * n / (f - n)],
                [0.0, 0.0, -1.0, 0.0],
            ]
        )

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (N,3) in MediaPipe-style camera axes: x right, y down, z forward (metres)."""
        p = points @ self.view[:3, :3].T + self.view[:3, 3]
        return p * np.array([1.0, -1.0, -1.0])

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (N,3) -> (N,3): x, y normalised to [0, 1] image coords, depth in metres."""
        c = self.to_camera(points)
        t = 1.0 / math.tan(math.radians(self.fov_y_deg) / 2.0)
        aspect = self.width / self.height
        x = 0.5 + 0.5 * (t / aspect) * c[:, 0] / c[:, 2]
        y = 0.5 + 0.5 * t * c[:, 1] / c[:, 2]
        return np.stack([x, y, c[:, 2]], axis=1)


def place(
    bounds_min: np.ndarray,
    bounds_max: np.ndarray,
    yaw_deg: float,
    side: str,
    height_m: float,
    width: int,
    height: int,
    fov_y_deg: float = 55.0,
    fill: float = 0.8,
) -> Camera:
    """Camera aimed at the box the athlete sweeps over the clip, far enough that it fills ``fill`` of the frame.

    The body's sagittal plane is the world Y-Z plane; side "left" puts the
    camera on +X (the body's left), and positive yaw swings it toward the
    front (-Y), which is also the head's side for floor exercises.
    """
    centre = (bounds_min + bounds_max) / 2.0
    size = bounds_max - bounds_min
    sign = 1.0 if side == "left" else -1.0
    a = math.radians(yaw_deg)
    direction = np.array([sign * math.cos(a), -math.sin(a), 0.0])  # from target to camera, horizontal
    # Extent seen across the image: the box's horizontal width perpendicular to the view, and its height.
    across = abs(size[0] * math.sin(a)) + abs(size[1] * math.cos(a))
    t = math.tan(math.radians(fov_y_deg) / 2.0)
    aspect = width / height
    dist_h = size[2] / 2.0 / (t * fill)
    dist_w = across / 2.0 / (t * aspect * fill)
    depth_half = abs(size[0] * math.cos(a)) / 2.0 + abs(size[1] * math.sin(a)) / 2.0
    distance = max(dist_h, dist_w, 1.0) + depth_half
    target = centre.copy()
    eye = target + direction * distance
    eye[2] = height_m
    return Camera(eye=eye, target=target, fov_y_deg=fov_y_deg, width=width, height=height)
