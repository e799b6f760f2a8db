"""Torso twist (standing or seated): the shoulders turn left and right about the spine, arms crossed or held out.

The articles ask for the twist to come from the mid-back and hips and to be slow and controlled: quick
turns strain the muscles and discs. What is judged is the speed: how fast the shoulder line turns about
the vertical, read from the world landmarks' shoulder line (``shoulder_yaw_deg``). A rep is one full
cycle, from one side across to the other and back (counted on the signed turn, so that a twist with or
without a pause facing forward counts the same); its speed is the quickest turn in it, as a slope over
a fifth of a second, which landmark jitter does not reach.

Filmed from the front the turn moves the shoulders in depth, which the model estimates from both
shoulders in sight; from the side the far shoulder hides behind the near one just as the turn is
quickest (passing the front), and its depth is a guess: the speed is judged from the front or obliquely
(up to 60 degrees off the front).
"""

from __future__ import annotations

import numpy as np

from analyzer.features.filtering import rate_over
from analyzer.features.kinematics import Features
from analyzer.judging.measures import RepValue
from analyzer.judging.positions import percentile_of, ramp, spread, typical, upright
from analyzer.judging.reps import RepSpan
from analyzer.judging.rulebook import Check, Context, Exercise, Setting, Threshold

REP_SIGNAL = "shoulder_yaw_deg"
SETTINGS = {
    "speed_window": Setting(
        200.0, "ms", "The turn's speed is its slope over this long around each frame: on skeleton twists "
        "(3 px noise, the world landmarks as noisy) a slope over 100 ms reads a clean 90 deg/s twist at up "
        "to 133, this one at 94-111, and a 300 deg/s twist at 257-310 (a quick move is blunted a little).",
    ),
}
THRESHOLDS = {
    "speed": Threshold(
        warn=180.0, danger=270.0, unit="deg/s",
        reason="ERRORS.md torso twist: twist the mid-back and hips, move slowly and with control; quick "
        "movements strain muscles and discs. The shoulder line's peak turning speed in a rep: a controlled "
        "twist of 45 deg a side each way in about 2 s peaks near 90 deg/s (the skeleton reads 94-111); "
        "trunk rotation is tested isokinetically at 60 deg/s as slow and 120-180 as fast, so past 180 the "
        "turn is swung rather than controlled (skeleton 150 deg/s reads 143-188, 200 reads 179-216), past "
        "270 it is thrown (300 deg/s reads 257-310).",
    ),
}
FRONT_VIEWS = ("front", "oblique")


def in_twist(features: Features) -> np.ndarray:
    """Frames on the feet (or seated) with the trunk upright: a twist turns about a vertical spine."""
    return upright(features) & (features["trunk_incline_deg"] < 30.0)


def looks_like(features: Features) -> float:
    """The shoulders turn well to both sides, further than the hips (the spine twists, the body does
    not just turn round), while the hips stay at their height, the knees keep their bend and the
    hands stay at one height (arms crossed or held out: not a curl, a press or a jumping jack)."""
    twist = features["shoulder_yaw_deg"] - features["hip_yaw_deg"]
    spine_turns = percentile_of(twist, 95) - percentile_of(twist, 5)
    return (
        ramp(spread(features, "shoulder_yaw_deg"), 30.0, 50.0)
        * ramp(spine_turns, 10.0, 25.0)
        * (1.0 - ramp(spread(features, "hip_height"), 0.06, 0.12))
        * (1.0 - ramp(spread(features, "knee_deg"), 20.0, 40.0))
        * (1.0 - ramp(spread(features, "wrist_height"), 0.25, 0.4))
        * ramp(typical(features, "trunk_incline_deg"), 30.0, 15.0)
    )


def turn_speed(features: Features) -> np.ndarray:
    """(T,) how fast the shoulder line turns (deg/s, either way): its slope over the speed window."""
    return rate_over(features.t_ms, features[REP_SIGNAL], SETTINGS["speed_window"].value)


def peak_speed(ctx: Context, rep: RepSpan) -> RepValue:
    """The rep's quickest turn (deg/s)."""
    frames = np.arange(rep.start, rep.end + 1)
    return RepValue.at(turn_speed(ctx.features), frames, 100.0)


EXERCISE = Exercise(
    name="torso_twist",
    title="Torso twist",
    kind="reps",
    aliases=("torso twist", "trunk twist", "standing twist", "trunk rotation"),
    rep_signal=REP_SIGNAL,
    rep_rest="either",
    rep_min_amplitude=30.0,  # deg from one side to the other: a glance over the shoulder is no rep
    looks_like=looks_like,
    in_position=in_twist,
    thresholds=THRESHOLDS,
    settings=SETTINGS,
    views=FRONT_VIEWS,
    extra={"rep_metrics": ["shoulder_yaw_deg", "hip_yaw_deg"]},
    checks=(
        Check(
            code="torso_twist.too_fast",
            title="Twisting too fast",
            cue="Turn slowly, about two seconds to each side, and stop the turn with your muscles rather than "
            "letting the arms swing you round; turn from the mid-back and the hips together.",
            why="A quick twist swings the trunk round faster than the muscles can brake it, and the end of "
            "the turn wrenches the muscles and discs of the back.",
            threshold="speed",
            series_label="Shoulder line's turning speed (deg/s)",
            measure=peak_speed,
            views=FRONT_VIEWS,
            body_parts=("shoulder", "hip"),
            key_series=REP_SIGNAL,
        ),
    ),
)
