"""Scene props as plain meshes for the renderer (``Renderer.draw(extra=...)``): boxes, and benches built of them.

A box has four vertices of its own per face, so that the renderer's
area-weighted vertex normals come out flat per face (hard edges).
"""

from __future__ import annotations

import numpy as np

Mesh = tuple[np.ndarray, np.ndarray, np.ndarray]  # vertices (V, 3), faces (F, 3), colours (V, 3) in 0-1

# Per face of the unit cube: the corner signs, counter-clockwise seen from outside.
_FACES = (
    ((1, -1, -1), (1, 1, -1), (1, 1, 1), (1, -1, 1)),
    ((-1, 1, -1), (-1, -1, -1), (-1, -1, 1), (-1, 1, 1)),
    ((1, 1, -1), (-1, 1, -1), (-1, 1, 1), (1, 1, 1)),
    ((-1, -1, -1), (1, -1, -1), (1, -1, 1), (-1, -1, 1)),
    ((-1, -1, 1), (1, -1, 1), (1, 1, 1), (-1, 1, 1)),
    ((-1, 1, -1), (1, 1, -1), (1, -1, -1), (-1, -1, -1)),
)


def box(centre: np.ndarray, half: np.ndarray, rotation: np.ndarray, colour: tuple[float, float, float]) -> Mesh:
    """A box of half-extents ``half`` along the columns of ``rotation``, centred on ``centre`` (world, m)."""
    corners = np.asarray(_FACES, dtype=float).reshape(-1, 3) * np.asarray(half, dtype=float)
    vertices = corners @ np.asarray(rotation, dtype=float).T + np.asarray(centre, dtype=float)
    quads = np.arange(24).reshape(6, 4)
    faces = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]).astype(np.int32)
    colours = np.tile(np.asarray(colour, dtype=float), (len(vertices), 1))
    return vertices, faces, colours


def beam(a: np.ndarray, b: np.ndarray, width: float, thickness: float, colour: tuple[float, float, float],
         across: np.ndarray = np.array([1.0, 0.0, 0.0])) -> Mesh:
    """A box from point ``a`` to point ``b``, ``width`` along ``across`` (made square to the beam) and ``thickness``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    along = (b - a) / np.linalg.norm(b - a)
    side = across - np.dot(across, along) * along
    side = side / np.linalg.norm(side)
    normal = np.cross(side, along)  # a right-handed frame keeps the faces wound outward
    rotation = np.stack([side, along, normal], axis=1)
    half = np.array([width / 2, np.linalg.norm(b - a) / 2, thickness / 2])
    return box((a + b) / 2, half, rotation, colour)
