"""A rounded back read from the spine estimator's angles (analyzer/features/spine.py), for every hinge
that judges it (deadlift, bent-over row).

A rule says how it reads one spine series in a rep (``SpineReading``: against the same lifter
standing tall, or the angle itself where the rep never stands up); the reading of the whole spine's
flexion (lumbar plus thoracic) is judged, and each finding is titled by the region that did the
rounding, read the same way: the estimator splits the two loosely, while their sum holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analyzer.features import spine
from analyzer.judging.measures import (
    FrameSets,
    RepFrames,
    RepMeasure,
    RepValue,
    change_between,
    frames_for,
    per_rep_check,
    percentile_at,
)
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold
from analyzer.report import Finding

SPINE_SETTINGS = {
    "spine_quality": Setting(
        spine.MIN_QUALITY, "estimator quality", "Spine angles are trusted only where the estimator could tell (outline traced, "
        "near side-on, inputs like the rendered bodies it learnt from): renders read 0.7-1 side-on, less turned.",
    ),
    "spine_time": Setting(
        200.0, "ms", "A rep's spine flexion is judged only with at least this much trusted hinge and standing: a "
        "rounded back holds through the bottom of the pull, a few frames of a cut or an occlusion do not.",
    ),
    "region_share": Setting(
        0.8, "share of the rounding", "The finding names the upper (or lower) back when it did at least this share "
        "of the rounding, and both otherwise: the estimator splits the two loosely (held-out renders: 12 deg "
        "lumbar + 18 thoracic read 27 + 7.5, 30 thoracic alone 13 + 25.5), while their sum holds.",
    ),
}
MIN_QUALITY = SPINE_SETTINGS["spine_quality"].value
MIN_MS = SPINE_SETTINGS["spine_time"].value

SpineReading = Callable[[str], RepMeasure]  # how a rule reads one spine series (flexion, thoracic, lumbar) in a rep


def spine_change(series: str, frames: FrameSets) -> RepMeasure:
    """A spine series' median over the judged frames against the reference frames (the deadlift's hinge
    against standing tall), on trusted frames only."""
    return change_between(series, frames, quality=spine.QUALITY, min_quality=MIN_QUALITY, percentile=50.0,
                          min_ms=MIN_MS)


def spine_level(series: str, frames: RepFrames) -> RepMeasure:
    """A spine series' median over the chosen frames of the rep, as the estimator gives it (against a
    neutral spine): for a rep that never stands up, where no reference of the same lifter exists."""

    def measure(ctx: Context, rep: RepSpan) -> RepValue | None:
        values, quality = ctx.features[series], ctx.features[spine.QUALITY]
        judged = frames(ctx, rep)
        judged = judged[np.isfinite(values[judged]) & (np.nan_to_num(quality[judged]) >= MIN_QUALITY)]
        if len(judged) < frames_for(ctx, MIN_MS):
            return None
        return RepValue(percentile_at(values, judged, 50.0), judged, values[judged], float(np.mean(quality[judged])))

    return measure


def rounded_back(
    ctx: Context, check: Check, threshold: Threshold, reading: SpineReading, *, unmeasured: str
) -> list[Finding]:
    """The spine's flexion in each rep, read by ``reading``, past ``threshold``; the finding names the region."""
    findings = per_rep_check(ctx, check, threshold, reading(spine.FLEXION), unmeasured=unmeasured)
    return [_with_region(ctx, finding, reading) for finding in findings]


def _with_region(ctx: Context, finding: Finding, reading: SpineReading) -> Finding:
    """Title the finding by the region that did the rounding: the upper back, the lower back or both."""
    if not finding.assessable or finding.rep is None:
        return finding
    rep = ctx.reps[finding.rep - 1]
    changes = []
    for series in (spine.THORACIC, spine.LUMBAR):
        value = reading(series)(ctx, rep)
        changes.append(max(value.value, 0.0) if value is not None and np.isfinite(value.value) else 0.0)
    upper, lower = changes
    share = SPINE_SETTINGS["region_share"].value
    if upper + lower <= 0:
        return finding
    region = ("upper back rounding" if upper >= share * (upper + lower)
              else "lower back rounding" if lower >= share * (upper + lower) else "upper and lower back rounding")
    return finding.model_copy(update={"title": f"{finding.title}: {region}"})


def spine_checks(exercise: Exercise) -> tuple[Check, ...]:
    """The exercise's checks that judge the estimator's angles (what the back drawn over the picture shows)."""
    return tuple(c for c in exercise.checks if spine.reads_spine((*c.needs, c.key_series)))


def trusted_quality(exercise: Exercise) -> float:
    """The estimator quality from which the exercise trusts a frame's angles (its ``spine_quality``)."""
    setting = exercise.settings.get("spine_quality")
    return setting.value if setting else spine.MIN_QUALITY
