"""A reduced frame rate against full rate on one clip: frames analysed, time, and what changes.

The reduced rate is the default one (``--mode capped``: a clip over 40 fps analysed at 30 frames a
second, analyzer.pose.extract.for_clip), the adaptive one (``--mode adaptive``, run whatever the
clip's rate; the pipeline only uses it above analyzer.adaptive.MIN_SOURCE_FPS), or a fixed one
(``--mode fixed --fps 25``: the same motion as if filmed at 25 fps, which must read alike). Both analyses run
in this process, one after the other (full rate first), with the same workers and options.
Differences are the reduced run's against the full-rate run's: reps (count, largest shift of a
start, bottom or end, ms), finding codes only one run has (by code and rep), spans (largest shift
of an edge, ms) and measured values (largest difference, in the check's unit) of the findings both
have. A timing, not a test: nothing passes or fails.

Usage: python bench/adaptive.py CLIP [--mode capped|adaptive|fixed] [--fps 25] [--exercise auto] [--workers N] [--json]
With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from analyzer.adaptive import extract_adaptive, full_rate
from analyzer.io.video import probe
from analyzer.pipeline import Analysis, analyze_track, event_times_ms, options_for
from analyzer.pose.extract import ExtractOptions, default_workers, extract_track
from analyzer.report import Report, SourceInfo


def analysed(clip: Path, exercise: str, workers: int, mode: str, fps: float | None = None) -> tuple[Analysis, float, int]:
    """The analysis at ``mode`` (full, capped, fixed at ``fps`` or adaptive), its wall time (s) and the frames
    the model saw."""
    info = probe(clip)
    options = ExtractOptions(fps=fps if mode == "fixed" else None)
    start = time.perf_counter()
    if mode == "adaptive":
        track = extract_adaptive(clip, info, lambda base: event_times_ms(base, exercise), workers=workers)
    else:
        chosen = full_rate(options) if mode == "full" else options
        track = extract_track(clip, workers=workers, options=options_for(exercise, chosen), info=info)
    source = SourceInfo(file=clip.name, duration_s=info.duration_s, fps=info.fps, width=info.width, height=info.height)
    analysis = analyze_track(track, exercise, source=source)
    return analysis, time.perf_counter() - start, int(track.meta.get("frames_analysed", len(track)))


def _largest(values: list[float]) -> float | None:
    return round(max(values), 1) if values else None


def differences(full: Report, reduced: Report) -> dict[str, object]:
    """What the reduced-rate report says differently from the full-rate one."""
    rep_shift = [
        abs(getattr(a, edge) - getattr(b, edge))
        for a, b in zip(full.reps, reduced.reps)
        for edge in ("start_ms", "bottom_ms", "end_ms")
        if getattr(a, edge) is not None and getattr(b, edge) is not None
    ]
    by_key = [{(f.code, f.rep): f for f in r.findings if f.assessable} for r in (full, reduced)]
    both = sorted(set(by_key[0]) & set(by_key[1]), key=str)
    span_shift, span_count, measured = [], [], []
    for key in both:
        a, b = by_key[0][key], by_key[1][key]
        if len(a.spans_ms) != len(b.spans_ms):
            span_count.append(f"{key[0]} rep {key[1]}: {len(a.spans_ms)} -> {len(b.spans_ms)} spans")
        span_shift += [abs(x - y) for sa, sb in zip(a.spans_ms, b.spans_ms) for x, y in zip(sa, sb)]
        if a.measured is not None and b.measured is not None:
            measured.append(abs(a.measured - b.measured))
    return {
        "exercise": [full.exercise.name if full.exercise else None, reduced.exercise.name if reduced.exercise else None],
        "reps": [len(full.reps), len(reduced.reps)],
        "rep_edge_shift_ms": _largest(rep_shift),
        "findings_only_full": sorted(f"{c} rep {r}" for c, r in set(by_key[0]) - set(by_key[1])),
        "findings_only_reduced": sorted(f"{c} rep {r}" for c, r in set(by_key[1]) - set(by_key[0])),
        "span_count_changes": span_count,
        "span_edge_shift_ms": _largest(span_shift),
        "measured_diff": round(max(measured), 3) if measured else None,
        "score": [full.score, reduced.score],
        "outcome": [full.outcome, reduced.outcome],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--mode", choices=("capped", "adaptive", "fixed"), default="capped")
    parser.add_argument("--fps", type=float, default=25.0, help="the fixed mode's rate")
    parser.add_argument("--exercise", default="auto")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    full, full_s, full_frames = analysed(args.clip, args.exercise, args.workers, "full")
    reduced, reduced_s, reduced_frames = analysed(args.clip, args.exercise, args.workers, args.mode, args.fps)
    result = {
        "clip": args.clip.name,
        "mode": args.mode,
        "fps": round(probe(args.clip).fps, 2),
        "frames_full": full_frames,
        "frames_reduced": reduced_frames,
        "frame_ratio": round(reduced_frames / max(1, full_frames), 3),
        "wall_full_s": round(full_s, 2),
        "wall_reduced_s": round(reduced_s, 2),
        "time_ratio": round(reduced_s / full_s, 3),
        "stretches": reduced.track.meta.get("adaptive", {}).get("stretches"),
        **differences(full.report, reduced.report),
    }
    for key, value in result.items():
        print(f"{key:24} {value}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
