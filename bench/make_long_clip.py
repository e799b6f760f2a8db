"""Make a long test clip for the throughput targets (a 10-minute 1080p video) by looping a short one.

Usage: python bench/make_long_clip.py SOURCE OUT.mp4 [--minutes 10] [--height 1080]
The frames are the source's, scaled (keeping the aspect ratio, padded to 16:9)
and repeated, so the pose model sees a real person all along.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import numpy as np

from analyzer.io.video import iter_frames, probe


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--height", type=int, default=1080)
    args = parser.parse_args(argv)
    info = probe(args.source)
    fps = round(info.fps)
    height = args.height
    width = height * 16 // 9
    scale = min(width / info.width, height / info.height)
    w, h = int(info.width * scale) // 2 * 2, int(info.height * scale) // 2 * 2
    total = int(args.minutes * 60 * fps)
    with av.open(str(args.out), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        written = 0
        canvas = np.zeros((height, width, 3), dtype=np.uint8)
        x0, y0 = (width - w) // 2, (height - h) // 2
        while written < total:
            for frame in iter_frames(args.source):
                small = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(w, h, format="rgb24")
                canvas[y0 : y0 + h, x0 : x0 + w] = small.to_ndarray()
                for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                    container.mux(packet)
                written += 1
                if written >= total:
                    break
        for packet in stream.encode():
            container.mux(packet)
    print(f"{args.out}: {written} frames, {width}x{height} @ {fps} fps")


if __name__ == "__main__":
    main()
