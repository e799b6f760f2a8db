"""Video input: every supported file (or folder of images) in, upright RGB frames out.

Why this module exists:
* Phone clips carry a rotation in metadata; the pose model needs the picture upright.
* PyAV's ``to_ndarray`` returns row-padded (non C-contiguous) arrays for widths such as
  854 or 492 px, and ``mediapipe.Image`` silently misreads those.  Every frame leaving
  this module is C-contiguous.
* Long clips must stream: frames are decoded (and converted) in a background thread that
  feeds a bounded queue, so memory stays at ``prefetch`` frames and decoding overlaps the
  caller's work.
* Timestamps come from PTS, so variable-frame-rate clips are timed correctly, and
  ``[start_ms, end_ms)`` chunks from parallel workers tile the clip exactly.

Rotation convention: ``VideoInfo.rotation`` is the clockwise angle applied to the stored
picture to make it upright (the convention of the legacy ``rotate`` tag; an iPhone
portrait clip reports 90).
"""

from __future__ import annotations

import bisect
import logging
import math
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from av.video.reformatter import VideoReformatter

__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "Frame",
    "VideoError",
    "VideoInfo",
    "frame_times_ms",
    "iter_frames",
    "keyframe_times_ms",
    "probe",
]

log = logging.getLogger(__name__)
# A library does not print: what goes wrong with a clip reaches the user as a VideoError or, for a
# clip that is still analysed (cut short), as a report notice made by the pipeline. Without a
# handler here Python's last-resort handler would write these records raw onto stderr, worker
# processes included; an application that wants them configures logging.
log.addHandler(logging.NullHandler())

VIDEO_SUFFIXES: frozenset[str] = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".gif"})
IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png"})
DEFAULT_IMAGE_FPS = 30.0

# Caps read from the container's header and checked before any frame is decoded. One file is one
# set, minutes long; the caps keep a mistaken or hostile file from taking a machine of 2 cores and
# 24 GiB for hours: 30 min at 60 fps is 108,000 frames (about an hour of pose estimation on 2
# cores), and a 4096 px side covers every 4K format (DCI 4096x2160, phones' 2160x3840) while a
# frame at the cap is 48 MiB as RGB, a few of them held per decoding thread.
MAX_DURATION_S = 30 * 60
MAX_SIDE_PX = 4096
# Under one frame a second nothing moving can be judged; a header claiming so has broken
# timestamps (a time scale of 0 or 1 makes every frame fall at the same instant).
MIN_FPS = 1.0
# Frames whose timestamps repeat an earlier one are dropped; once more are dropped than kept,
# the timestamps are broken and the clip's timing (holds, tempo) cannot be trusted.
MAX_DROPPED_FRAMES = 10

_MP4_SUFFIXES = {".mp4", ".m4v", ".mov"}
_ERRORS = (av.error.FFmpegError, OSError, EOFError)
# Demuxers FFmpeg picks for a single still picture, whatever the file is called (a GIF, which
# may be animated, is read as a video).
_PICTURE_FORMATS = {"png_pipe": "PNG", "jpeg_pipe": "JPEG", "webp_pipe": "WebP", "bmp_pipe": "BMP",
                    "tiff_pipe": "TIFF", "image2": "image", "heif": "HEIF"}


class VideoError(Exception):
    """A problem with the user's input; ``str(e)`` is one sentence saying what to do."""


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    kind: Literal["video", "images"]
    width: int  # of the upright frame
    height: int
    rotation: int  # clockwise degrees applied to make the frame upright (0/90/180/270)
    fps: float  # average frame rate
    duration_s: float
    frame_count: int  # container's count if consistent with duration, else round(duration_s * fps)
    codec: str


@dataclass(frozen=True)
class Frame:
    index: int  # index in the source (before stride); estimated after a seek, see iter_frames
    t_ms: float  # PTS relative to the first frame, in ms
    rgb: np.ndarray  # HxWx3 uint8, upright, C-contiguous


# --------------------------------------------------------------------------- helpers


