"""H.264 (yuv420p) MP4 writing with PyAV, and camera-like degradation (blur, sensor noise)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np


class Mp4Writer:
    """Streams RGB frames into an H.264 MP4; one encoder thread so runs are repeatable and polite."""

    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int = 28) -> None:
        self._container = av.open(str(path), mode="w")
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.thread_count = 1
        self._stream.options = {"crf": str(crf), "preset": "medium", "movflags": "+faststart"}

    def write(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def degrade(rgb: np.ndarray, blur: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian blur (sigma in pixels) then additive sensor noise (sigma in 0-255 levels)."""
    if blur <= 0 and noise <= 0:
        return rgb
    img = rgb.astype(np.float32)
    if blur > 0:
        from scipy.ndimage import gaussian_filter

        img = gaussian_filter(img, sigma=(blur, blur, 0))
    if noise > 0:
        img += rng.normal(0.0, noise, size=img.shape).astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)
