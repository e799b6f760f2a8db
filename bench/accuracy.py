"""How often is formcheck right?  Scores its findings against ground-truth JSONs of synthetic clips.

    python bench/accuracy.py sample_videos/            # clips (.mp4) or tracks (.csv) beside .json truths
    python bench/accuracy.py /tmp/synth_bench --json   # machine-readable
    python bench/accuracy.py DIR --reports REPORTS/    # score saved report JSONs (<stem>.json) instead

A truth file (written by ``tools.synth.render``) names the exercise, the
findings a clip must produce (``expected_findings``), the ones it must not
(``absent_findings``) and borderline ones (magnitude under the clear level:
not scored).  Per finding code: precision, recall, F1 over clips; the
confusion of injected errors (or "clean") against reported codes; per rep:
whether the rep count is exact and whether each rep's findings match; and the
recognition table, true exercise against the exercise reported (run with
``--auto-exercise`` for it to mean anything).
Only assessable findings count as reported; an expected finding that came
back not assessable is a miss, counted apart as well.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analyzer.report import Report

INPUT_SUFFIXES = (".mp4", ".mov", ".webm", ".csv")


@dataclass(frozen=True)
class Case:
    """One clip's truth and what formcheck reported on it."""

    name: str
    truth: dict
    report: Report | None
    error: str = ""


def reported_codes(report: Report, rep: int | None = None) -> set[str]:
    """Codes of assessable findings (of one rep when ``rep`` is given)."""
    return {f.code for f in report.findings if f.assessable and (rep is None or f.rep == rep)}


def unassessable_codes(report: Report) -> set[str]:
    return {f.code for f in report.findings if not f.assessable}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f1)}


def _r(x: float | None) -> float | None:
    return round(x, 4) if x is not None else None


