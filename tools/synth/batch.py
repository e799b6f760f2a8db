"""A benchmark set: many bodies, looks, yaws and error magnitudes around the rules' thresholds.

    python -m tools.synth.batch --out /tmp/synth_bench --n 60 --seed 7

Exercises take turns; 30 % of the clips are clean, the others draw an error
and its magnitude from a ladder that spans the clear level (small =
borderline, large = clear); each clip draws its yaw
from 0-60 degrees, its body, clothes, light, room, size, fps, noise and blur
from its own seed.  Writes ``specs.json`` first (the whole set, reproducible),
then renders one clip at a time (one process: the machine is shared) and
skips clips already there.  Keep it out of the repo: 60 clips are ~35 MB with
their truths.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tools.synth.spec import ClipSpec

# Magnitude ladders (deg) per exercise and error, spanning each clear level.
LADDERS: dict[str, dict[str, tuple[float, ...]]] = {
    "deadlift": {"rounded_back": (15, 30, 45), "hips_rise_first": (6, 12, 20)},
    "squat": {"butt_wink": (10, 20, 30)},
    "plank": {"sagging_hips": (8, 15, 25), "piked_hips": (20, 35, 50)},
    "glute_bridge": {"hyperextension": (10, 20, 30)},
    "pushup": {"hip_sag": (8, 15, 25), "piking": (8, 15, 25)},
}
LADDERS.update({  # issue 20's standing and mixed exercises; durations (s) and speeds (deg/s) are in their units
    "overhead_press": {"press_back_arch": (10, 20, 30)},
    "bent_over_row": {"row_rounded_back": (15, 25, 40), "row_torso_swing": (8, 15, 25)},
    "burpee": {"burpee_hip_sag": (8, 15, 25), "burpee_duration": (2.0, 1.2, 0.9)},
    "jump": {"landing_bend": (30, 15, 8)},
    "torso_twist": {"twist_speed": (180, 300, 450)},
    "toe_touch": {"toe_touch_quick_half": (0.6, 0.25, 0.15)},
    "back_extension": {"back_ext_over_arch": (8, 15, 25)},
})
LADDERS.update({  # issue 20's floor exercises (durations in s: shorter is worse)
    "side_plank": {"hips_dropping": (8, 15, 25)},
    "crunch": {"neck_pull": (25, 45, 60), "sit_up": (50, 70, 85)},
    "bird_dog": {"bird_dog_hips_rotate": (8, 15, 25), "bird_dog_back_sag": (8, 15, 25), "bird_dog_hold": (2.0, 1.0, 0.6)},
    "leg_raise": {"leg_raise_back_arch": (8, 15, 25), "leg_raise_lowering": (1.2, 0.5, 0.3)},
    "superman": {"superman_over_arch": (10, 20, 30)},
    "cobra": {"cobra_over_arch": (10, 20, 30)},
})
LADDERS["pushup"].update({"hands_forward": (12, 25, 35), "hands_behind": (10, 20, 30)})
SIZES = ((640, 480), (480, 640), (640, 480), (960, 540))
CLEAN_SHARE = 0.3  # clean clips, for the false-alarm side of the confusion


def make_specs(n: int, seed: int) -> list[dict]:
    """``n`` named clip specs drawn from ``seed`` (stable: same arguments, same list)."""
    rng = np.random.default_rng(seed)
    exercises = list(LADDERS)
    specs = []
    for k in range(n):
        exercise = exercises[k % len(exercises)]
        error = str(rng.choice(list(LADDERS[exercise])))
        clean = rng.random() < CLEAN_SHARE
        magnitude = 0.0 if clean else float(rng.choice(LADDERS[exercise][error]))
        width, height = SIZES[int(rng.integers(len(SIZES)))]
        spec = ClipSpec(
            exercise=exercise,
            errors={error: magnitude} if magnitude else {},
            reps=int(rng.integers(2, 5)),
            hold_s=float(rng.uniform(6, 10)),
            seed=int(rng.integers(1_000_000)),
            yaw_deg=round(float(np.clip(rng.choice([0, 15, 30, 45, 60]) + rng.uniform(-5, 5), 0, 60)), 1),
            side=str(rng.choice(["left", "right"])),
            fps=float(rng.choice([24.0, 30.0])),
            width=width,
            height=height,
            noise=round(float(rng.choice([0.0, 0.0, 2.0, 4.0])), 1),
            blur=round(float(rng.choice([0.0, 0.0, 0.6, 1.2])), 1),
        )
        name = f"{k:03d}_{exercise}_{error if magnitude else 'clean'}_{magnitude:g}_yaw{int(spec.yaw_deg)}"
        specs.append({"name": name, **spec.to_json()})
    return specs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.synth.batch", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--force", action="store_true", help="re-render clips that exist")
    args = ap.parse_args(argv)
    from tools.synth.render import generate

    args.out.mkdir(parents=True, exist_ok=True)
    specs = make_specs(args.n, args.seed)
    (args.out / "specs.json").write_text(json.dumps(specs, indent=1))
    for i, item in enumerate(specs, 1):
        item = dict(item)
        name = item.pop("name")
        path = args.out / f"{name}.mp4"
        if path.exists() and path.with_suffix(".json").exists() and not args.force:
            continue
        r = generate(ClipSpec.from_json(item), path)
        print(f"[{i}/{len(specs)}] {path.name}: {r.frames} frames, {r.frames / r.seconds:.1f} fps", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