def _natural_key(name: str) -> list[Any]:
    """'frame2' sorts before 'frame10'."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def _list_images(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise VideoError(
            f"The folder {folder.name} contains no images; put .jpg or .png frames in it or pass a video file."
        )
    return sorted(files, key=lambda p: _natural_key(p.name))


def _mp4_top_boxes(path: Path) -> list[str] | None:
    """Top-level MP4/MOV box types, or None if the file does not look like MP4 at all."""
    found = _mp4_scan(path)
    return None if found is None else found[0]


def _mp4_scan(path: Path) -> tuple[list[str], bool] | None:
    """Top-level MP4/MOV box types and whether the last one runs past the end of the file (a cut
    copy), or None if the file does not look like MP4 at all."""
    boxes: list[str] = []
    size_total = path.stat().st_size
    cut = False
    with path.open("rb") as fh:
        pos = 0
        while pos + 8 <= size_total and len(boxes) < 64:
            fh.seek(pos)
            head = fh.read(8)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if not re.fullmatch(rb"[a-zA-Z0-9 ]{4}", kind):
                break
            if size == 1:
                size = int.from_bytes(fh.read(8).ljust(8, b"\0"), "big")
            elif size == 0:
                size = size_total - pos
            boxes.append(kind.decode("ascii"))
            if size < 8:
                break
            cut = pos + size > size_total
            pos += size
    if not boxes or boxes[0] not in {"ftyp", "wide", "free", "skip", "mdat", "moov"}:
        return None
    return boxes, cut


def _mp4_damage(path: Path) -> VideoError | None:
    """The sentence for an MP4 whose index is missing or cut off, else None."""
    if path.suffix.lower() not in _MP4_SUFFIXES:
        return None
    found = _mp4_scan(path)
    if found is None:
        return None
    boxes, cut = found
    if "moov" not in boxes:
        return VideoError(
            f"The video {path.name} is incomplete or corrupt (its index, the 'moov' atom, is missing, "
            "usually because recording or copying was interrupted); re-export or re-copy the video."
        )
    if cut and boxes[-1] == "moov":
        return VideoError(
            f"The video {path.name} is incomplete (the file ends inside its index, the 'moov' atom, "
            "usually because recording or copying was interrupted); re-export or re-copy the video."
        )
    return None


def _open_error(path: Path, exc: BaseException) -> VideoError:
    """Turn an FFmpeg open failure into one clear sentence."""
    return _mp4_damage(path) or VideoError(
        f"The file {path.name} is not a readable video ({exc.__class__.__name__}); "
        "export it again as MP4 (H.264) and retry."
    )


def _check_path(path: str | Path) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise VideoError(f"File not found: {p}; check the path and try again.")
    if p.is_dir():
        return p
    suffix = p.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        hint = (
            " (for single images, put them in a folder and pass the folder)"
            if suffix in IMAGE_SUFFIXES
            else ""
        )
        accepted = ", ".join(sorted(VIDEO_SUFFIXES))
        raise VideoError(
            f"Unsupported file type '{p.suffix or 'none'}' ({p.name}){hint}; use one of {accepted}."
        )
    if p.stat().st_size == 0:
        raise VideoError(f"The file {p.name} is empty (0 bytes); copy or export the video again.")
    return p


def _open_video(path: Path) -> tuple[Any, Any]:
    """The container and its video stream, refused from the header alone (see :func:`_check_header`)."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except _ERRORS as exc:
        raise _open_error(path, exc) from None
    try:
        if not container.streams.video:
            raise _mp4_damage(path) or VideoError(
                f"The file {path.name} has no video stream (audio only?); pass a file that contains video."
            )
        stream = container.streams.video[0]
        _check_header(path, container, stream)
    except BaseException:
        container.close()
        raise
    # No extra decoder threads: decoding already runs beside inference in its own
    # thread, and with one worker process per core, codec threads only steal CPU
    # from the pose model (1080p: 3.8 ms CPU a frame without them, 4.6 with AUTO).
    return container, stream


