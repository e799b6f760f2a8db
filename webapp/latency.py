"""Live latency as the user feels it: from the browser getting a camera frame to it showing that frame's result.

The server alone cannot tell: it does not see when a frame was taken nor when the browser shows its answer.
So the browser measures it, with one clock (``live_latency.js``, run inside streamlit-webrtc's frame):

1. the camera track is wrapped, and each frame, as the page gets it, carries the page's time as a strip of
   black and white cells in its top-right corner, sized by the frame's width (:func:`strip_size`), so that it
   is still read when the browser sends the video scaled down (it does so when the computer is busy);
2. each frame the server sends back keeps its own strip (the overlay is not drawn over it) and gets, just
   below, the strip of the frame its result was computed on (:class:`StampBook`);
3. on each frame shown (``requestVideoFrameCallback`` on the returned video) the page reads both strips back.
   The first frame showing a new result's stamp gives the camera-to-overlay latency (its expected display time
   minus the stamp); every frame's own strip gives the picture's latency, the round trip without the pose.

Beside it the page shows the server's own share (:class:`ServerTimings`): from a frame's arrival to its result,
and the pose model's inference alone, so one sees where the time goes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path

import numpy as np
import streamlit.components.v1 as components

from analyzer.live.coach import LiveState

# The strip: a black and a white reference cell, the page's time in ms (mod 2^BITS), a checksum of BITS.
STAMP_CELLS_ACROSS = 80  # a cell is this fraction of the frame's width (8 px of 640), twice as high
STAMP_BITS = 24  # ms mod 2^24: wraps every 4.7 hours, far more than any latency
STAMP_CHECK = 4
STAMP_CELLS = 2 + STAMP_BITS + STAMP_CHECK
# The readouts are over the last this-many seconds (a benchmark sets a longer window).
WINDOW_ENV = "FORMCHECK_LATENCY_WINDOW_S"
DEFAULT_WINDOW_S = 5.0
# Stamps kept for frames not yet answered: more than the frames that arrive during one processing.
KEPT_STAMPS = 64
MEASURING_JS = (Path(__file__).with_name("live_latency.js")).read_text()
WHAT_IS_MEASURED = (
    "Camera → overlay: measured in this browser, from getting a camera frame to showing the frame that carries "
    "its pose; picture: the same for the picture alone. Server: from a frame's arrival to its result; "
    "pose model: its inference alone."
)


def window_s() -> float:
    """How many seconds the readouts cover (``FORMCHECK_LATENCY_WINDOW_S``, default 5)."""
    return float(os.environ.get(WINDOW_ENV, DEFAULT_WINDOW_S))


def strip_size(frame_width: int) -> tuple[int, int]:
    """(rows, columns) of one strip in a frame this wide; rounded as the page rounds (JavaScript's Math.round)."""
    cell = max(2, int(frame_width / STAMP_CELLS_ACROSS + 0.5))
    return 2 * cell, STAMP_CELLS * cell


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values, as the page computes it: the nearest rank at or above."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class StampBook:
    """The time strips of the frames handed to the coach, to put on the frames returned with their result."""

    def __init__(self) -> None:
        self._stamps: OrderedDict[float, np.ndarray] = OrderedDict()

    def keep(self, t_ms: float, rgb: np.ndarray) -> None:
        """Remember the strip of the frame submitted at ``t_ms`` (the oldest ones are forgotten)."""
        rows, cols = strip_size(rgb.shape[1])
        self._stamps[t_ms] = rgb[:rows, -cols:].copy()
        while len(self._stamps) > KEPT_STAMPS:
            self._stamps.popitem(last=False)

    def put(self, out: np.ndarray, rgb: np.ndarray, t_ms: float | None) -> None:
        """Give ``out`` (``rgb`` with an overlay drawn) its own strip back, and below it the strip of the frame
        whose result it shows (``t_ms``); blank when unknown: the page skips a strip it cannot read."""
        rows, cols = strip_size(rgb.shape[1])
        out[:rows, -cols:] = rgb[:rows, -cols:]
        region = out[rows:2 * rows, -cols:]
        stamp = self._stamps.get(t_ms) if t_ms is not None else None
        region[...] = stamp if stamp is not None and stamp.shape == region.shape else 0


class ServerTimings:
    """Each result's server-side times, over the last seconds: arrival -> result, and the model alone."""

    def __init__(self) -> None:
        self._last: LiveState | None = None
        self._results: deque[tuple[float, int, float, float]] = deque()  # (when, processed, latency, model)
        self._lock = threading.Lock()

    def add(self, state: LiveState, processed: int) -> None:
        """Record ``state`` once (the frames sent back show the same result until a newer one)."""
        if state is self._last:
            return
        self._last = state
        now = time.monotonic()
        with self._lock:
            self._results.append((now, processed, state.latency_ms, state.model_ms))
            while now - self._results[0][0] > max(window_s(), 1.0):
                self._results.popleft()

    def summary(self) -> dict[str, float] | None:
        """Frames processed a second, and the p50/p95 of both times; None before two results."""
        with self._lock:
            results = list(self._results)
        if len(results) < 2:
            return None
        span = results[-1][0] - results[0][0]
        latency, model = [r[2] for r in results], [r[3] for r in results]
        return {
            "fps": (results[-1][1] - results[0][1]) / span if span > 0 else 0.0,
            "server_p50": percentile(latency, 0.5), "server_p95": percentile(latency, 0.95),
            "model_p50": percentile(model, 0.5), "model_p95": percentile(model, 0.95),
        }


def server_line(summary: dict[str, float] | None) -> str:
    """The server's share in one line (the browser test and the benchmark read it)."""
    if summary is None:
        return "Server: waiting for results…"
    return (f"Server: {summary['fps']:.0f} frames/s processed · arrival → result p50 {summary['server_p50']:.0f} ms, "
            f"p95 {summary['server_p95']:.0f} ms · pose model p50 {summary['model_p50']:.0f} ms, "
            f"p95 {summary['model_p95']:.0f} ms")


READOUT_HTML = """<div id="camera-to-overlay" style="font: 15px 'Source Sans Pro', sans-serif; color: #31333f;
  margin: 2px 0; white-space: pre-line"></div>
<script>
(function () {
  const WINDOW_S = %(window)s, SOURCE = %(source)s;
  const out = document.getElementById("camera-to-overlay");
  function webrtcWindow() {  // streamlit-webrtc's frame (same origin): the measuring script runs there
    for (const frame of window.parent.document.querySelectorAll("iframe")) {
      if ((frame.src || "").includes("streamlit_webrtc") || (frame.title || "").includes("webrtc")) {
        return frame.contentWindow;
      }
    }
    return null;
  }
  function show() {
    const win = webrtcWindow();
    if (win && win.document.head && !win.__formcheckLatency) {
      const script = win.document.createElement("script");
      script.textContent = SOURCE;
      win.document.head.appendChild(script);
    }
    out.dataset.installed = win && win.__formcheckLatency ? "1" : "";
    const live = win && win.document.querySelector("video") && win.__formcheckLatency;
    const m = live ? win.__formcheckLatency.summary(WINDOW_S) : null;
    out.dataset.latency = m ? JSON.stringify(m) : "";
    out.textContent = !live ? "" : !m && win.__formcheckLatency.unstamped() ?
      "Camera → overlay: not measured (the camera started before the page could stamp its frames: " +
      "press STOP, then START)" : !m ? "Camera → overlay: waiting for the first result…" :
      `Camera → overlay: p50 ${m.p50} ms · p95 ${m.p95} ms (last ${WINDOW_S} s)\n` +
      `${m.resultsPerS.toFixed(0)} results shown/s · picture alone p50 ${m.picture.p50} ms, p95 ${m.picture.p95} ms`;
  }
  show();
  window.setInterval(show, 500);
})();
</script>"""


def readout_html(seconds: float) -> str:
    """The component's page: installs the measuring script in streamlit-webrtc's frame, shows its readout."""
    source = MEASURING_JS.replace("__STAMP__", json.dumps([STAMP_CELLS_ACROSS, STAMP_BITS, STAMP_CHECK]))
    return READOUT_HTML % {"window": json.dumps(seconds), "source": json.dumps(source)}


def camera_to_overlay_readout() -> None:
    """The browser's measurement, two lines (render it before START is pressed: it wraps the camera)."""
    components.html(readout_html(window_s()), height=48)
