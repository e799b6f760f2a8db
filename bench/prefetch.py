"""Does decoding run ahead while the caller works? Prefetching against sequential, as a ratio.

``analyzer.io.video.iter_frames`` decodes and converts frames in a background thread into a
bounded queue, so that while the caller runs the pose model on one frame the next ones are
being decoded. Measured in one process, one after the other, on the same frames:

1. sequential: decode and convert every frame (draining ``iter_frames`` into a list), then do
   the caller's work on each: the time one thread doing both would take;
2. prefetching: the caller's work on each frame as ``iter_frames(prefetch=N)`` hands it over.

The caller's work is a sleep of ``--work-ms`` per frame (default: as long as decoding a frame
took in (1), where overlap helps most), standing in for the pose model, whose inference runs
in native code without holding the GIL. The ratio prefetching / sequential is 1.0 with no
overlap at all and max(decode, work) / (decode + work) with perfect overlap (0.5 when both are
equal). A timing, not a test: nothing here passes or fails.

Usage: python bench/prefetch.py [CLIP] [--frames 300] [--work-ms MS] [--prefetch 4] [--repeat 3] [--json]
Without CLIP a synthetic 640x360 H.264 clip is written to a temporary folder.
With --json the last line is one JSON object: ratio, ideal_ratio and the per-frame timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from analyzer.io.video import Frame, iter_frames


def synthetic_clip(path: Path, n_frames: int, size: tuple[int, int] = (640, 360), fps: int = 30) -> Path:
    """A moving gradient (so the encoder has real work and the decoder too)."""
    w, h = size
    ramp = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"crf": "23", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(n_frames):
            shade = (ramp + 3 * i + np.arange(h, dtype=np.float32)[:, None, None] / 4) % 256
            rgb = np.broadcast_to(shade, (h, w, 3)).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def frames_of(clip: Path, limit: int) -> Iterator[Frame]:
    return (f for _, f in zip(range(limit), iter_frames(clip)))


def decode_only_s(clip: Path, limit: int) -> tuple[float, int]:
    start = time.perf_counter()
    frames = list(frames_of(clip, limit))
    return time.perf_counter() - start, len(frames)


def sequential_s(clip: Path, limit: int, work_s: float) -> float:
    """Decode everything first, then work on each frame: one thread doing both."""
    start = time.perf_counter()
    frames = list(frames_of(clip, limit))
    for _ in frames:
        time.sleep(work_s)
    return time.perf_counter() - start


def prefetching_s(clip: Path, limit: int, work_s: float, prefetch: int) -> float:
    start = time.perf_counter()
    for _, _frame in zip(range(limit), iter_frames(clip, prefetch=prefetch)):
        time.sleep(work_s)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path, nargs="?", help="a video (default: a synthetic clip)")
    parser.add_argument("--frames", type=int, default=300, help="frames to read (default 300)")
    parser.add_argument("--work-ms", type=float, default=None, help="the caller's work per frame (default: decode time)")
    parser.add_argument("--prefetch", type=int, default=4, help="queue length of iter_frames (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median is reported (default 3)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="formcheck-prefetch-") as tmp:
        clip = args.clip or synthetic_clip(Path(tmp) / "clip.mp4", args.frames)
        decode_only_s(clip, args.frames)  # warm-up: file cache, codec initialisation
        decoded = [decode_only_s(clip, args.frames) for _ in range(args.repeat)]
        n = decoded[0][1]
        decode_ms = 1000.0 * statistics.median(s for s, _ in decoded) / n
        work_ms = decode_ms if args.work_ms is None else args.work_ms
        sequential = statistics.median(sequential_s(clip, args.frames, work_ms / 1000) for _ in range(args.repeat))
        prefetching = statistics.median(
            prefetching_s(clip, args.frames, work_ms / 1000, args.prefetch) for _ in range(args.repeat)
        )

    result = {
        "frames": n,
        "decode_ms_per_frame": round(decode_ms, 3),
        "work_ms_per_frame": round(work_ms, 3),
        "sequential_ms_per_frame": round(1000 * sequential / n, 3),
        "prefetching_ms_per_frame": round(1000 * prefetching / n, 3),
        "prefetch": args.prefetch,
        "ratio": round(prefetching / sequential, 3),
        "ideal_ratio": round(max(decode_ms, work_ms) / (decode_ms + work_ms), 3),
    }
    print(f"{n} frames of {clip if args.clip else 'a synthetic 640x360 clip'}")
    print(f"decode + convert {decode_ms:.2f} ms/frame, caller's work {work_ms:.2f} ms/frame")
    print(f"sequential       {result['sequential_ms_per_frame']:.2f} ms/frame")
    print(f"prefetching ({args.prefetch})  {result['prefetching_ms_per_frame']:.2f} ms/frame")
    print(f"ratio {result['ratio']:.2f} (1.00: no overlap; {result['ideal_ratio']:.2f}: perfect overlap)")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
