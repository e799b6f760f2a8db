"""Clothing, skin, lighting and room, drawn from a seed.

Clothes are painted per vertex from the bone that moves the vertex most: a
top over trunk and upper arms (sleeves optional), shorts or trousers, shoes.
"""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass

import numpy as np

from tools.synth.raster import Lighting, Room

_SKIN = ((0.94, 0.78, 0.67), (0.86, 0.66, 0.52), (0.72, 0.52, 0.38), (0.55, 0.38, 0.27), (0.38, 0.26, 0.19))


@dataclass(frozen=True)
class Look:
    skin: tuple[float, float, float]
    top: tuple[float, float, float]
    bottom: tuple[float, float, float]
    shoes: tuple[float, float, float]
    hair: tuple[float, float, float]
    long_sleeves: bool
    long_pants: bool

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def random_look(rng: np.random.Generator) -> Look:
    def colour(sat: tuple[float, float], val: tuple[float, float]) -> tuple[float, float, float]:
        h, s, v = rng.uniform(0, 1), rng.uniform(*sat), rng.uniform(*val)
        return tuple(round(c, 3) for c in colorsys.hsv_to_rgb(h, s, v))

    return Look(
        skin=_SKIN[int(rng.integers(len(_SKIN)))],
        top=colour((0.3, 0.9), (0.3, 0.9)),
        bottom=colour((0.1, 0.6), (0.12, 0.5)),
        shoes=colour((0.0, 0.4), (0.2, 0.95)),
        hair=colour((0.2, 0.6), (0.05, 0.35)),
        long_sleeves=bool(rng.random() < 0.35),
        long_pants=bool(rng.random() < 0.5),
    )


def random_lighting(rng: np.random.Generator) -> Lighting:
    az = rng.uniform(0, 2 * np.pi)
    el = rng.uniform(0.5, 1.3)
    key_dir = (float(np.cos(az) * np.cos(el)), float(np.sin(az) * np.cos(el)), float(np.sin(el)))
    return Lighting(
        key_dir=tuple(round(c, 3) for c in key_dir),
        key=round(float(rng.uniform(0.55, 0.95)), 3),
        fill_dir=(round(-key_dir[0], 3), round(-key_dir[1], 3), 0.4),
        fill=round(float(rng.uniform(0.15, 0.4)), 3),
        ambient=round(float(rng.uniform(0.15, 0.35)), 3),
    )


def random_room(rng: np.random.Generator) -> Room:
    base = rng.uniform(0.35, 0.9)
    tint = rng.uniform(-0.06, 0.06, size=3)
    wall = tuple(round(float(np.clip(base + t, 0, 1)), 3) for t in tint)
    floor_v = rng.uniform(0.2, 0.55)
    fh = rng.uniform(0.05, 0.12)
    fa = tuple(round(c, 3) for c in colorsys.hsv_to_rgb(fh, rng.uniform(0.1, 0.5), floor_v))
    fb = tuple(round(c * 0.9, 3) for c in fa)
    return Room(
        wall_top=wall,
        wall_bottom=tuple(round(c * 0.8, 3) for c in wall),
        floor_a=fa,
        floor_b=fb,
        tile=round(float(rng.uniform(0.3, 1.0)), 3),
    )


def vertex_colours(bones: list[str], part_of_vertex: np.ndarray, rest_vertices: np.ndarray, look: Look) -> np.ndarray:
    """Per-vertex RGB (V, 3) for a look."""
    names = np.asarray(bones, dtype=str)[part_of_vertex]
    out = np.tile(np.asarray(look.skin), (len(names), 1))

    def paint(prefixes: tuple[str, ...], rgb: tuple[float, float, float]) -> None:
        mask = np.zeros(len(names), dtype=bool)
        for prefix in prefixes:
            mask |= np.char.startswith(names, prefix)
        out[mask] = rgb

    top = ("spine01", "spine02", "spine03", "spine04", "clavicle", "shoulder01", "upperarm")
    paint(top + (("lowerarm",) if look.long_sleeves else ()), look.top)
    bottom = ("root", "pelvis", "spine05", "upperleg")
    paint(bottom + (("lowerleg",) if look.long_pants else ()), look.bottom)
    paint(("foot", "toe"), look.shoes)
    paint(("eye",), (0.08, 0.06, 0.05))
    # Hair: head vertices above the ears and behind the hairline.
    head = names == "head"
    if head.any():
        z = rest_vertices[:, 2]
        y = rest_vertices[:, 1]
        zh = z[head]
        cut = zh.min() + 0.62 * (zh.max() - zh.min())
        out[head & ((z > cut) | ((y > np.median(y[head])) & (z > zh.min() + 0.35 * (zh.max() - zh.min()))))] = look.hair
    return out
