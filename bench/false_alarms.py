"""Every finding formcheck raises on a folder of real good-form clips, with its time span.

Good form should raise nothing: each line printed is a false alarm to check against the frames.
With ``--stills DIR`` the frame where each finding is worst is written there, annotated, so a
reviewer can look at what formcheck judged. The exercise of each clip comes from ``--manifest``
(a TSV with ``file`` and ``exercise`` columns, like the shared clips' MANIFEST.tsv) or is
recognised.

Usage: python bench/false_alarms.py DIR [--manifest MANIFEST.tsv] [--stills OUT] [--workers N]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analyzer.draw.overlay import annotated_still, overlay_plan, worst_frame_ms
from analyzer.judging.registry import exercises
from analyzer.pipeline import Analysis, InputError, run_analysis
from bench.snapshot import clips


def manifest_exercises(path: Path | None) -> dict[str, str]:
    """File name -> exercise name, for the rows naming an exercise formcheck knows."""
    if path is None:
        return {}
    known = set(exercises())
    with open(path, newline="") as fh:
        return {row["file"]: row["exercise"] for row in csv.DictReader(fh, delimiter="\t") if row["exercise"] in known}


def report_clip(clip: Path, analysis: Analysis, stills: Path | None) -> list[str]:
    """One line per judged finding (code, severity, rep, time spans, value), stills written on the way."""
    report = analysis.report
    lines = []
    plan = None
    for number, f in enumerate(x for x in report.findings if x.assessable):
        spans = ", ".join(f"{a / 1000:.1f}-{b / 1000:.1f} s" for a, b in f.spans_ms)
        rep = f"rep {f.rep}" if f.rep else "set"
        lines.append(f"  {f.severity.value:8s} {f.code:32s} {rep:7s} {spans}  ({f.measured} {f.unit}, limit {f.threshold})")
        t_ms = worst_frame_ms(analysis, f)
        if stills is not None and t_ms is not None:
            plan = plan or overlay_plan(analysis)
            image = annotated_still(clip, plan, t_ms, crop=False, max_side=720)
            cv2.imwrite(str(stills / f"{clip.stem}__{number:02d}_{f.code}_{t_ms / 1000:.1f}s.jpg"), image[:, :, ::-1])
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--stills", type=Path, help="write the worst frame of each finding here")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    named = manifest_exercises(args.manifest)
    if args.stills is not None:
        args.stills.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for clip in clips(args.paths):
        try:
            analysis = run_analysis(clip, named.get(clip.name, "auto"), workers=args.workers)
        except InputError as exc:
            print(f"{clip.name}: refused: {exc}")
            outcomes["refused"] += 1
            continue
        report = analysis.report
        outcomes[report.outcome] += 1
        print(f"{clip.name}: {report.verdict}")
        for line in report_clip(clip, analysis, args.stills):
            print(line)
        counts.update(f.severity.value for f in report.findings if f.assessable)
    print(f"clips by outcome: {dict(outcomes)}; findings by severity: {dict(counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
