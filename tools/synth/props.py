"""Scene props as plain meshes for the renderer (``Renderer.draw(extra=...)``): boxes, benches built of them,
cylinders and a loaded barbell.

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


def cylinder(a: np.ndarray, b: np.ndarray, radius: float, colour: tuple[float, float, float], sides: int = 24) -> Mesh:
    """A closed cylinder from ``a`` to ``b``: a smooth side and two flat caps (their own vertices, hard rims)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    axis = (b - a) / np.linalg.norm(b - a)
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    theta = 2.0 * np.pi * np.arange(sides) / sides
    ring = radius * (np.cos(theta)[:, None] * u + np.sin(theta)[:, None] * v)
    k = np.arange(sides)
    k1 = (k + 1) % sides
    side = np.concatenate([a + ring, b + ring])
    side_faces = np.concatenate([np.stack([k, k1, sides + k1], 1), np.stack([k, sides + k1, sides + k], 1)])
    caps, cap_faces = [], []
    for centre, outward in ((a, False), (b, True)):
        start = len(side) + sum(len(c) for c in caps)
        caps.append(np.concatenate([centre[None], centre + ring]))
        pair = (1 + k, 1 + k1) if outward else (1 + k1, 1 + k)  # counter-clockwise seen from outside
        cap_faces.append(start + np.stack([np.zeros(sides, int), *pair], 1))
    vertices = np.concatenate([side, *caps])
    faces = np.concatenate([side_faces, *cap_faces]).astype(np.int32)
    return vertices, faces, np.tile(np.asarray(colour, dtype=float), (len(vertices), 1))


# An Olympic barbell (m): 2.2 m long, its grip section 1.31 m between the inner collars, sleeves 5 cm thick.
BAR_HALF_LENGTH = 1.1
BAR_RADIUS = 0.014
SLEEVE_FROM = 0.655
SLEEVE_RADIUS = 0.025
STEEL = (0.62, 0.62, 0.64)


def barbell(centre: np.ndarray, plate_radius: float, plate_width: float,
            plate_colour: tuple[float, float, float]) -> list[Mesh]:
    """A loaded barbell lying along the room's X axis through ``centre``: bar, sleeves, a stack of plates a
    side (one disc ``plate_width`` thick) and a collar outside it."""
    centre = np.asarray(centre, dtype=float)
    x = np.array([1.0, 0.0, 0.0])
    meshes = [cylinder(centre - BAR_HALF_LENGTH * x, centre + BAR_HALF_LENGTH * x, BAR_RADIUS, STEEL)]
    for s in (-1.0, 1.0):
        inner = centre + s * SLEEVE_FROM * x
        plates_from = inner + s * 0.02 * x
        plates_to = plates_from + s * plate_width * x
        meshes += [
            cylinder(inner, centre + s * BAR_HALF_LENGTH * x, SLEEVE_RADIUS, STEEL),
            cylinder(inner, plates_from, 0.04, STEEL),  # the inner collar
            cylinder(plates_from, plates_to, plate_radius, plate_colour),
            cylinder(plates_to, plates_to + s * 0.03 * x, 0.035, STEEL),  # the clip holding the plates
        ]
    return meshes
