"""Synthesise small test inputs: videos and image folders with PyAV (no ffmpeg CLI needed), and
pose-track CSVs as other tools write them.

Every frame shows the same known pattern so tests can check pixels, not just shapes:
* 8 vertical colour bars across the top 3/4 (``BARS``, left to right);
* a grey block in the bottom-left quarter whose level encodes the frame number
  (``marker_level(i)``), so a test can tell which source frame it got.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from analyzer.landmarks import LANDMARK_NAMES
from analyzer.track import PoseTrack

BARS = np.array(
    [
        (255, 255, 255),
        (255, 255, 0),
        (0, 255, 255),
        (0, 255, 0),
        (255, 0, 255),
        (255, 0, 0),
        (0, 0, 255),
        (0, 0, 0),
    ],
    dtype=np.uint8,
)

# container suffix -> (codec, pix_fmt)
CODECS: dict[str, tuple[str, str]] = {
    ".mp4": ("libx264", "yuv420p"),
    ".mov": ("libx264", "yuv420p"),
    ".mkv": ("libx264", "yuv420p"),
    ".webm": ("libvpx-vp9", "yuv420p"),
    ".avi": ("mpeg4", "yuv420p"),
    ".gif": ("gif", "rgb8"),
}


def marker_level(i: int) -> int:
    """Grey level of the frame-number block (distinct for 0 <= i < 40)."""
    return 20 + (i % 40) * 5


def pattern(width: int, height: int, i: int = 0) -> np.ndarray:
    """HxWx3 uint8 test picture for frame ``i`` (colour bars + frame marker)."""
    cols = (np.arange(width) * len(BARS)) // width
    img = np.empty((height, width, 3), np.uint8)
    img[:] = BARS[cols][None, :, :]
    img[(3 * height) // 4 :, :] = 128
    img[(3 * height) // 4 :, : width // 4] = marker_level(i)
    return img


def bar_index_of_column(x: int, width: int) -> int:
    return (x * len(BARS)) // width


def make_video(
    path: Path,
    *,
    width: int = 96,
    height: int = 64,
    n_frames: int = 20,
    fps: int = 30,
    codec: str | None = None,
    pix_fmt: str | None = None,
    rotation_ccw: float | None = None,
    pts: Sequence[int] | None = None,
    time_base: Fraction | None = None,
    gop: int | None = None,
    faststart: bool = False,
    codec_options: dict[str, str] | None = None,
) -> Path:
    """Write a small clip; container/codec follow the suffix (see CODECS).

    ``rotation_ccw`` writes a display matrix (counter-clockwise degrees, as PyAV's
    ``VideoFrame.rotation`` reads it back: a phone portrait clip has -90).
    ``pts`` (in ``time_base`` units) gives irregular timestamps for VFR tests.
    ``codec_options`` are merged into the encoder options (e.g. ``{"bf": "2"}`` for B-frames).
    """
    path = Path(path)
    d_codec, d_fmt = CODECS[path.suffix.lower()]
    codec, pix_fmt = codec or d_codec, pix_fmt or d_fmt
    options: dict[str, str] = {}
    if codec == "libx264":
        options = {"crf": "12", "preset": "ultrafast"}
    elif codec == "libvpx-vp9":
        options = {"crf": "20", "b": "0", "deadline": "realtime", "cpu-used": "8"}
    options.update(codec_options or {})
    container_options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=container_options) as out:
        stream = out.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "mpeg4":
            stream.bit_rate = 2_000_000
        if gop:
            stream.codec_context.gop_size = gop
        if time_base is not None:
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(pattern(width, height, i), format="rgb24")
            if pts is not None:
                frame.pts = pts[i]
                frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def plain_clip(path: Path, size: tuple[int, int], n_frames: int, fps: float, level: int = 90) -> Path:
    """A grey H.264 clip: whatever colour shows up on it later was drawn by the overlay."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=int(fps), options={"crf": "18", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        picture = np.full((size[1], size[0], 3), level, dtype=np.uint8)
        for _ in range(n_frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_audio_only(path: Path, seconds: float = 0.5) -> Path:
    """An AAC-in-MP4 file with no video stream."""
    rate = 22050
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate)
        n = int(rate * seconds)
        samples = (0.1 * np.sin(np.arange(n) * 2 * np.pi * 440 / rate)).astype(np.float32)[None, :]
        for start in range(0, n, 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, start : start + 1024], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_video_packet_pts(path: Path, pts_ms: Sequence[int], *, width: int = 64, height: int = 48) -> Path:
    """MJPEG-in-MKV whose packet timestamps (ms) are forced to ``pts_ms``, duplicates allowed.

    Encoders refuse duplicate timestamps, so they are rewritten on the packets instead.
    """
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        for i, ts in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(pattern(width, height, i), format="rgb24")
            for packet in stream.encode(frame):
                packet.pts = packet.dts = ts
                packet.time_base = Fraction(1, 1000)
                out.mux(packet)
    return path


def zero_media_data(src: Path, dst: Path) -> Path:
    """Copy an MP4 with its 'mdat' payload zeroed: valid index, no decodable frame."""
    data = bytearray(Path(src).read_bytes())
    at = data.find(b"mdat")
    size = int.from_bytes(data[at - 4 : at], "big")
    data[at + 4 : at - 4 + size] = bytes(size - 8)
    Path(dst).write_bytes(bytes(data))
    return Path(dst)


def truncate(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)


def make_image_folder(
    folder: Path,
    n: int = 12,
    *,
    width: int = 64,
    height: int = 48,
    ext: str = ".png",
    name: str = "frame{}",
) -> Path:
    """Images named frame0..frame{n-1} (no zero padding, to exercise natural sort)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(pattern(width, height, i), format="rgb24")
        frame.save(folder / (name.format(i) + ext), **({"qscale": 2} if ext in (".jpg", ".jpeg") else {}))
    return folder


# The 17 landmarks some exercise-correction datasets keep (no eyes, ears or mouth, no hands).
BODY_LANDMARKS = (
    "nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)


def write_foreign_track_csv(
    path: Path, track: PoseTrack, names: Sequence[str], scale: tuple[float, float] = (1.0, 1.0)
) -> Path:
    """``track``'s landmarks as another tool writes them: a label column, UPPER-case names, only
    ``names``, coordinates times ``scale`` (pixels), no t_ms, no world, no frame size."""
    cols = [f"{n}_{s}" for n in names for s in ("x", "y", "z", "v")]
    lines = ["label," + ",".join(c.upper() for c in cols)]
    for i in range(len(track)):
        cells = []
        for n in names:
            j = LANDMARK_NAMES.index(n)
            x, y, z = track.image[i, j]
            cells += [x * scale[0], y * scale[1], z * scale[0], track.visibility[i, j]]
        lines.append("C," + ",".join(repr(float(v)) for v in cells))
    path.write_text("\n".join(lines) + "\n")
    return path
