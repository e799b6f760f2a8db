"""Absolute spine angles per side-view frame, from the back's outline and the landmarks.

MediaPipe has no spine landmarks, and the outline's hand-made geometry
(back_outline.py) only moves *relative* to the same person: a pelvis that
tucks under on every rep, or a back rounded from the first pull, leaves it
nothing to compare with. This estimator reads absolute angles instead:

- ``lumbar_flexion_deg``: the lumbar spine's bend beyond neutral (+ rounded, - arched);
- ``thoracic_flexion_deg``: the same for the upper back;
- ``pelvic_tilt_deg``: the pelvis's pitch in the room against standing (+ tipped
  forward, - tucked under), so a hinge reads high and a butt wink lowers it.

Each comes with a standard deviation (the model's own, learnt with a Gaussian
likelihood) and the frame with a quality in 0..1 that is 0 when it cannot
tell (no outline, turned too far from side-on, inputs unlike any rendered
body). The model is a small convolutional net (numpy at run time, about 2 M
multiply-adds a frame) trained on rendered athletes (tools/synth, tools/spine):
its inputs are the mask drawn in the shoulder-hip chord's frame (a 33 x 35
grid, back_outline.chord_grid), the dorsal and ventral profiles of the mask
along the chord and the landmarks in the chord's frame, all in chord lengths,
so the figure's size in the frame does not matter. The grid is what reads a
pelvis tucking under at the bottom of a squat, which the profiles' first edges
mostly miss (tools/spine/README.md). No second, higher-resolution pass is made for small
figures: the pose model already computes its mask on a 256 px crop around
the person, so the mask has as much detail as the person has pixels (the
held-out table breaks the error down by figure size; under a 24 px trunk,
back_outline.MIN_CHORD_PX, nothing is estimated). Accuracy on held-out
renders is in tools/spine/README.md; on real video it has never seen a
labelled frame, so rules compare a frame with the same person standing
(biases of body and clothing cancel).
"""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from analyzer.landmarks import INDEX
from analyzer.pose.model import spine_model_path

OUTPUTS: tuple[str, ...] = ("lumbar_flexion_deg", "thoracic_flexion_deg", "pelvic_tilt_deg")
# Track channels this module adds, in a stable order (features see them as ``img_spine_*``).
CHANNELS: tuple[str, ...] = (
    tuple(f"spine_{k}" for k in OUTPUTS) + tuple(f"spine_{k[:-4]}_sd_deg" for k in OUTPUTS) + ("spine_quality",)
)

# Landmarks the model sees in the chord's frame: near-side limbs and head, far-side trunk (the body's turn).
NEAR_POINTS = ("knee", "ankle", "ear", "elbow", "wrist")
FAR_POINTS = ("shoulder", "hip", "knee")
VENTRAL_STEP = 4  # every 4th ray on the front side: its shape matters less than its thickness
MIN_FOUND = 0.6  # share of the back's rays that must find the outline
# Share of the front's rays that must find it: less, since at the bottom of a deadlift the thighs, the arms and
# a bar's plates lie against the belly (a real barbell deadlift's bottoms trace 0.46-0.62 of it) and the net
# reads the trunk's thickness from the grid anyway; the gaps are filled from the rays on either side.
MIN_VENTRAL_FOUND = 0.3
MAX_SPREAD = 0.55  # shoulders farther apart than this (chord lengths): not a side view
# Inputs this many times further out than the training set's 99th percentile: no answer (full trust up to one
# less). Real bodies sit further out than renders (fuller buttocks: 1.5-2.6 on a real deadlift), a barbell's
# plates on the shoulders far more (16 on a loaded back squat).
OOD_FACTOR = 3.0


@dataclass(frozen=True)
class ChordFrame:
    """The near side's shoulder-hip chord in pixels: origin at the shoulder, ``u`` toward the hip,
    ``back`` the chord's normal on the back's side, ``length`` in px; ``spread`` is the far
    shoulder's distance from the near one in chord lengths (0 side-on, ~0.8 from the front)."""

    shoulder: np.ndarray
    u: np.ndarray
    back: np.ndarray
    length: float
    near: str
    spread: float

    def coords(self, points: np.ndarray) -> np.ndarray:
        """Pixel points (N, 2) as (along the chord, toward the back), in chord lengths."""
        d = (np.asarray(points, dtype=np.float64) - self.shoulder) / self.length
        return np.stack([d @ self.u, d @ self.back], axis=-1)


@dataclass(frozen=True)
class SpineInputs:
    """What the estimator sees of one frame: profiles (chord lengths, NaN where the ray found no
    edge) on a shared grid of positions along the chord, and the landmarks in pixels."""

    frame: ChordFrame
    dorsal: np.ndarray
    dorsal_sharpness: np.ndarray
    ventral: np.ndarray
    xy: np.ndarray
    grid: np.ndarray  # each cell's share inside the body, in the chord's frame (back_outline.chord_grid)


