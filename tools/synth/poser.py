"""Turns segment rotations into a body standing, lying or leaning on the floor.

Exercises describe a pose as world rotations of segments; this module does
the bookkeeping they share: forward kinematics of bone heads without the mesh
(cheap, for solving constraints), the vertex groups that touch the floor, and
solving the body's pitch so that two contacts (toes and forearms, toes and
hands) rest on the floor together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tools.synth.kinematics import rx
from tools.synth.rig import Body, Posed

Rotations = dict[str, np.ndarray]

SPINE = ("spine05", "spine04", "spine03", "spine02", "spine01")
LUMBAR = ("spine05", "spine04")
THORACIC = ("spine03", "spine02", "spine01")
NECK = ("neck01", "neck02", "neck03", "head")


@dataclass(frozen=True)
class Placed:
    """A posed body moved into the room (floor at z=0), in Anny axes; ``bar`` is the centre of the barbell it
    holds (lying along X), if any."""

    vertices: np.ndarray
    heads: np.ndarray
    landmarks: np.ndarray
    bar: np.ndarray | None = None

    def shifted(self, offset: np.ndarray) -> Placed:
        bar = None if self.bar is None else self.bar + offset
        return Placed(self.vertices + offset, self.heads + offset, self.landmarks + offset, bar)


class Poser:
    """Poses one body and places it; knows its segment lengths and contact vertex groups."""

    def __init__(self, body: Body) -> None:
        self.body = body
        names = body.bones
        part = np.asarray([names[i] for i in body.part_of_vertex])
        self.groups = {
            "feet": _match(part, ("foot", "toe")),
            "toes": _match(part, ("toe",)),
            "forearms": _match(part, ("lowerarm",)),
            "hands": _match(part, ("wrist", "finger", "metacarpal")),
            "upper_back": _match(part, ("spine01", "spine02", "clavicle", "shoulder01")),
            "pelvis": _match(part, ("root", "pelvis", "spine05")),
        }
        h = self.head
        self.thigh = np.linalg.norm(h("upperleg01.L") - h("lowerleg01.L"))
        self.shin = np.linalg.norm(h("lowerleg01.L") - h("foot.L"))
        self.upper_arm = np.linalg.norm(h("upperarm01.L") - h("lowerarm01.L"))
        self.forearm = np.linalg.norm(h("lowerarm01.L") - h("wrist.L"))
        self.ankle_height = float(h("foot.L")[2] - body.floor_offset)

    def head(self, bone: str) -> np.ndarray:
        """Rest position of a bone's head."""
        return self.body.rest_heads[self.body.index[bone]]

    def rest_dir(self, a: str, b: str) -> np.ndarray:
        """Rest (y, z) direction from bone head a to bone head b."""
        d = self.head(b) - self.head(a)
        return d[1:] / np.linalg.norm(d[1:])

    def fk_heads(self, rotations: Rotations) -> np.ndarray:
        """Posed bone heads (B, 3) from world rotations, without skinning (head_c = head_p + G_p (rest_c - rest_p))."""
        body = self.body
        rest = body.rest_heads
        out = np.empty_like(rest)
        g = [np.eye(3)] * len(rest)
        for i, name in enumerate(body.bones):
            p = body.parents[i]
            g_parent = g[p] if i > 0 else np.eye(3)
            g[i] = rotations.get(name, g_parent)
            out[i] = rest[i] if i == 0 else out[p] + g[p] @ (rest[i] - rest[p])
        return out

    def skin(self, rotations: Rotations) -> Placed:
        posed: Posed = self.body.pose(rotations)
        return Placed(posed.vertices, posed.heads, posed.landmarks)

    def lowest(self, placed: Placed, group: str) -> float:
        return float(placed.vertices[self.groups[group], 2].min())

    def on_floor(self, placed: Placed, anchor: np.ndarray, anchor_bone: str, group: str | None = None) -> Placed:
        """Shift so ``group`` (or the whole body) touches z=0 and ``anchor_bone``'s head sits at ``anchor`` (x, y)."""
        z = self.lowest(placed, group) if group else float(placed.vertices[:, 2].min())
        head = placed.heads[self.body.index[anchor_bone]]
        return placed.shifted(np.array([anchor[0] - head[0], anchor[1] - head[1], -z]))

    def solve_pitch(
        self,
        make: Callable[[float], Rotations],
        pitch0: float,
        gap: Callable[[Placed], float],
        lever: float,
        iterations: int = 4,
    ) -> tuple[Placed, float]:
        """Newton on the body pitch until ``gap(placed)`` (metres) is ~0; a positive gap raises the pitch.

        ``make(pitch)`` builds the rotations; ``gap`` gets the skinned body as
        posed (not yet moved onto the floor); ``lever`` (m) turns a height gap
        into an angle.  Returns the skinned body and the pitch, to warm-start
        the next frame.
        """
        pitch = pitch0
        placed = self.skin(make(pitch))
        for _ in range(iterations):
            g = gap(placed)
            if abs(g) < 0.002:
                break
            pitch += float(np.degrees(np.arctan2(g, lever)))
            placed = self.skin(make(pitch))
        return placed, pitch


def spine_rotations(pelvis_pitch: float, lumbar: float, thoracic: float, neck: float = 0.0) -> Rotations:
    """World rotations of pelvis, spine and neck: bends (deg, + = flexion) spread evenly over their bones."""
    out: Rotations = {"root": rx(pelvis_pitch)}
    angle = pelvis_pitch
    for bones, bend in ((LUMBAR, lumbar), (THORACIC, thoracic), (NECK, neck)):
        for bone in bones:
            angle += bend / len(bones)
            out[bone] = rx(angle)
    return out


def _match(part: np.ndarray, prefixes: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(len(part), dtype=bool)
    for prefix in prefixes:
        mask |= np.char.startswith(part.astype(str), prefix)
    return np.flatnonzero(mask)
