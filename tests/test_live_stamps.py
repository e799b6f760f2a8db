"""The server's half of the live latency measurement (webapp/latency.py): each returned frame keeps its own
time strip and carries, just below, the strip of the frame whose result it shows, so the page can read both."""

from __future__ import annotations

import numpy as np

from webapp.latency import KEPT_STAMPS, StampBook, percentile, strip_size


def _frame(value: int, width: int = 640, height: int = 480) -> np.ndarray:
    rows, cols = strip_size(width)
    rgb = np.full((height, width, 3), 128, np.uint8)
    rgb[:rows, -cols:] = value  # the page's strip, as the camera frame arrives
    return rgb


def test_a_returned_frame_carries_its_own_strip_and_its_results_strip_below() -> None:
    book, (rows, cols) = StampBook(), strip_size(640)
    book.keep(100.0, _frame(10))
    newest = _frame(200)
    out = newest.copy()
    out[: 2 * rows, -cols:] = 77  # an overlay drawn over the corner
    book.put(out, newest, 100.0)
    assert (out[:rows, -cols:] == 200).all(), "its own strip, not the overlay"
    assert (out[rows : 2 * rows, -cols:] == 10).all(), "the strip of the frame its result was computed on"


def test_an_unknown_result_leaves_a_blank_the_page_skips() -> None:
    book, (rows, cols) = StampBook(), strip_size(640)
    out = _frame(200)
    book.put(out, _frame(200), None)
    assert (out[rows : 2 * rows, -cols:] == 0).all()
    for t in range(KEPT_STAMPS + 1):
        book.keep(float(t), _frame(t % 250))
    book.put(out, _frame(200), 0.0)  # forgotten: older than the frames kept
    assert (out[rows : 2 * rows, -cols:] == 0).all()


def test_the_strip_scales_with_the_frame_and_percentiles_match_the_page() -> None:
    assert strip_size(1280)[1] == 2 * strip_size(640)[1]
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0 and percentile([1.0, 2.0], 0.95) == 2.0
