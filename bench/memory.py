"""Peak memory of reading a pose-track CSV, each read in a fresh process.

Writes a 1,000,000-row CSV (frame, t_ms and the 132 image columns with short
numbers, ~670 MB) into a temp dir and reads it in a subprocess that reports its
own peak RSS (``resource.getrusage``), so nothing of the generator counts.
Two reads by default: the 1M rows as a user would meet them (over the cap:
refused after counting its lines) and a CSV of exactly ``MAX_FRAMES`` rows, the
largest track that is read whole. ``--uncapped`` adds the 1M rows with the cap
lifted, to show the reader's own scaling (the float64 track alone is ~1.9 kB a
frame, so that one cannot stay under the target). Target: < 1 GiB.

Usage: python bench/memory.py [--rows 1000000] [--uncapped] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analyzer.io.track_csv import MAX_FRAMES, TrackFormatError, csv_header, read_track_csv

TARGET_MB = 1024.0
# Distinct row bodies the generator cycles through: enough variety for the parser, cheap to write.
POOL = 997


def write_csv(path: Path, rows: int, seed: int = 0) -> Path:
    """A pose-track CSV of ``rows`` frames at 30 fps, every landmark seen, two decimals a cell."""
    rng = np.random.default_rng(seed)
    bodies = [",".join(f"{v:.2f}" for v in rng.random(len(csv_header(False, False)) - 2)) for _ in range(POOL)]
    with open(path, "w") as fh:
        fh.write(",".join(csv_header(False, False)) + "\n")
        for start in range(0, rows, 10_000):
            stop = min(rows, start + 10_000)
            fh.write("".join(f"{i},{i * 100 / 3:.1f},{bodies[i % POOL]}\n" for i in range(start, stop)))
    return path


def measure(path: Path, max_frames: int) -> dict[str, object]:
    """Read ``path`` in a child process; what it reports (peak RSS in MB, frames or the refusal, seconds)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--max-frames", str(max_frames)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(path: Path, max_frames: int) -> None:
    start = time.perf_counter()
    try:
        outcome = {"frames": len(read_track_csv(path, max_frames=max_frames))}
    except TrackFormatError as exc:
        outcome = {"refused": str(exc)}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux
    print(json.dumps({**outcome, "peak_rss_mb": round(peak_mb, 1), "seconds": round(time.perf_counter() - start, 2)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--uncapped", action="store_true", help="also read the big CSV with the cap lifted")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--max-frames", type=int, default=MAX_FRAMES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.max_frames)
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = write_csv(Path(tmp) / "big.csv", args.rows)
        size_mb = big.stat().st_size / 2**20
        results[f"{args.rows} rows ({size_mb:.0f} MB), cap {MAX_FRAMES}"] = measure(big, MAX_FRAMES)
        if args.uncapped:
            results[f"{args.rows} rows, cap lifted"] = measure(big, args.rows)
        big.unlink()
        at_cap = write_csv(Path(tmp) / "at_cap.csv", MAX_FRAMES)
        results[f"{MAX_FRAMES} rows (the cap)"] = measure(at_cap, MAX_FRAMES)
    if args.json:
        print(json.dumps(results))
    else:
        for case, result in results.items():
            verdict = "ok" if result["peak_rss_mb"] < TARGET_MB else f"over the {TARGET_MB:.0f} MB target"
            said = result.get("frames", result.get("refused"))
            print(f"{case}: peak RSS {result['peak_rss_mb']:.0f} MB ({verdict}), {result['seconds']} s: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
