"""Small geometry helpers: rotations, smooth timing and sagittal two-link IK.

Sign convention (Anny axes, Z up, -Y forward, +X the body's left): a positive
``pitch`` rotates a segment about +X, which tips an upright segment forward
(trunk flexion) and swings a hanging segment backward (hip extension, knee
flexion).
"""

from __future__ import annotations

import math

import numpy as np


def rx(deg: float) -> np.ndarray:
    """Rotation about +X (sagittal pitch)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def ry(deg: float) -> np.ndarray:
    """Rotation about +Y (frontal plane: arm abduction/adduction)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rz(deg: float) -> np.ndarray:
    """Rotation about +Z (vertical axis)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def min_jerk(u: float) -> float:
    """Minimum-jerk position profile on [0, 1]: zero velocity and acceleration at both ends."""
    u = min(max(u, 0.0), 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def smoothstep(edge0: float, edge1: float, x: float) -> float:
    """0 below edge0, 1 above edge1, a smooth ramp between (for error envelopes)."""
    if edge1 <= edge0:
        return float(x >= edge1)
    return min_jerk((x - edge0) / (edge1 - edge0))


def lerp(a: float, b: float, u: float) -> float:
    return a + (b - a) * u


def pitch_of(direction_yz: np.ndarray, rest_yz: np.ndarray) -> float:
    """Pitch (deg, about +X) that turns ``rest_yz`` into ``direction_yz`` (both (y, z))."""
    a = math.atan2(rest_yz[1], rest_yz[0])
    b = math.atan2(direction_yz[1], direction_yz[0])
    return math.degrees(b - a)


def _chain(d: np.ndarray, l1: float, l2: float) -> tuple[float, float, np.ndarray]:
    """A two-link chain spanning ``d``: the middle joint's distance along it, off it, and its direction
    (out-of-reach targets straighten the chain)."""
    dist = float(np.linalg.norm(d))
    dist_c = min(max(dist, abs(l1 - l2) + 1e-6), l1 + l2 - 1e-6)
    a = (l1 * l1 - l2 * l2 + dist_c * dist_c) / (2.0 * dist_c)
    return a, math.sqrt(max(l1 * l1 - a * a, 0.0)), d / max(dist, 1e-9)


def two_link(root: np.ndarray, target: np.ndarray, l1: float, l2: float, bend: float) -> np.ndarray:
    """Middle joint (y, z) of a two-link chain from ``root`` to ``target`` in the sagittal plane.

    ``bend`` (+1 or -1) picks the side: the joint lies off the root->target
    line toward that line's direction turned +90 degrees in the (y, z) plane
    for +1, -90 degrees for -1.  Out-of-reach targets straighten the chain.
    """
    a, h, u = _chain(target - root, l1, l2)
    normal = np.array([-u[1], u[0]])  # u rotated +90 degrees in the (y, z) plane
    return root + a * u + bend * h * normal


def two_link_toward(root: np.ndarray, target: np.ndarray, l1: float, l2: float, pole: np.ndarray) -> np.ndarray:
    """Middle joint (3D) of a two-link chain from ``root`` to ``target``, bent toward the direction ``pole``
    (an elbow pointing down and back). Out-of-reach targets straighten the chain."""
    a, h, u = _chain(target - root, l1, l2)
    side = np.asarray(pole, dtype=float) - float(np.dot(pole, u)) * u
    return root + a * u + h * side / np.linalg.norm(side)


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC in degrees (3D points)."""
    u, v = a - b, c - b
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-12))
    return math.degrees(math.acos(min(max(cos, -1.0), 1.0)))