def score(cases: list[Case]) -> dict:
    """All metrics for a list of cases (pure: no pipeline, testable on hand-made reports)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    confusion: dict[str, Counter] = defaultdict(Counter)
    clean = {"clips": 0, "with_findings": 0, "false_alarms": Counter()}
    reps = {"clips": 0, "exact": 0, "abs_diff": 0, "reps": 0, "reps_agree": 0}
    recognition: dict[str, Counter] = defaultdict(Counter)  # true exercise -> exercise reported
    exercise_ok = 0
    failures = []
    scored = [c for c in cases if c.report is not None]
    for case in cases:
        if case.report is None:
            failures.append({"clip": case.name, "error": case.error})
    for case in scored:
        truth, report = case.truth, case.report
        got = reported_codes(report)
        unassessable = unassessable_codes(report)
        for code in truth.get("expected_findings", []):
            c = counts[code]
            if code in got:
                c["tp"] += 1
            else:
                c["fn"] += 1
                if code in unassessable:
                    c["fn_unassessable"] += 1
        for code in truth.get("absent_findings", []):
            counts[code]["fp" if code in got else "tn"] += 1
        for code in truth.get("borderline_findings", []):
            counts[code]["borderline_reported" if code in got else "borderline_silent"] += 1
        row = "+".join(sorted(truth.get("expected_findings", []))
                       + sorted(f"{c} (borderline)" for c in truth.get("borderline_findings", []))) or "clean"
        for code in sorted(got) or ["(none)"]:
            confusion[row][code] += 1
        if not truth.get("errors"):
            clean["clips"] += 1
            clean["with_findings"] += bool(got)
            clean["false_alarms"].update(got)
        exercise_ok += bool(report.exercise and report.exercise.name == truth["exercise"])
        recognition[truth["exercise"]][report.exercise.name if report.exercise else "(none)"] += 1
        if truth.get("reps"):
            _score_reps(truth, report, reps)
    per_code = {}
    for code in sorted(counts):
        c = counts[code]
        per_code[code] = {**_prf(c["tp"], c["fp"], c["fn"]), **{k: c[k] for k in
                          ("tp", "fp", "fn", "tn", "fn_unassessable", "borderline_reported", "borderline_silent")}}
    return {
        "clips": len(cases),
        "scored": len(scored),
        "failures": failures,
        "exercise_accuracy": _r(exercise_ok / len(scored)) if scored else None,
        "per_code": per_code,
        "confusion": {row: dict(cols) for row, cols in sorted(confusion.items())},
        "recognition": {row: dict(cols) for row, cols in sorted(recognition.items())},
        "clean": {"clips": clean["clips"], "with_findings": clean["with_findings"],
                  "false_alarms": dict(clean["false_alarms"])},
        "reps": {
            "clips": reps["clips"],
            "count_exact": _r(reps["exact"] / reps["clips"]) if reps["clips"] else None,
            "count_mean_abs_diff": _r(reps["abs_diff"] / reps["clips"]) if reps["clips"] else None,
            "rep_findings_agree": _r(reps["reps_agree"] / reps["reps"]) if reps["reps"] else None,
        },
    }


def _score_reps(truth: dict, report: Report, acc: dict) -> None:
    """Rep count, and per true rep whether the reported codes (of this exercise) equal the expected ones."""
    acc["clips"] += 1
    n_true, n_got = len(truth["reps"]), len(report.reps)
    acc["exact"] += n_true == n_got
    acc["abs_diff"] += abs(n_true - n_got)
    scored_codes = set(truth.get("expected_findings", [])) | set(truth.get("absent_findings", []))
    for rep in truth["reps"]:
        acc["reps"] += 1
        got = reported_codes(report, rep["index"]) & scored_codes
        want = set(rep.get("expected_findings", [])) & scored_codes
        acc["reps_agree"] += got == want


def load_cases(directory: Path, reports: Path | None, exercise_given: bool, workers: int | None) -> list[Case]:
    """Pair every truth JSON in ``directory`` with a report: saved (``reports``) or made by the pipeline."""
    cases = []
    for truth_path in sorted(directory.glob("*.json")):
        truth = json.loads(truth_path.read_text())
        if "expected_findings" not in truth:
            continue
        name = truth_path.stem
        try:
            if reports is not None:
                report = Report.read(reports / f"{name}.json")
            else:
                source = next((truth_path.with_suffix(s) for s in INPUT_SUFFIXES if truth_path.with_suffix(s).exists()),
                              None)
                if source is None:
                    raise FileNotFoundError(f"no clip or track beside {truth_path.name}")
                from analyzer.pipeline import analyze_path

                report = analyze_path(source, truth["exercise"] if exercise_given else "auto", workers=workers)
            cases.append(Case(name, truth, report))
        except Exception as exc:  # noqa: BLE001 -- one broken clip must not hide the others' scores
            cases.append(Case(name, truth, None, f"{type(exc).__name__}: {exc}"))
    return cases


def _print(result: dict) -> None:
    print(f"clips {result['clips']}  scored {result['scored']}  exercise recognised {result['exercise_accuracy']}")
    for f in result["failures"]:
        print(f"  FAILED {f['clip']}: {f['error']}")
    print(f"\n{'finding code':32s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'tp':>4s} {'fp':>4s} {'fn':>4s} {'tn':>4s}"
          f" {'n/a':>4s} {'border':>7s}")
    for code, m in result["per_code"].items():
        border = f"{m['borderline_reported']}/{m['borderline_reported'] + m['borderline_silent']}"
        print(f"{code:32s} {_f(m['precision'])} {_f(m['recall'])} {_f(m['f1'])} {m['tp']:4d} {m['fp']:4d} "
              f"{m['fn']:4d} {m['tn']:4d} {m['fn_unassessable']:4d} {border:>7s}")
    c = result["clean"]
    print(f"\nclean clips {c['clips']}: {c['with_findings']} with any finding; false alarms {c['false_alarms'] or '{}'}")
    print("\nconfusion (injected -> reported codes, clip counts):")
    for row, cols in result["confusion"].items():
        print(f"  {row:40s} " + ", ".join(f"{k} x{v}" for k, v in sorted(cols.items())))
    _print_recognition(result["recognition"])
    r = result["reps"]
    print(f"\nreps: {r['clips']} clips, count exact {r['count_exact']}, mean |diff| {r['count_mean_abs_diff']}, "
          f"per-rep findings agree {r['rep_findings_agree']}")


def _print_recognition(table: dict[str, dict[str, int]]) -> None:
    """True exercise (rows) against the exercise reported (columns), clip counts; "(none)": not named."""
    columns = sorted({c for cols in table.values() for c in cols} | set(table))
    width = max([len(c) for c in columns] + [8])
    print("\nrecognition (true exercise -> reported, clip counts):")
    print(" " * (width + 2) + " ".join(f"{c[:6]:>6s}" for c in columns))
    for row, cols in table.items():
        print(f"  {row:{width}s}" + " ".join(f"{cols.get(c, 0) or '.':>6}" for c in columns))


def _f(x: float | None) -> str:
    return f"{x:6.3f}" if x is not None else "     -"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/accuracy.py", description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, help="clips or tracks with ground-truth JSONs (same stem)")
    ap.add_argument("--reports", type=Path, help="score saved report JSONs from this directory instead of analysing")
    ap.add_argument("--auto-exercise", action="store_true", help="let formcheck recognise the exercise")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args(argv)
    cases = load_cases(args.directory, args.reports, not args.auto_exercise, args.workers)
    result = score(cases)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        _print(result)
    return 0 if cases else 1


if __name__ == "__main__":
    raise SystemExit(main())
