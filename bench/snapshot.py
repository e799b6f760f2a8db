"""What formcheck says about a set of clips, as one JSON file to compare runs by.

A refactor must not change a verdict: run this before and after and compare
the two files (``--compare OLD.json`` prints the clips whose exercise, reps,
hold, findings or score differ).

Usage: python bench/snapshot.py CLIP_OR_DIR... --out snapshot.json [--compare OLD.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analyzer.pipeline import InputError, run_analysis

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}


def clips(paths: list[Path]) -> list[Path]:
    """Every video named, or inside a named folder, sorted."""
    found: list[Path] = []
    for path in paths:
        found += sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES) if path.is_dir() else [path]
    return found


def summary(clip: Path) -> dict[str, object]:
    """The parts of a report a user reads: exercise, reps, hold, findings (code, severity, rep, spans, value)."""
    try:
        report = run_analysis(clip).report
    except InputError as exc:
        return {"refused": str(exc)}
    return {
        "exercise": report.exercise.name if report.exercise else None,
        "reps": [(round(r.start_ms), round(r.end_ms)) for r in report.reps],
        "hold": (round(report.hold.start_ms), round(report.hold.end_ms)) if report.hold else None,
        "score": report.score,
        "verdict": report.verdict,
        "findings": [
            {
                "code": f.code, "severity": f.severity.value, "rep": f.rep, "assessable": f.assessable,
                "spans": [(round(a), round(b)) for a, b in f.spans_ms],
                "measured": None if f.measured is None else round(f.measured, 2),
            }
            for f in report.findings
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot: print what differs")
    args = parser.parse_args()
    result = {}
    for clip in clips(args.paths):
        result[str(clip)] = summary(clip)
        print(f"{clip.name}: {result[str(clip)].get('verdict') or result[str(clip)].get('refused')}", flush=True)
    args.out.write_text(json.dumps(result, indent=1))
    if args.compare is None:
        return 0
    old = json.loads(args.compare.read_text())
    changed = [name for name in result if json.loads(json.dumps(result[name])) != old.get(name)]
    for name in changed:
        print(f"DIFFERS: {name}\n  was: {json.dumps(old.get(name))}\n  now: {json.dumps(result[name])}")
    print(f"{len(result) - len(changed)} of {len(result)} clips say the same")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
