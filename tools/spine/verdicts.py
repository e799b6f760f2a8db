"""What formcheck's spine checks say on rendered clips with known errors (the whole app pipeline).

    python -m tools.synth.render --spec tools/spine/verdict_clips.json --out /work/spine_data/verdicts
    python -m tools.spine.verdicts /work/spine_data/verdicts

One line per clip: the injected spine errors, the exercise's spine findings
per rep (measured value, title) and whether they match the truth (expected:
found on every rep that carries the error; clean: nothing found).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

SPINE_CODES = ("deadlift.rounded_back", "squat.butt_wink", "squat.butt_wink_across_reps")


def verdict(video: Path) -> str:
    from analyzer.pipeline import run_analysis

    truth = json.loads(video.with_suffix(".json").read_text())
    analysis = run_analysis(video, truth["exercise"])
    report = analysis.report
    found = [f for f in report.findings if f.code in SPINE_CODES]
    expected_reps = {r["index"] for r in truth["reps"] if r["expected_findings"]}
    headline = "deadlift.rounded_back" if truth["exercise"] == "deadlift" else "squat.butt_wink"
    flagged = {f.rep for f in found if f.code == headline and f.assessable}
    other = sorted({f.rep for f in found if f.code != headline and f.assessable})
    words = "; ".join(
        f"{f.code} rep {f.rep}: {f.measured} {f.unit} ({f.title})" if f.assessable else f"{f.code}: not judged"
        for f in found
    )
    ok = flagged == expected_reps if expected_reps else not flagged
    judged = analysis.evaluation.judged.get(headline) if analysis.evaluation else None
    per_rep = []
    if judged is not None:
        for rep in report.reps:
            t_ms = analysis.evaluation.features.t_ms
            inside = (t_ms >= rep.start_ms) & (t_ms <= rep.end_ms)
            values = judged.verdict[inside]
            values = values[np.isfinite(values)]
            per_rep.append(round(float(values[0]), 1) if len(values) else None)
    return (f"{video.stem}: errors {truth['errors'] or 'none'}, reps {len(report.reps)}/{truth['rep_count']}, "
            f"{headline} on reps {sorted(flagged)} (expected {sorted(expected_reps)}), "
            f"across-reps cue on {other}, judged per rep {per_rep} -> {'OK' if ok else 'MISS'}\n    {words}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.spine.verdicts", description=__doc__.splitlines()[0])
    ap.add_argument("clips", type=Path)
    args = ap.parse_args(argv)
    for video in sorted(args.clips.glob("*.mp4")):
        if video.with_suffix(".json").exists():
            print(verdict(video), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