def features(inputs: SpineInputs) -> np.ndarray | None:
    """The model's input vector, or None when too little of the back was traced."""
    dorsal, ventral = inputs.dorsal, inputs.ventral[::VENTRAL_STEP]
    found = float(np.isfinite(dorsal).mean())
    if found < MIN_FOUND or np.isfinite(ventral).mean() < MIN_VENTRAL_FOUND:
        return None
    f = inputs.frame
    far = "right" if f.near == "left" else "left"
    names = [f"{f.near}_{p}" for p in NEAR_POINTS] + [f"{far}_{p}" for p in FAR_POINTS] + ["nose"]
    points = f.coords(inputs.xy[[INDEX[n] for n in names]]).ravel()
    if not np.all(np.isfinite(points)):
        return None
    trunk = -f.u  # hip -> shoulder
    front_x = -f.back[0]
    lean = math.atan2(trunk[0] * (1.0 if front_x >= 0 else -1.0), -trunk[1])
    # Not the edge's sharpness: real masks are softer than rendered ones (8 training sds on a real deadlift).
    return np.concatenate([_filled(dorsal), _filled(ventral), points, [math.sin(lean), math.cos(lean), f.spread, found]])


@dataclass(frozen=True)
class SpineModel:
    """A small convolutional net on the mask in the chord's frame beside an MLP branch on the profile features,
    per output a mean and a log-sd (tools/spine/README.md). Layers: three 3x3 convolutions (ReLU, the first two
    max-pooled by 2, the last average-pooled to 4 x 4), a dense layer of the flattened maps; the profiles through
    a dense layer; both into a two-layer head."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    convs: tuple[tuple[np.ndarray, np.ndarray], ...]  # (out, in, 3, 3) weights and biases
    dense: tuple[tuple[np.ndarray, np.ndarray], ...]  # (in, out) weights and biases: maps, profiles, head, head
    y_mean: np.ndarray
    y_scale: np.ndarray
    # Out-of-distribution test on the profile features: standardised inputs whitened with the training inputs'
    # (shrunk) covariance, so a coherent bend of the whole profile (a rounded back: many correlated inputs move
    # together) stays near, while a bar's plates on the shoulders (a few inputs far off their usual relation) do not.
    whiten: np.ndarray
    ood_limit: float  # the training inputs' 99th percentile of mean squared whitened z

    @classmethod
    def load(cls, path: Path) -> SpineModel:
        with np.load(path) as z:
            convs = tuple((z[f"conv{i}_w"].astype(np.float32), z[f"conv{i}_b"].astype(np.float32))
                          for i in range(int(z["convs"])))
            dense = tuple((z[f"dense{i}_w"], z[f"dense{i}_b"]) for i in range(int(z["dense"])))
            return cls(z["x_mean"], z["x_scale"], convs, dense, z["y_mean"], z["y_scale"], z["whiten"],
                       float(z["ood_limit"]))

    def save(self, path: Path) -> None:
        arrays = {f"conv{i}_{k}": a for i, wb in enumerate(self.convs) for k, a in zip("wb", wb)}
        arrays |= {f"dense{i}_{k}": a for i, wb in enumerate(self.dense) for k, a in zip("wb", wb)}
        np.savez(path, convs=len(self.convs), dense=len(self.dense), x_mean=self.x_mean, x_scale=self.x_scale,
                 y_mean=self.y_mean, y_scale=self.y_scale, whiten=self.whiten, ood_limit=self.ood_limit, **arrays)

    def predict(self, x: np.ndarray, grid: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Means and sds (N, 3) in degrees from profile features (N, F) and grids (N, T, D), and each
        row's distance from the training inputs (1 = the 99th percentile seen in training)."""
        z = (np.atleast_2d(x) - self.x_mean) / self.x_scale
        grids = np.asarray(grid, dtype=np.float32).reshape(len(z), 1, *np.shape(grid)[-2:])
        with _one_blas_thread():
            out = np.concatenate([self._forward(z[i:i + batch], grids[i:i + batch]) for i in range(0, len(z), batch)])
        k = len(self.y_mean)
        mean = out[:, :k] * self.y_scale + self.y_mean
        sd = np.exp(np.clip(out[:, k:], -6.0, 6.0)) * self.y_scale
        return mean, sd, np.mean((z @ self.whiten) ** 2, axis=1) / self.ood_limit

    def _forward(self, z: np.ndarray, grids: np.ndarray) -> np.ndarray:
        h = grids
        for i, (w, b) in enumerate(self.convs):
            h = np.maximum(_conv3x3(h, w, b), 0.0)
            h = _max_pool2(h) if i < len(self.convs) - 1 else _average_pool(h, 4)
        maps, profiles, hidden, last = self.dense
        h = np.maximum(h.reshape(len(h), -1) @ maps[0] + maps[1], 0.0)
        p = np.maximum(z @ profiles[0] + profiles[1], 0.0)
        h = np.maximum(np.concatenate([h, p], axis=1) @ hidden[0] + hidden[1], 0.0)
        return h @ last[0] + last[1]


