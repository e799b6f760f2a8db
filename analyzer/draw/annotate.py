"""The annotated video: the clip re-encoded with the overlay drawn on every frame.

* Findings are only known once every chunk's pose has been merged and judged, so the video
  is rendered in a second pass: :func:`render_chunk` per time span (each in its own process),
  then :func:`concat_parts` joins the parts by copying packets (no re-encode).
  :func:`render_annotated` does the same in one process, for re-renders after the fact.
* Output frames carry the source frames' own timestamps, so duration and variable frame rates
  match the source. A high-rate clip analysed at ANALYSIS_FPS (a phone's 60 fps) is drawn on
  the frames the analysis looked at, each with its own landmarks: every source frame would
  double the encoding for in-between frames whose skeleton is only interpolated.
* H.264 in MP4, yuv420p (even width and height: odd ones are padded by one edge pixel),
  no B-frames (parts concatenate with monotonic timestamps), ``+faststart`` (the index
  before the data, so a browser starts playing before the download ends). Audio is dropped.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from analyzer.draw.overlay import OverlayPlan, draw_overlay, overlay_plan
from analyzer.io.video import VideoInfo, iter_frames, probe
from analyzer.pipeline import Analysis
from analyzer.pose.extract import ANALYSIS_FPS, HIGH_RATE_FPS, frames_at_rate
from analyzer.workers import FrameCounter, default_workers, run_tasks

Progress = Callable[[int, int], None]
# Parallel render: a chunk shorter than this is not worth a process (start-up ~0.5 s).
MIN_RENDER_CHUNK_FRAMES = 120


@dataclass(frozen=True)
class EncodeSettings:
    """x264 settings; identical settings give identical stream headers, which concat needs."""

    crf: int = 23
    preset: str = "veryfast"
    keyframe_s: float = 2.0  # seek granularity in a browser
    max_side: int | None = 1280  # larger sources are scaled down (4K phone clips encode slowly)
    threads: int = 0  # 0: x264 decides
    fps: float | None = None  # only the source frames closest to this rate's ticks (None: every frame)


def shown_fps(info: VideoInfo, analysis: Analysis) -> float | None:
    """The rate the annotated video is drawn at: ANALYSIS_FPS for a high-rate clip whose track is sparser
    than the source (the default analysis), else every source frame (``--full-rate``, ``--adaptive``,
    which fill the source's own timeline, and clips up to HIGH_RATE_FPS)."""
    if info.kind != "video" or info.fps < HIGH_RATE_FPS or len(analysis.track) < 2:
        return None
    # a 45 fps clip on the 30 fps grid steps 22 and 44 ms by turns: its median step is 1.5 source steps
    return ANALYSIS_FPS if analysis.track.fps * 1.25 < info.fps else None


def _as_shown(info: VideoInfo, analysis: Analysis, settings: EncodeSettings) -> tuple[EncodeSettings, int]:
    """The settings with the rate the video is drawn at, and how many frames it will have (for progress)."""
    settings = replace(settings, fps=settings.fps or shown_fps(info, analysis))
    return settings, frames_at_rate(info, settings.fps)


def _timing(source: Path, info: VideoInfo, settings: EncodeSettings) -> tuple[Fraction, Fraction]:
    """(time base, nominal rate) for the output: the source's own time base keeps timestamps exact."""
    rate = Fraction(min(info.fps, settings.fps or info.fps)).limit_denominator(1001)
    if info.kind == "video":
        with av.open(str(source), metadata_errors="ignore") as c:
            tb = c.streams.video[0].time_base
        if tb:
            return Fraction(tb), rate
    return Fraction(1, 90000), rate


def _even_size(width: int, height: int) -> tuple[int, int]:
    return width + width % 2, height + height % 2


class _Encoder:
    """An H.264 MP4 writer fed upright RGB frames with their source timestamps."""

    def __init__(
        self,
        out: Path,
        size: tuple[int, int],
        time_base: Fraction,
        rate: Fraction,
        settings: EncodeSettings,
        faststart: bool,
        relative: bool = False,
    ) -> None:
        """``relative``: timestamps start at 0 (a part; its offset is kept in ``start_pts``), since the MP4
        muxer would otherwise store a late start as an edit list rounded to whole milliseconds."""
        self.width, self.height = _even_size(*size)
        self.relative = relative
        self.start_pts: int | None = None
        self.time_base = time_base
        options = {"movflags": "+faststart"} if faststart else {}
        self.container = av.open(str(out), "w", options=options)
        gop = max(1, round(float(rate) * settings.keyframe_s))
        self.stream = self.container.add_stream(
            "libx264",
            rate=rate,
            options={
                "crf": str(settings.crf),
                "preset": settings.preset,
                "bf": "0",
                "g": str(gop),
                "keyint_min": str(gop),
                "sc_threshold": "0",
            },
        )
        self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, "yuv420p"
        self.stream.time_base = time_base
        self.stream.codec_context.time_base = time_base
        if settings.threads:
            self.stream.codec_context.thread_count = settings.threads
        self.frames = 0

    def write(self, rgb: np.ndarray, t_ms: float) -> None:
        h, w = rgb.shape[:2]
        if (w, h) != (self.width, self.height):
            rgb = cv2.copyMakeBorder(rgb, 0, self.height - h, 0, self.width - w, cv2.BORDER_REPLICATE)
        # OpenCV's RGB -> I420 (BT.601, video range, as the stream is tagged) costs a fraction of the encoder's
        # own swscale conversion (1-2 ms a 720p frame) and averages the chroma instead of point-sampling it.
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        pts = round(t_ms / 1000.0 / self.time_base)
        if self.start_pts is None:
            self.start_pts = pts
        frame.pts = pts - self.start_pts if self.relative else pts
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


@dataclass(frozen=True)
class Part:
    """A rendered time chunk: its file, frame count and where it starts (ms) in the source."""

    path: Path
    frames: int
    start_ms: float


def _render(
    source: Path,
    span: tuple[float, float] | None,
    plan: OverlayPlan,
    out: Path,
    settings: EncodeSettings,
    *,
    part: bool,
    tick: Callable[[], None] | None,
    info: VideoInfo | None = None,
) -> Part:
    info = info or probe(source)
    time_base, rate = _timing(source, info, settings)
    start, end = span if span is not None else (None, None)
    frames = iter_frames(
        source,
        fps=settings.fps,
        start_ms=start if start else None,
        end_ms=end if end is not None and math.isfinite(end) else None,
        max_side=settings.max_side,
    )
    encoder: _Encoder | None = None
    first_ms = 0.0
    try:
        for frame in frames:
            if encoder is None:
                size = (frame.rgb.shape[1], frame.rgb.shape[0])
                encoder = _Encoder(out, size, time_base, rate, settings, faststart=not part, relative=part)
                first_ms = frame.t_ms
            encoder.write(draw_overlay(frame.rgb, frame.t_ms, plan), frame.t_ms)
            if tick is not None:
                tick()
    finally:
        frames.close()
        if encoder is not None:
            encoder.close()
    return Part(out, encoder.frames if encoder is not None else 0, first_ms)


def render_chunk(
    source: Path,
    span: tuple[float, float],
    plan: OverlayPlan,
    out_part: Path,
    settings: EncodeSettings = EncodeSettings(),
) -> Part:
    """Render the source frames with ``span[0] <= t_ms < span[1]`` into their own MP4 part.

    Meant to run in a worker process (arguments and result are picklable; progress goes to the parent
    through :mod:`analyzer.workers`). The part's timestamps start at 0; :func:`concat_parts` puts them
    back at ``Part.start_ms`` while copying packets. ``frames == 0``: nothing in the span, no file.
    """
    counter = FrameCounter()
    part = _render(Path(source), span, plan, Path(out_part), settings, part=True, tick=counter.tick)
    counter.flush()
    return part


def concat_parts(parts: Sequence[Part], out: Path) -> Path:
    """Join parts from :func:`render_chunk` (in time order) by copying packets, at their source times.

    No re-encode: parts made with the same :class:`EncodeSettings` share one stream header,
    which is checked. No B-frames, so decode order is display order across the joins.
    """
    parts = [p for p in parts if p.frames]
    if not parts:
        raise ValueError("no parts to join")
    with (
        av.open(str(parts[0].path)) as first,
        av.open(str(out), "w", options={"movflags": "+faststart"}) as dst,
    ):
        template = first.streams.video[0]
        header = bytes(template.codec_context.extradata or b"")
        stream = dst.add_stream_from_template(template)
        for part in parts:
            with av.open(str(part.path)) as src:
                video = src.streams.video[0]
                if bytes(video.codec_context.extradata or b"") != header:
                    raise ValueError(
                        f"{part.path.name} was encoded with other settings; cannot join it by copying"
                    )
                offset = round(part.start_ms / 1000.0 / video.time_base)
                for packet in src.demux(video):
                    if packet.dts is None:  # the demuxer's final flush packet
                        continue
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = stream
                    dst.mux(packet)
    return out


def render_annotated(
    source: Path,
    analysis: Analysis,
    out: Path,
    progress: Progress | None = None,
    settings: EncodeSettings = EncodeSettings(),
) -> Path:
    """The annotated video in one process (after the fact: re-renders, short clips)."""
    source, out = Path(source), Path(out)
    info = probe(source)
    settings, total = _as_shown(info, analysis, settings)
    plan = overlay_plan(analysis)
    done = {"n": 0}

    def tick() -> None:
        done["n"] += 1
        if progress is not None:
            progress(done["n"], max(total, done["n"]))

    tmp = out.with_name(f".{out.name}.part.mp4")
    try:
        _render(source, None, plan, tmp, settings, part=False, tick=tick, info=info)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def render_spans(frames: int, duration_s: float, workers: int) -> list[tuple[float, float]]:
    """Contiguous [start_ms, end_ms) spans covering the clip, one per worker that is worth starting."""
    n = max(1, min(workers, frames // MIN_RENDER_CHUNK_FRAMES))
    duration_ms = duration_s * 1000.0
    edges = [duration_ms * i / n for i in range(n + 1)]
    edges[-1] = math.inf  # the last span takes whatever the container has left
    return list(itertools.pairwise(edges))


def render_parallel(
    source: Path,
    analysis: Analysis,
    out: Path,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    settings: EncodeSettings = EncodeSettings(),
) -> Path:
    """The annotated video rendered in time chunks over worker processes, joined without re-encoding.

    A second pass after the analysis (the overlay needs the findings of the whole set):
    decoding, drawing and encoding are spread over the cores as pose estimation was.
    """
    source, out = Path(source), Path(out)
    info = probe(source)
    settings, total = _as_shown(info, analysis, settings)
    workers = workers or default_workers()
    spans = render_spans(total, info.duration_s, workers)
    if len(spans) == 1:
        return render_annotated(source, analysis, out, progress=progress, settings=settings)
    plan = overlay_plan(analysis)
    if not settings.threads:
        settings = replace(settings, threads=max(1, workers // len(spans)))

    def on_frames(done: int) -> None:
        if progress is not None:
            progress(min(done, total), max(total, done))

    tmpdir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        parts = run_tasks(  # the warm pool in use, else workers of this render's own (analyzer.workers)
            render_chunk,
            [(source, span, plan, tmpdir / f"part{k:03d}.mp4", settings) for k, span in enumerate(spans)],
            on_frames=on_frames,
        )
        joined = tmpdir / "joined.mp4"
        concat_parts(parts, joined)
        os.replace(joined, out)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return out


# -- stills for the report ---------------------------------------------------------------------------

