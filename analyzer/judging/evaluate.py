"""Runs one exercise's checks on a track's features: reps or hold, view gating, findings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analyzer.features.kinematics import Features
from analyzer.judging import tempo
from analyzer.judging.measures import per_rep_check
from analyzer.judging.positions import moving
from analyzer.judging.reps import RepSpan, find_hold, find_reps, find_runs
from analyzer.judging.rulebook import HOW_TO_FILM, Check, Context, Exercise, Judged, Setting, Threshold
from analyzer.judging.tempo import tempo_check
from analyzer.report import Finding, Rep, Severity

# Score: what one finding costs, per severity; repeated reps add a little more.
SEVERITY_COST = {Severity.danger: 30, Severity.warning: 12, Severity.note: 3, Severity.info: 0}
REPEAT_COST = 4


# The sets are the runs of frames in the exercise's position, bridging breaks
# up to this long (a rep can briefly leave the position, e.g. a deep hinge).
ACTIVE_MAX_BREAK_MS = 1500.0
MIN_ACTIVE_MS = 1500.0
MIN_HOLD_MS = 2000.0
# A short track (a snippet exported from another tool) is judged whole: the
# minimum lengths shrink to this fraction of its duration.
SHORT_TRACK_FRACTION = 0.6
MIN_REP_IN_POSITION = 0.5  # fraction of a rep's frames
# No body moves through a rep's depth faster than this: a half rep (leaving rest to the turn, or back)
# that quick is the video cutting away or the model jumping to another person (0.13-0.14 s on the shared
# clips where it happens; their quickest real half reps take 0.46 s, the tempo check's danger is 0.25 s).
MIN_HALF_REP_MS = 150.0


@dataclass
class Evaluation:
    reps: list[RepSpan]
    hold: tuple[int, int] | None
    findings: list[Finding]
    checked: list[str]
    notices: list[str] = field(default_factory=list)
    features: Features | None = None  # the active part the reps and hold index into
    judged: dict[str, Judged] = field(default_factory=dict)  # by check code, on the active part's frames
    thresholds: dict[str, Threshold] = field(default_factory=dict)  # by key: the limits of the checks run
    settings: dict[str, Setting] = field(default_factory=dict)  # the exercise's other numbers


def _view_reason(check: Check, features: Features) -> str | None:
    """Why the camera view cannot show this check, or None when it can."""
    view = features.view
    if view.kind == "unknown":
        return None
    if view.kind not in check.views:
        return (
            f"this was filmed from the {view.kind} (about {view.yaw_deg:.0f} degrees off the side view); "
            f"{check.title.lower()} can only be judged when you {HOW_TO_FILM[check.views[0]]}."
        )
    if check.max_yaw_deg is not None and view.yaw_deg is not None and view.yaw_deg > check.max_yaw_deg:
        return (
            f"this was filmed about {view.yaw_deg:.0f} degrees off the side view, and "
            f"{check.title.lower()} needs a view within {check.max_yaw_deg:.0f} degrees of side-on: "
            f"{HOW_TO_FILM['side']}."
        )
    return None


def _missing_reason(check: Check, features: Features) -> str | None:
    for name in check.needs:
        if name not in features or not np.any(np.isfinite(features[name])):
            return (
                f"{check.title.lower()} needs the body outline, which this input does not have "
                "(analyse the video itself rather than an exported pose track)."
            )
    return None


def count_reps(exercise: Exercise, features: Features) -> list[RepSpan]:
    """Reps on the exercise's signal; with rest 'either', the reading that finds more whole reps."""
    rests = ("low", "high") if exercise.rep_rest == "either" else (exercise.rep_rest,)
    in_position = exercise.in_position(features)
    candidates = [
        [
            rep
            for rep in find_reps(
                features.t_ms, features[exercise.rep_signal], rest=rest, min_amplitude=exercise.rep_min_amplitude
            )
            if _is_a_rep(exercise, features, in_position, rep)
        ]
        for rest in rests
    ]
    return max(candidates, key=len)


def _is_a_rep(exercise: Exercise, features: Features, in_position: np.ndarray, rep: RepSpan) -> bool:
    """Mostly in the exercise's position (not the walk between two sets), at a human pace, moving
    what the exercise must move (``rep_min_range``), and filmed in one shot (no cut inside it)."""
    t = features.t_ms
    if any(start <= t[rep.end] and end >= t[rep.start] for start, end in features.cuts_ms):
        return False
    if np.mean(in_position[rep.start : rep.end + 1]) < MIN_REP_IN_POSITION:
        return False
    if min(t[rep.turn] - t[rep.start], t[rep.end] - t[rep.turn]) < MIN_HALF_REP_MS:
        return False
    if exercise.rep_min_range is None:
        return True
    series, minimum = exercise.rep_min_range
    values = features[series][rep.start : rep.end + 1]
    return bool(np.any(np.isfinite(values))) and float(np.nanmax(values) - np.nanmin(values)) >= minimum


def _at_most(limit_ms: float, features: Features) -> float:
    duration = float(features.t_ms[-1] - features.t_ms[0]) if len(features.t_ms) > 1 else 0.0
    return min(limit_ms, SHORT_TRACK_FRACTION * duration)