def _conv3x3(h: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Same-size 3x3 convolution (cross-correlation, as torch's Conv2d) of (N, C, H, W) maps: the nine shifted
    copies stacked along the channels, then one matrix product."""
    n, c, height, width = h.shape
    padded = np.zeros((n, c, height + 2, width + 2), h.dtype)
    padded[:, :, 1:-1, 1:-1] = h
    shifted = np.empty((9, c, n, height, width), h.dtype)  # (row, column) shift, channel: the kernel's order
    for k in range(9):
        i, j = divmod(k, 3)
        shifted[k] = padded[:, :, i:i + height, j:j + width].transpose(1, 0, 2, 3)
    kernel = w.transpose(0, 2, 3, 1).reshape(len(w), 9 * c)
    out = kernel @ shifted.reshape(9 * c, n * height * width)
    return out.reshape(len(w), n, height, width).transpose(1, 0, 2, 3) + b[:, None, None]


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """BLAS on this thread only while the net runs: a frame's products are small, and OpenBLAS's own threads
    would spin beside the pose model's (formfit__deadlift: the spine path cost 1.35 times the model with them).
    One thread halves the net's time against numpy's einsum loop (0.31 against 0.69 ms a frame)."""
    return _blas().limit(limits=1, user_api="blas")


def _max_pool2(h: np.ndarray) -> np.ndarray:
    """2 x 2 max-pooling, an odd last row or column dropped (torch's MaxPool2d(2))."""
    height, width = h.shape[2] // 2 * 2, h.shape[3] // 2 * 2
    h = h[:, :, :height, :width]
    return np.maximum(np.maximum(h[:, :, 0::2, 0::2], h[:, :, 0::2, 1::2]),
                      np.maximum(h[:, :, 1::2, 0::2], h[:, :, 1::2, 1::2]))


def _average_pool(h: np.ndarray, size: int) -> np.ndarray:
    """torch's AdaptiveAvgPool2d: bin i spans floor(i H / size) to ceil((i + 1) H / size)."""
    n, c, height, width = h.shape
    if height % size == 0 and width % size == 0:
        return h.reshape(n, c, size, height // size, size, width // size).mean(axis=(3, 5))
    rows = [(i * height // size, -(-(i + 1) * height // size)) for i in range(size)]
    cols = [(j * width // size, -(-(j + 1) * width // size)) for j in range(size)]
    return np.stack([np.stack([h[:, :, r0:r1, c0:c1].mean(axis=(2, 3)) for c0, c1 in cols], axis=-1)
                     for r0, r1 in rows], axis=-2)


@functools.cache
def shipped_model() -> SpineModel | None:
    """The model in the package, checked against its pin (analyzer.pose.model.SPINE_MODEL_SHA256)
    once per process; None without a valid one (the spine channels are then NaN)."""
    path = spine_model_path()
    return SpineModel.load(path) if path is not None else None


def nan_channels() -> dict[str, float]:
    return {k: math.nan for k in CHANNELS}


def estimate(inputs: SpineInputs | None, model: SpineModel | None = None) -> dict[str, float]:
    """Track channels (``spine_<angle>``, ``spine_<angle>_sd``, ``spine_quality``) for one frame."""
    out = nan_channels()
    model = model or shipped_model()
    if inputs is None or model is None or inputs.frame.spread > MAX_SPREAD:
        return out
    x = features(inputs)
    if x is None:
        return out
    mean, sd, far_out = model.predict(x, inputs.grid[np.newaxis])
    quality = float(np.isfinite(inputs.dorsal).mean()) * max(0.0, 1.0 - (inputs.frame.spread / MAX_SPREAD) ** 2)
    quality *= float(np.clip(OOD_FACTOR - far_out[0], 0.0, 1.0))
    for i, key in enumerate(OUTPUTS):
        out[f"spine_{key}"] = round(float(mean[0, i]), 2)
        out[f"spine_{key[:-4]}_sd_deg"] = round(float(sd[0, i]), 2)
    out["spine_quality"] = round(quality, 3)
    return out


def _filled(profile: np.ndarray) -> np.ndarray:
    """NaN gaps filled by linear interpolation (nearest value past the ends)."""
    good = np.isfinite(profile)
    x = np.arange(len(profile))
    return np.interp(x, x[good], profile[good])