def _check_header(path: Path, container: Any, stream: Any) -> None:
    """Refuse, before decoding anything, a picture named as a video and a clip over the caps."""
    if stream.codec_context is None:  # FFmpeg knows no decoder for it (or the sample entry is garbled)
        raise VideoError(
            f"The video {path.name} is in a format formcheck cannot decode; export it again as MP4 (H.264)."
        )
    picture = _PICTURE_FORMATS.get(container.format.name)
    if picture is not None:
        raise VideoError(
            f"The file {path.name} is a single {picture} picture, not a video; pass the video of the set "
            "(or a folder of its frames)."
        )
    width, height = stream.codec_context.width, stream.codec_context.height
    if max(width, height) > MAX_SIDE_PX:
        raise VideoError(
            f"The video {path.name} is {width}x{height} pixels, larger than formcheck analyses "
            f"({MAX_SIDE_PX} px a side at most); export it at 4K (3840x2160) or less."
        )
    duration = _stream_duration_s(container, stream)
    if duration > MAX_DURATION_S:
        raise VideoError(
            f"The video {path.name} says it lasts {_hours_minutes(duration)}, longer than formcheck "
            f"analyses ({MAX_DURATION_S // 60} min at most); trim it to the set you want checked."
        )
    if _stream_rate(stream) < MIN_FPS:
        raise VideoError(
            f"The video {path.name} has broken timestamps (under {MIN_FPS:g} frame a second); "
            "export it again as MP4 (H.264) and retry."
        )


def _hours_minutes(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:,.0f} hours"


def _tag_rotation(stream: Any) -> int:
    """Legacy 'rotate' tag (clockwise degrees); FFmpeg now exposes a display matrix instead."""
    try:
        return int(round(float(stream.metadata.get("rotate", 0)) / 90.0)) * 90 % 360
    except (TypeError, ValueError):
        return 0


def _frame_rotation(frame: Any, fallback: int) -> int:
    """Clockwise degrees that make this frame upright (display matrix first, tag second)."""
    ccw = frame.rotation or 0  # display matrix: counter-clockwise degrees in [-180, 180]
    if ccw:
        return int(round(-ccw / 90.0)) * 90 % 360
    return fallback


def _stream_rate(stream: Any) -> float:
    """The average frame rate; a header rate under MIN_FPS is kept, for _check_header to refuse."""
    rates = [float(r) for r in (stream.average_rate, stream.guessed_rate, stream.base_rate) if r]
    for rate in rates:
        if MIN_FPS <= rate < 1000:
            return rate
    return min(rates) if rates and max(rates) < MIN_FPS else DEFAULT_IMAGE_FPS


def _stream_duration_s(container: Any, stream: Any) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


