"""The rendered clips the spine estimator learns from and is measured on.

Deadlifts and squats with the upper back, the lower back and the pelvis bent
independently (flexed, neutral, arched; on every rep or on some), seen from
0-32 degrees off side-on, from a camera at knee to chest height with a
narrow to wide lens, small figures to frame-filling ones, slim to heavy
bodies, any clothes, light and room, blurred, noisy and compressed; from
STYLED_FROM on, moving in their own way (depth, knee bend, lean, arms). Every
fifth clip (its own body, clothes and room) is held out for evaluation. From
BARBELL_FROM on, most lift a loaded barbell.
"""

from __future__ import annotations

import numpy as np

from tools.synth.spec import ClipSpec

SIZES = ((360, 640), (640, 480), (480, 640), (640, 360))
# People film from a bench, a tripod or a hand: the camera at knee to chest height (m), and phone lenses
# from a zoomed-in main camera to a wide one (vertical field of view, deg).
CAMERA_HEIGHT_M = (0.5, 1.4)
FOV_Y_DEG = (40.0, 70.0)
HELD_OUT_EVERY = 5
# Clips from this index on also vary how the person moves (ClipSpec.style), drawn from their own stream:
# shallow to below-parallel squats, stiff-legged to squatted pulls, more or less forward lean, the arms
# anywhere from hanging to reaching forward. The first 1600 keep each exercise's one motion, as rendered
# when they were made, so that a longer list only adds clips.
STYLED_FROM = 1600
STYLE = {
    "squat": {"depth": (0.8, 1.15), "knee": (0.8, 1.2), "lean": (-0.06, 0.04), "reach": (20.0, 100.0)},
    "deadlift": {"depth": (0.75, 1.1), "knee": (0.4, 1.4), "lean": (-0.05, 0.03)},
}
# Clips from this index on lift a loaded barbell BARBELL_SHARE of the time (ClipSpec.barbell: a back squat's
# bar across the upper back with the hands on it, a deadlift's in the hands), drawn from their own stream.
# Squats filmed in a gym are mostly loaded, and the plates beside the shoulders (and the arms reaching back
# to the bar) put a back squat outside a set of bodyweight squats: the estimator refused it.
BARBELL_FROM = 2200
BARBELL_SHARE = 0.75
PLATE_RADII = (0.225, 0.225, 0.2, 0.16)  # m: full-size bumper plates mostly, smaller iron ones
PLATE_WIDTH = (0.03, 0.14)  # m: one plate a side to a stack
PLATE_COLOURS = ((0.08, 0.08, 0.08), (0.16, 0.16, 0.17), (0.35, 0.35, 0.36), (0.65, 0.1, 0.1), (0.1, 0.2, 0.6),
                 (0.1, 0.45, 0.15), (0.8, 0.7, 0.1))
GRIP = (0.3, 0.5)  # m from the bar's centre to each hand (a back squat's)


def is_held_out(index: int) -> bool:
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def _barbell(rng: np.random.Generator) -> dict:
    return {
        "plate_radius": float(rng.choice(PLATE_RADII)),
        "plate_width": round(float(rng.uniform(*PLATE_WIDTH)), 3),
        "plate_colour": list(PLATE_COLOURS[int(rng.integers(len(PLATE_COLOURS)))]),
        "grip": round(float(rng.uniform(*GRIP)), 3),
    }


def make_specs(n: int, seed: int, fps: float = 8.0) -> list[dict]:
    """``n`` named clip specs from ``seed`` (same arguments, same list)."""
    rng = np.random.default_rng(seed)
    camera_rng = np.random.default_rng(seed + 1)  # its own stream: the other draws stay what they were
    style_rng = np.random.default_rng(seed + 2)
    barbell_rng = np.random.default_rng(seed + 3)
    specs = []
    for k in range(n):
        exercise = "deadlift" if k % 2 == 0 else "squat"
        errors: dict[str, float] = {}
        if exercise == "deadlift":
            if rng.random() < 0.6:
                errors["upper_back_rounding"] = round(float(rng.uniform(-10, 40)), 1)
            if rng.random() < 0.6:
                errors["lower_back_rounding"] = round(float(rng.uniform(-20, 35)), 1)
        else:
            u = rng.random()
            if u < 0.6:
                errors["butt_wink"] = round(float(rng.uniform(5, 35)), 1)
            elif u < 0.8:
                errors["butt_wink"] = round(float(rng.uniform(-15, -3)), 1)
        width, height = SIZES[int(rng.integers(len(SIZES)))]
        spec = ClipSpec(
            exercise=exercise,
            errors=errors,
            error_reps=None if rng.random() < 0.6 else [int(rng.integers(1, 3))],
            reps=2,
            seed=int(rng.integers(1_000_000)),
            yaw_deg=round(float(rng.uniform(0, 32)), 1),
            side=str(rng.choice(["left", "right"])),
            fill=round(float(rng.uniform(0.3, 0.9)), 2),
            camera_height_m=round(float(camera_rng.uniform(*CAMERA_HEIGHT_M)), 2),
            fov_y_deg=round(float(camera_rng.uniform(*FOV_Y_DEG)), 1),
            fps=fps,
            width=width,
            height=height,
            noise=float(rng.choice([0.0, 0.0, 2.0, 4.0])),
            blur=float(rng.choice([0.0, 0.0, 0.6, 1.2])),
            crf=int(rng.choice([23, 28, 32])),
            style={key: round(float(style_rng.uniform(*span)), 3) for key, span in STYLE[exercise].items()}
            if k >= STYLED_FROM else None,
            barbell=_barbell(barbell_rng) if k >= BARBELL_FROM and barbell_rng.random() < BARBELL_SHARE else None,
        )
        split = "test" if is_held_out(k) else "train"
        specs.append({"name": f"{k:04d}_{split}_{exercise}", **spec.to_json()})
    return specs
