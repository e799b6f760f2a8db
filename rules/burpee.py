"""Burpee: stand, squat with the hands to the floor, jump the feet back to a plank, back in, stand (or jump).

The articles (ERRORS.md: torso twist, toe touch, burpee, jumping; plank) name two faults: the plank
phase's hips sagging, the lower back arching as the feet land behind, and going so fast that form
cannot keep up. The sag is the plank's body line (the angle at the hip between shoulder and ankle, +
with the hip below the line), read only where the body is a plank: face down on the arms, legs straight.
The pace is each whole burpee's time, standing to standing. A rep is one burpee, counted on the
shoulders' height, which drops by about a leg length from standing to the plank and comes back once.
The shared tempo check (the quicker half of a rep) is left off: a burpee's halves are several moves
each, and its whole duration is what says it was rushed.
"""

from __future__ import annotations

import numpy as np

from analyzer.features.filtering import nan_runs
from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepValue, at_percentile, frames_for
from analyzer.judging.positions import prone, ramp, spread, upright
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

LINE = "hip_below_ankle_line_deg"
REP_SIGNAL = "shoulder_height"
THRESHOLDS = {
    "sag": Threshold(
        warn=10.0, danger=20.0, unit="deg",
        reason="ERRORS.md plank (also the plank phase of burpees): sagging hips arch the lower back. The plank's "
        "own limits (rules/plank.py: 10 deg is the hips ~5 cm below the shoulder-ankle line, 20 deg ~12 cm), "
        "not the push-up's higher ones: no elbow bend here makes the hips lag. Judged on the plank phase's "
        "median, so the dip of the feet landing behind is not the fault. Skeleton burpees (realistic noise, 5 seeds) "
        "read -2 to -1 clean, 3-4 at a 5 deg sag, 13-14 at the clear 15, 18-19 at 20.",
    ),
    "pace": Threshold(
        warn=2.0, danger=1.5, unit="s", above=False,
        reason="ERRORS.md burpee: slow down enough to keep the spine neutral through the squat-plank-squat "
        "transitions. A burpee is five moves (down to the hands, feet back, plank, feet in, up): in 2 s each "
        "takes 0.4 s, the shared tempo check's limit for one half of a rep (analyzer/judging/tempo.py), in 1.5 s "
        "0.3 s, a drop rather than a move. A controlled burpee takes about 3 s. Measured from where the shoulders "
        "leave standing to where they are back, a little short of the whole move: skeleton burpees (5 seeds) of "
        "3 s read 2.6 (2.3-3.2 ending in a jump), of 2.6 s 2.2-2.3, of 1.9 s 1.6-1.9, of the clear 1.2 s 1.1.",
    ),
}
SETTINGS = {
    "plank_legs": Setting(
        150.0, "deg", "The plank phase is the frames face down on the arms with the knees straighter than this: "
        "while the feet jump back or in the knees are bent and the body line means nothing.",
    ),
    "min_plank": Setting(
        100.0, "ms", "A plank phase shorter than this (3 frames at 30 fps) is too little to judge the hips on.",
    ),
    "standing_trunk": Setting(
        25.0, "deg", "Standing tall: the trunk within this of vertical (a squat leans 35-60 deg, a plank 65-85).",
    ),
}


def in_burpee(features: Features) -> np.ndarray:
    """Frames on the feet (standing or squatting) or face down on the arms (the plank)."""
    return upright(features) | prone(features)


def in_plank_phase(features: Features) -> np.ndarray:
    """Frames of the plank phase: face down on the arms, legs straight."""
    return prone(features) & (features["knee_deg"] > SETTINGS["plank_legs"].value)


def _share(mask: np.ndarray, features: Features) -> float:
    valid = features.valid
    return float(np.mean(mask[valid])) if valid.any() else 0.0


def _longest_s(mask: np.ndarray, features: Features) -> float:
    t = features.t_ms
    return max((float(t[b - 1] - t[a]) / 1000.0 for a, b in nan_runs(mask)), default=0.0)


def looks_like(features: Features) -> float:
    """Standing tall and face down in a plank, both, over and over: the shoulders travel a leg length
    (a squat's ~0.5), and no plank lasts long (a plank or a push-up set holds it for the whole clip)."""
    down = prone(features)
    tall = upright(features) & (features["trunk_incline_deg"] < SETTINGS["standing_trunk"].value)
    return (
        ramp(spread(features, REP_SIGNAL), 0.6, 0.8)
        * ramp(_share(down, features), 0.03, 0.1)
        * ramp(_share(tall, features), 0.05, 0.15)
        * ramp(_longest_s(down, features), 6.0, 3.0)
    )


def _plank_frames(ctx: Context, rep: RepSpan) -> np.ndarray:
    """The rep's plank phase, or none when it is too short to judge."""
    frames = np.arange(rep.start, rep.end + 1)
    frames = frames[in_plank_phase(ctx.features)[frames]]
    return frames if len(frames) >= frames_for(ctx, SETTINGS["min_plank"].value) else frames[:0]


def _duration(ctx: Context, rep: RepSpan) -> RepValue:
    """One whole burpee, standing to standing (s)."""
    return RepValue((ctx.t_ms[rep.end] - ctx.t_ms[rep.start]) / 1000.0, np.arange(rep.start, rep.end + 1))


EXERCISE = Exercise(
    name="burpee",
    title="Burpee",
    kind="reps",
    aliases=("burpees", "squat thrust"),
    rep_signal=REP_SIGNAL,
    rep_rest="high",
    # standing to the plank drops the shoulders about a leg length; a squat, even a deep one, half that
    rep_min_amplitude=0.6,
    # the legs go from upright to lying back along the floor (a plank's 70-80 deg from vertical): a squat or
    # a deadlift, which tips the trunk as far, keeps them within ~35 deg
    rep_min_range=("leg_incline_deg", 50.0),
    looks_like=looks_like,
    in_position=in_burpee,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    views=("side", "oblique", "front"),
    extra={"rep_metrics": ["trunk_incline_deg", LINE]},
    checks=(
        Check(
            code="burpee.plank_hip_sag",
            title="Hips sagging in the plank",
            cue="Brace your belly and squeeze your glutes as your feet land behind you: shoulders, hips and heels "
            "in one line.",
            why="Hips that drop as the feet land let the lower back arch under the body's weight, over and over.",
            headline=True,
            threshold="sag",
            series_label="Hips below the shoulder to ankle line in the plank phase, below 0 piked (deg)",
            measure=at_percentile(LINE, _plank_frames, 50.0),
            body_parts=("shoulder", "hip", "ankle"),
            key_series=LINE,
        ),
        Check(
            code="burpee.too_fast",
            title="Burpees too fast",
            cue="Slow down: about three seconds a burpee, each move (down, feet back, feet in, up) under control.",
            why="Rushed burpees throw the body through the squat-plank-squat transitions on momentum, and the "
            "spine stops holding neutral.",
            threshold="pace",
            series_label="One whole burpee, standing to standing (s)",
            measure=_duration,
            views=("side", "front", "oblique"),
            key_series=REP_SIGNAL,
        ),
    ),
)
