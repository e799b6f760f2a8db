"""Filling short gaps and smoothing landmark series.

Offline: a zero-phase Butterworth low-pass (scipy's ``sosfiltfilt``), the
standard in movement analysis because it removes jitter without shifting
events in time. Live: the One-Euro filter (Casiez et al., CHI 2012), causal
and adaptive: heavy smoothing when still, little lag when moving fast.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import butter, sosfiltfilt

# Human movement in strength exercises lives below ~6 Hz (Winter, Biomechanics
# and Motor Control of Human Movement); MediaPipe jitter is mostly above it.
DEFAULT_CUTOFF_HZ = 6.0
# Gaps up to this long are bridged by interpolation; longer ones stay NaN and
# are reported, since guessing a whole rep is worse than saying we lost it.
MAX_GAP_MS = 300.0


def nan_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index runs where ``mask`` is true."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def fill_short_gaps(t_ms: np.ndarray, series: np.ndarray, max_gap_ms: float = MAX_GAP_MS) -> np.ndarray:
    """Linear interpolation over interior NaN runs shorter than ``max_gap_ms`` (along axis 0)."""
    out = np.array(series, dtype=np.float64, order="C")  # C order: the reshaped view below writes into it
    flat = out.reshape(len(out), -1)
    for column in flat.T:
        missing = np.isnan(column)
        if not missing.any() or missing.all():
            continue
        known = np.flatnonzero(~missing)
        for start, stop in nan_runs(missing):
            if start == 0 or stop == len(column):
                continue  # never extrapolate past the ends
            if t_ms[stop] - t_ms[start - 1] > max_gap_ms:
                continue
            column[start:stop] = np.interp(t_ms[start:stop], t_ms[known], column[known])
    return out


BUTTERWORTH_ORDER = 2  # applied forward and backward: order 4 in effect, no phase shift
NYQUIST_SHARE = 0.4  # the cut-off never above this share of the sampling rate


def applied_cutoff_hz(t_ms: np.ndarray, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> float:
    """The cut-off :func:`lowpass` uses on this sampling: ``cutoff_hz``, capped below Nyquist."""
    if len(t_ms) < 2:
        return cutoff_hz
    return min(cutoff_hz, NYQUIST_SHARE * 1000.0 / float(np.median(np.diff(t_ms))))


def smoothing_settings(t_ms: np.ndarray, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> dict[str, object]:
    """What :func:`lowpass` and :func:`fill_short_gaps` do to a track sampled at ``t_ms``, for the report."""
    return {
        "filter": f"Butterworth order {BUTTERWORTH_ORDER}, zero-phase (forward and backward)",
        "cutoff_hz": round(applied_cutoff_hz(t_ms, cutoff_hz), 2),
        "gaps_bridged_up_to_ms": MAX_GAP_MS,
    }


def lowpass(t_ms: np.ndarray, series: np.ndarray, cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> np.ndarray:
    """Zero-phase low-pass along axis 0, run by run between NaN gaps.

    The cut-off is capped below the Nyquist rate of the (possibly strided)
    sampling. Runs too short for the filter's padding are left as they are.
    Columns with the same gaps are filtered together (one call per group),
    which keeps a 33-landmark track fast enough for live use.
    """
    out = np.array(series, dtype=np.float64, order="C")  # C order: the reshaped view below writes into it
    if len(t_ms) < 2:
        return out
    fs = 1000.0 / float(np.median(np.diff(t_ms)))
    sos = butter(BUTTERWORTH_ORDER, applied_cutoff_hz(t_ms, cutoff_hz), fs=fs, output="sos")
    flat = out.reshape(len(out), -1)
    pad = 3 * (2 * len(sos) + 1)
    known = ~np.isnan(flat)
    groups: dict[bytes, list[int]] = {}
    for j in range(flat.shape[1]):
        groups.setdefault(np.packbits(known[:, j]).tobytes(), []).append(j)
    for columns in groups.values():
        for start, stop in nan_runs(known[:, columns[0]]):
            if stop - start > pad:
                flat[start:stop, columns] = sosfiltfilt(sos, flat[start:stop, columns], axis=0)
    return out


class OneEuroFilter:
    """Causal adaptive low-pass for live streams; one instance per signal (any shape)."""

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.05, d_cutoff_hz: float = 1.0) -> None:
        self.min_cutoff = min_cutoff_hz
        self.beta = beta
        self.d_cutoff = d_cutoff_hz
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t_ms: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt_s: float) -> np.ndarray | float:
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt_s)

    def __call__(self, t_ms: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t_ms is None or t_ms <= self._t_ms:
            self._x, self._dx, self._t_ms = x.copy(), np.zeros_like(x), t_ms
            return x
        dt = (t_ms - self._t_ms) / 1000.0
        prev = np.where(np.isnan(self._x), x, self._x)  # a point that reappears starts fresh
        dx = (x - prev) / dt
        dx_hat = np.where(np.isnan(dx), 0.0, self._alpha(self.d_cutoff, dt) * dx + (1 - self._alpha(self.d_cutoff, dt)) * self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = self._alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * prev
        self._x, self._dx, self._t_ms = x_hat, dx_hat, t_ms
        return x_hat


def rate_over(t_ms: np.ndarray, series: np.ndarray, window_ms: float) -> np.ndarray:
    """(T,) how fast ``series`` changes, per second, either way: its slope over a window centred on each
    frame (shortened at the ends), on the frames where it is known; NaN throughout with under two known.
    Over a window, not frame to frame: landmark jitter would make every frame look fast."""
    known = np.isfinite(series)
    if known.sum() < 2:
        return np.full(len(t_ms), np.nan)
    half = window_ms / 2
    ahead, behind = (np.interp(t_ms + d, t_ms[known], series[known]) for d in (half, -half))
    width = (np.minimum(t_ms + half, t_ms[-1]) - np.maximum(t_ms - half, t_ms[0])) / 1000.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(ahead - behind) / width