def _target_size(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


# Each decoding thread keeps its own scaler contexts (they die with it): ``frame.reformat`` would
# make new ones (PyAV >= 17: with a thread pool) for every frame.
_scalers = threading.local()


def _to_rgb(frame: Any, rotation: int, max_side: int | None) -> np.ndarray:
    """Upright, C-contiguous RGB at most ``max_side`` px, on FFmpeg's scaler (swscale).

    Two steps on kept contexts: scaling in YUV, plane by plane, then an unscaled YUV->RGB
    conversion, which swscale does on its fast path. A 1080p frame to 960x540 RGB costs about half
    the CPU of a fresh one-step reformat (pixels within a few levels of it: the chroma is scaled
    before it is converted).
    """
    if not hasattr(_scalers, "scale"):
        _scalers.scale, _scalers.convert = VideoReformatter(), VideoReformatter()
    w, h = _target_size(frame.width, frame.height, max_side)
    if (w, h) != (frame.width, frame.height):
        # fast bilinear: the model scales to 256 px anyway; AREA costs twice the CPU
        frame = _scalers.scale.reformat(frame, width=w, height=h, interpolation="FAST_BILINEAR")
    # No scaling in this step: the flag only lets swscale take its fast path (the same pixels as AREA).
    rgb = _scalers.convert.reformat(frame, format="rgb24", interpolation="POINT").to_ndarray()
    if rotation:
        rgb = np.rot90(rgb, k=-rotation // 90)  # np.rot90 turns counter-clockwise for k > 0
    # to_ndarray() keeps swscale's padded row stride (e.g. 854 px -> 2592-byte rows).
    return np.ascontiguousarray(rgb)


# --------------------------------------------------------------------------- probe


def probe(path: str | Path, *, image_fps: float = DEFAULT_IMAGE_FPS) -> VideoInfo:
    """Describe a video or image folder, decoding only the first frame (to learn rotation).

    Raises VideoError for anything the user has to fix.
    """
    p = _check_path(path)
    if p.is_dir():
        return _probe_images(p, image_fps)
    container, stream = _open_video(p)
    try:
        try:
            first = next(container.decode(stream), None)
        except _ERRORS:
            first = None
        if first is None:
            raise VideoError(
                f"The file {p.name} contains no decodable video frames; re-export the video and retry."
            )
        rotation = _frame_rotation(first, _tag_rotation(stream))
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        fps = _stream_rate(stream)
        duration = _stream_duration_s(container, stream)
        estimate = round(duration * fps)
        # nb_frames counts samples an MP4 edit list hides (formfit__squat1: 591 vs 549 shown)
        exact = stream.frames > 0 and (
            duration <= 0 or abs(stream.frames - estimate) <= max(2, 0.01 * estimate)
        )
        count = stream.frames if exact else max(1, estimate)
        if duration <= 0:
            duration = count / fps
        return VideoInfo(
            path=p,
            kind="video",
            width=w,
            height=h,
            rotation=rotation,
            fps=fps,
            duration_s=duration,
            frame_count=count,
            codec=stream.codec_context.name,
        )
    finally:
        container.close()


def _image_header(path: Path) -> tuple[int, int, str]:
    """Width, height and codec of one image of a folder; a file that is no picture (0x0) is refused."""
    try:
        with av.open(str(path)) as c:
            cc = c.streams.video[0].codec_context
            if cc.width > 0 and cc.height > 0:
                return cc.width, cc.height, cc.name
    except (*_ERRORS, IndexError):
        pass
    raise VideoError(f"The image {path.name} in {path.parent.name} is not readable; remove or replace it.")


def _probe_images(folder: Path, image_fps: float) -> VideoInfo:
    files = _list_images(folder)
    w, h, codec = _image_header(files[0])
    for f in files[1:]:
        fw, fh, _ = _image_header(f)
        if (fw, fh) != (w, h):
            raise VideoError(
                f"Image {f.name} is {fw}x{fh} but {files[0].name} is {w}x{h}; "
                "all images in the folder must have the same size."
            )
    with av.open(str(files[0])) as c:
        rotation = _frame_rotation(next(c.decode(video=0)), 0)
    if rotation in (90, 270):
        w, h = h, w
    n = len(files)
    return VideoInfo(
        path=folder,
        kind="images",
        width=w,
        height=h,
        rotation=rotation,
        fps=image_fps,
        duration_s=n / image_fps,
        frame_count=n,
        codec=codec,
    )


def frame_times_ms(path: str | Path, *, image_fps: float = DEFAULT_IMAGE_FPS) -> np.ndarray:
    """The ``t_ms`` of every frame :func:`iter_frames` yields at full rate, read from the packets'
    timestamps without decoding (0.04 s of CPU for a minute of 1080p60).

    Falls back to the average rate's grid when packets carry no timestamps.
    """
    info = probe(path, image_fps=image_fps)
    grid = np.arange(info.frame_count) * 1000.0 / info.fps
    packets = None if info.kind == "images" else _packet_times_ms(info.path)
    if packets is None or not len(packets[0]):
        return grid
    return np.unique(packets[0])  # sorted; a repeated timestamp is dropped, as when decoding


def keyframe_times_ms(path: str | Path) -> np.ndarray:
    """The ``t_ms`` (as :func:`frame_times_ms` gives them) of the keyframes, where a seek lands and decoding can
    start, from the packets without decoding; empty when unknown (a folder of images, packets without
    timestamps)."""
    path = _check_path(path)
    packets = None if path.is_dir() else _packet_times_ms(path)
    return np.unique(packets[0][packets[1]]) if packets is not None else np.zeros(0)


def _packet_times_ms(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Each shown packet's time from the first one's (ms) and whether it is a keyframe, in file order; None
    when a packet carries no timestamp or the file cannot be demuxed to its end."""
    container, stream = _open_video(path)
    time_base_ms = float(stream.time_base) * 1000.0
    pts, key = [], []
    try:
        for packet in container.demux(stream):
            if packet.pts is None:
                if packet.size:
                    return None
                continue
            if not packet.is_discard:
                pts.append(packet.pts)
                key.append(packet.is_keyframe)
    except _ERRORS:
        return None
    finally:
        container.close()
    times = np.asarray(pts, dtype=np.float64)
    return (times - times.min()) * time_base_ms if len(times) else times, np.asarray(key, dtype=bool)


# --------------------------------------------------------------------------- decoding sources
# A source yields (index, t_ms, av.VideoFrame, rotation) with strictly increasing t_ms,
# starting at least one frame before start_ms when possible (the fps selector needs it).


def _count_packets_before(path: Path, stream_index: int, pts0: int, pts: int, estimate: float) -> int:
    """Source index of the frame at ``pts``: count the packets shown before it.

    Demuxing (no decoding) the prefix is cheap next to decoding the chunk, and keeps
    ``Frame.index`` exact for variable-frame-rate clips, so stride works across chunks.
    Falls back to ``estimate`` (timestamp * average fps) if packets lack timestamps.
    """
    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            stream = c.streams[stream_index]
            n = 0
            for packet in c.demux(stream):
                if packet.pts is None:
                    if packet.size:
                        return round(estimate)
                    continue
                if pts0 <= packet.pts < pts and not packet.is_discard:
                    n += 1
                elif packet.dts is not None and packet.dts >= pts:
                    break  # decode order caught up: no later packet is shown before pts
            return n
    except _ERRORS:
        return round(estimate)


def _video_source(path: Path, start_ms: float | None, stop: threading.Event) -> Iterator[tuple]:
    container, stream = _open_video(path)
    try:
        tb = float(stream.time_base)
        fps = _stream_rate(stream)
        period_ms = 1000.0 / fps
        duration_ms = _stream_duration_s(container, stream) * 1000.0
        tag_rot = _tag_rotation(stream)

        frames = container.decode(stream)
        try:
            first = next(frames, None)
        except _ERRORS:
            first = None
        if first is None:
            raise VideoError(
                f"The file {path.name} contains no decodable video frames; re-export the video and retry."
            )
        pts0 = first.pts if first.pts is not None else 0
        rotation = _frame_rotation(first, tag_rot)

        def t_of(fr: Any) -> float | None:
            return None if fr.pts is None else (fr.pts - pts0) * tb * 1000.0

        pending: list[Any] = [first]
        index = 0
        # Seek only when it saves work. Aim a few frames early so that a frame before
        # start_ms is decoded; if the keyframe found still lies after start_ms (B-frame
        # reordering, sparse index) retry further back.
        if start_ms is not None and start_ms > 4 * period_ms:
            margin = 3 * period_ms
            while start_ms - margin > 0:
                target = int((start_ms - margin) / 1000.0 / tb) + pts0
                try:
                    container.seek(target, stream=stream, backward=True)
                    frames = container.decode(stream)
                    fr = next(frames, None)
                except _ERRORS:
                    fr = None
                t = None if fr is None else t_of(fr)
                if t is not None and t < start_ms:
                    pending, index = (
                        [fr],
                        _count_packets_before(path, stream.index, pts0, fr.pts, t / period_ms),
                    )
                    break
                margin *= 4
            else:  # give up seeking: decode from the very start
                container.seek(pts0, stream=stream, backward=True)
                frames = container.decode(stream)
                pending, index = [], 0

        last_t = -math.inf
        dropped = kept = 0
        while not stop.is_set():
            if pending:
                fr = pending.pop()
            else:
                try:
                    fr = next(frames, None)
                except _ERRORS as exc:
                    if last_t == -math.inf:
                        raise VideoError(
                            f"The file {path.name} could not be decoded ({exc.__class__.__name__}); "
                            "re-export the video and retry."
                        ) from None
                    log.warning(
                        "%s: decoding stopped at %.2f s of %.2f s (%s); the file looks truncated or "
                        "corrupt, so only the frames before that point are analysed.",
                        path.name,
                        last_t / 1000,
                        duration_ms / 1000,
                        exc,
                    )
                    return
                if fr is None:
                    break
            t = t_of(fr)
            if t is None:  # no PTS: assume it follows the previous frame at the average rate
                t = (last_t + period_ms) if last_t > -math.inf else 0.0
            if t <= last_t:  # duplicate / out-of-order PTS: keep the first, drop the rest
                dropped += 1
                index += 1
                if dropped > max(MAX_DROPPED_FRAMES, kept):
                    raise VideoError(
                        f"The video {path.name} has broken timestamps (frame after frame claims the same "
                        "time); export it again as MP4 (H.264) and retry."
                    )
                continue
            last_t = t
            kept += 1
            yield index, t, fr, rotation
            index += 1
        if dropped:
            log.warning(
                "%s: dropped %d frame(s) with duplicate or non-increasing timestamps.", path.name, dropped
            )
        if not stop.is_set() and last_t > -math.inf and duration_ms - last_t > max(1000.0, 5 * period_ms):
            log.warning(
                "%s: the last decodable frame is at %.2f s but the file claims %.2f s; it looks "
                "truncated, so only the frames before that point are analysed.",
                path.name,
                last_t / 1000,
                duration_ms / 1000,
            )
    finally:
        container.close()


def _image_source(folder: Path, image_fps: float, start_ms: float | None) -> Iterator[tuple]:
    info = _probe_images(folder, image_fps)
    files = _list_images(folder)
    period_ms = 1000.0 / image_fps
    first = 0 if start_ms is None else max(0, math.ceil(start_ms / period_ms) - 1)
    for i in range(first, len(files)):
        try:
            with av.open(str(files[i])) as c:
                fr = next(c.decode(video=0))
        except (*_ERRORS, StopIteration):
            raise VideoError(
                f"The image {files[i].name} in {folder.name} is not readable; remove or replace it."
            ) from None
        rot = _frame_rotation(fr, 0)
        upright = (fr.height, fr.width) if rot in (90, 270) else (fr.width, fr.height)
        if upright != (info.width, info.height):
            raise VideoError(
                f"Image {files[i].name} is {upright[0]}x{upright[1]} upright but the others are "
                f"{info.width}x{info.height}; all images in the folder must have the same size."
            )
        yield i, i * period_ms, fr, rot


# --------------------------------------------------------------------------- selection


def _select(
    source: Iterator[tuple], *, stride: int, fps: float | None, start_ms: float | None, end_ms: float | None
) -> Iterator[tuple]:
    """Keep frames in [start_ms, end_ms) that pass stride/fps, deciding with one frame of lookahead.

    With ``fps`` a frame is kept iff it is the closest one (earliest on ties) to the grid
    time ``round(t / period) * period``; that only needs the neighbours' timestamps, so
    chunked runs keep exactly the frames a single run keeps.
    """
    lo = -math.inf if start_ms is None else start_ms
    hi = math.inf if end_ms is None else end_ms
    period = None if fps is None else 1000.0 / fps

    def keep(idx: int, t: float, prev_t: float | None, next_t: float | None) -> bool:
        if period is None:
            return idx % stride == 0
        k = math.floor(t / period + 0.5)
        d = abs(t - k * period)
        if next_t is None and k * period - t > 1e-6:  # last frame: its tick lies past the end of the clip
            return False
        if prev_t is not None and math.floor(prev_t / period + 0.5) == k and abs(prev_t - k * period) <= d:
            return False
        if next_t is not None and math.floor(next_t / period + 0.5) == k and abs(next_t - k * period) < d:
            return False
        return True

    prev_t: float | None = None
    held: tuple | None = None  # (item, prev_t) waiting for its successor's timestamp
    for item in source:
        t = item[1]
        if held is not None:
            (h_item, h_prev) = held
            if keep(h_item[0], h_item[1], h_prev, t):
                yield h_item
            held = None
        if t >= hi:
            return
        if t >= lo:
            held = (item, prev_t)
        prev_t = t
    if held is not None and keep(held[0][0], held[0][1], held[1], None):
        yield held[0]


def _in_spans(t_ms: float, starts: list[float], spans: Sequence[tuple[float, float]]) -> bool:
    """Whether ``t_ms`` lies in one of ``spans`` (in time order; ``starts`` their starts)."""
    i = bisect.bisect_right(starts, t_ms) - 1
    return i >= 0 and t_ms < spans[i][1]


# --------------------------------------------------------------------------- public streaming API

_DONE = object()


def iter_frames(
    path: str | Path,
    *,
    stride: int = 1,
    fps: float | None = None,
    start_ms: float | None = None,
    end_ms: float | None = None,
    max_side: int | None = None,
    prefetch: int = 4,
    image_fps: float = DEFAULT_IMAGE_FPS,
    within: Sequence[tuple[float, float]] = (),
) -> Iterator[Frame]:
    """Stream upright RGB frames; about ``prefetch`` converted frames are held in memory.

    * ``stride``: keep frames whose source index is a multiple of ``stride``.
    * ``fps``: keep the frame closest to each tick of a ``fps`` grid (by timestamp).
    * ``start_ms``/``end_ms``: only frames with ``start_ms <= t_ms < end_ms``; adjacent
      chunks neither overlap nor leave gaps.  The file is seeked to a keyframe before
      ``start_ms``; ``Frame.index`` is then recovered by demuxing (not decoding) the
      packets before the chunk, so it equals a full run's index even for VFR clips
      (falls back to ``t_ms * avg_fps`` only if packets carry no timestamps).
    * ``max_side``: downscale (keeping aspect) so the longer side is at most this.
    * ``image_fps``: frame rate assumed for a folder of images.
    * ``within``: only frames in these [start_ms, end_ms) spans (in time order); those between
      are decoded but not converted: cheaper than seeking to each span's keyframe when the
      spans are a few seconds apart, as the adaptive rate's stretches are.

    Decoding and conversion run in a background thread; closing the generator stops it.
    Decode errors reach the caller as VideoError.  Truncated files yield what decodes and
    log a warning on ``logging.getLogger("analyzer.io.video")``.
    """
    if stride < 1:
        raise ValueError("stride must be >= 1")
    if fps is not None and fps <= 0:
        raise ValueError("fps must be > 0")
    if fps is not None and stride != 1:
        raise ValueError("use either stride or fps, not both")
    if prefetch < 1:
        raise ValueError("prefetch must be >= 1")
    if max_side is not None and max_side < 1:
        raise ValueError("max_side must be >= 1")
    if image_fps <= 0:
        raise ValueError("image_fps must be > 0")
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        return

    p = _check_path(path)  # fail fast, in the caller's thread
    if p.is_dir():
        _list_images(p)
    q: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()
    starts = [start for start, _ in within]

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            source = _image_source(p, image_fps, start_ms) if p.is_dir() else _video_source(p, start_ms, stop)
            try:
                for idx, t, fr, rot in _select(
                    source, stride=stride, fps=fps, start_ms=start_ms, end_ms=end_ms
                ):
                    if within and not _in_spans(t, starts, within):
                        continue
                    if not put(Frame(index=idx, t_ms=t, rgb=_to_rgb(fr, rot, max_side))):
                        return
            finally:
                source.close()
            put(_DONE)
        except VideoError as exc:
            put(exc)
        except BaseException as exc:  # noqa: BLE001 - forwarded to the consumer, never swallowed
            name = exc.__class__.__name__
            err = VideoError(f"The file {p.name} could not be read ({name}: {exc}); re-export it and retry.")
            err.__cause__ = exc  # keep the real traceback for debugging
            put(err)

    worker = threading.Thread(target=produce, name=f"video-decode:{p.name}", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = q.get(timeout=0.5)
            except queue.Empty:
                if worker.is_alive():
                    continue
                raise VideoError(f"Decoding {p.name} stopped unexpectedly; try again.") from None
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
