"""The RGB frames the pose model gets: the two-step conversion on kept scaler contexts gives the
pixels a fresh one-step ``frame.reformat`` gave: the same when nothing is scaled, within a few
levels when scaling (and nearer the exact colours: the one-step fast-bilinear path is about a level
darker on average)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from analyzer.io import video
from tests.helpers import media


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv444p"])
def test_scaled_frames_are_pixel_close_to_a_one_step_reformat(tmp_path: Path, pix_fmt: str) -> None:
    path = media.make_video(tmp_path / "c.mp4", width=1280, height=720, n_frames=4, pix_fmt=pix_fmt)
    for frame in _frames(path):
        before = frame.reformat(640, 360, "rgb24", interpolation="FAST_BILINEAR").to_ndarray().astype(float)
        now = video._to_rgb(frame, 0, 640)
        assert now.shape == before.shape == (360, 640, 3) and now.flags["C_CONTIGUOUS"]
        diff = np.abs(now - before)
        assert diff.mean() < 3 and np.percentile(diff, 99) <= 16  # the worst at sharp colour edges
        full = frame.reformat(format="rgb24", interpolation="AREA").to_ndarray().astype(float)
        exact = full.reshape(360, 2, 640, 2, 3).mean(axis=(1, 3))  # each output pixel: the mean of its 2x2
        assert np.abs(now - exact).mean() <= np.abs(before - exact).mean()


def test_unscaled_frames_are_the_exact_conversion(tmp_path: Path) -> None:
    path = media.make_video(tmp_path / "c.mp4", width=334, height=242, n_frames=3)
    for frame in _frames(path):
        exact = frame.reformat(format="rgb24", interpolation="AREA").to_ndarray()
        np.testing.assert_array_equal(video._to_rgb(frame, 0, None), exact)