def active_part(exercise: Exercise, features: Features, *, every_set: bool = True) -> Features | None:
    """The features of the sets, without walking in, setting up and leaving: from the first run
    in the exercise's position to the last (a clip may hold two sets, or a demonstration of good
    form and then of a fault; reps between them must be in position, see count_reps). With
    ``every_set`` False, the longest run alone: the main set, which recognition weighs."""
    runs = find_runs(
        features.t_ms,
        exercise.in_position(features),
        min_duration_ms=_at_most(MIN_ACTIVE_MS, features),
        max_break_ms=ACTIVE_MAX_BREAK_MS,
    )
    if not runs:
        return None
    if not every_set:
        runs = [max(runs, key=lambda run: features.t_ms[run[1] - 1] - features.t_ms[run[0]])]
    return features.between(runs[0][0], runs[-1][1])


def evaluate(exercise: Exercise, features: Features) -> Evaluation:
    """Count reps or time the hold, then run every check that this view and input allow.

    Everything is judged on the active part only; times stay the clip's own.
    """
    notices: list[str] = []
    reps: list[RepSpan] = []
    hold = None
    active = active_part(exercise, features)
    if active is None:
        notices.append(
            f"No {exercise.title.lower()} position was held for {MIN_ACTIVE_MS / 1000:.1f} s: film the whole set "
            "from the side with the whole body in the frame."
        )
    elif exercise.kind == "reps":
        features = active
        reps = count_reps(exercise, features)
        if not reps:
            notices.append(
                f"No complete {exercise.title.lower()} rep was found: film the whole set, from start to finish, "
                "with the whole body in the frame."
            )
    else:
        features = active
        hold = find_hold(
            features.t_ms, exercise.in_position(features), min_duration_ms=_at_most(MIN_HOLD_MS, features),
            moving=moving(features),
        )
        if hold is None:
            notices.append(
                f"No {exercise.title.lower()} hold of at least 2 seconds was found: film the whole hold from the side."
            )
    ctx = Context(features=features, reps=reps, hold=hold, exercise=exercise)
    findings: list[Finding] = []
    checked: list[str] = []
    nothing_to_judge = not reps and hold is None
    checks = exercise.checks + ((tempo_check(exercise),) if "tempo_angle" in exercise.extra else ())
    all_thresholds = {**exercise.thresholds, tempo.THRESHOLD_KEY: tempo.THRESHOLD}
    used: dict[str, Threshold] = {}
    for check in checks:
        reason = _view_reason(check, features) or _missing_reason(check, features)
        if reason:
            findings.append(check.not_assessable(reason))
            continue
        if nothing_to_judge:
            continue
        judged = _judge(ctx, check)
        findings.extend(judged)
        if judged and not any(f.assessable for f in judged):
            continue  # its premise did not hold (no bar in front of the legs, no clear outline): not checked
        checked.append(check.title)
        used[check.threshold] = all_thresholds[check.threshold]
    return Evaluation(
        reps=reps, hold=hold, findings=_told_once(findings, checks), checked=checked, notices=notices, features=features,
        judged=ctx.judged, thresholds=used, settings=dict(exercise.settings),
    )


def _told_once(findings: list[Finding], checks: tuple[Check, ...]) -> list[Finding]:
    """Without the findings of a backing-up check on the reps where the check it backs up found the fault."""
    backs_up = {c.code: c.backs_up for c in checks if c.backs_up}
    found = {(f.code, f.rep) for f in findings if f.assessable and f.severity != Severity.info}
    return [f for f in findings if not (f.assessable and f.code in backs_up and (backs_up[f.code], f.rep) in found)]


def _judge(ctx: Context, check: Check) -> list[Finding]:
    """A check's findings: its own ``run``, or its ``measure`` of each rep against its own threshold."""
    if check.run is not None:
        return check.run(ctx, check)
    threshold = ctx.exercise.thresholds[check.threshold]
    return per_rep_check(ctx, check, threshold, check.measure, unmeasured=check.unmeasured)


def rep_records(features: Features, reps: list[RepSpan], metrics: list[str]) -> list[Rep]:
    """Reps for the report with a few per-rep values (range of the named series)."""
    t = features.t_ms
    out = []
    for number, rep in enumerate(reps, start=1):
        values = {}
        for name in metrics:
            if name in features:
                seg = features[name][rep.start : rep.end + 1]
                if np.any(np.isfinite(seg)):
                    values[f"{name}_min"] = round(float(np.nanmin(seg)), 1)
                    values[f"{name}_max"] = round(float(np.nanmax(seg)), 1)
        values["duration_s"] = round((t[rep.end] - t[rep.start]) / 1000.0, 2)
        out.append(Rep(index=number, start_ms=t[rep.start], end_ms=t[rep.end], bottom_ms=t[rep.turn], metrics=values))
    return out


def score(findings: list[Finding], checked: list[str]) -> int | None:
    """0-100: 100 for a clean set, less for each error and how bad it was; None if nothing was judged."""
    if not checked:
        return None
    cost = 0
    seen: set[str] = set()
    for finding in findings:
        if not finding.assessable:
            continue
        if finding.code in seen:
            cost += REPEAT_COST if finding.severity != Severity.info else 0
        else:
            cost += SEVERITY_COST[finding.severity]
            seen.add(finding.code)
    return max(0, 100 - cost)
