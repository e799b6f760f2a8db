"""What one clip is: exercise, errors, body, look, camera, video settings; resolved from a seed.

Everything left as ``None`` is drawn from ``seed`` in a fixed order, and the
resolved spec is written into the ground truth, so a clip can always be made
again from its JSON alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from tools.synth.exercises import EXERCISES

# Camera heights (m) that film the exercise the way people do: standing lifts
# from hip height, floor work from low down.
_CAMERA_HEIGHT = {"deadlift": 0.9, "squat": 0.9, "plank": 0.45, "glute_bridge": 0.55, "pushup": 0.5}
_CAMERA_HEIGHT.update({"overhead_press": 1.0, "bent_over_row": 0.9, "burpee": 0.7, "jump": 1.0, "torso_twist": 1.0,
                       "toe_touch": 0.9, "back_extension": 0.8})  # issue 20's standing and mixed exercises
_CAMERA_HEIGHT.update({"side_plank": 0.45, "crunch": 0.5, "bird_dog": 0.55, "leg_raise": 0.5, "superman": 0.4,
                       "cobra": 0.45})  # issue 20's floor exercises

BARBELL_EXERCISES = frozenset({"squat", "deadlift"})


@dataclass
class ClipSpec:
    exercise: str
    errors: dict[str, float] = field(default_factory=dict)
    error_reps: list[int] | None = None
    reps: int = 3
    hold_s: float = 8.0
    tempo: float | None = None
    seed: int = 0
    phenotype: dict[str, float] | None = None
    look: dict | None = None
    yaw_deg: float = 0.0
    side: str = "left"
    camera_height_m: float | None = None
    fill: float | None = None
    fov_y_deg: float = 55.0
    lighting: dict | None = None
    room: dict | None = None
    fps: float = 30.0
    width: int = 640
    height: int = 480
    noise: float = 0.0
    blur: float = 0.0
    crf: int = 28
    # How this person moves (squat, deadlift): ``depth`` scales the hips' bend at the bottom, ``knee`` the
    # shins' (a stiff-legged or a squatted pull), ``lean`` moves the balance point (m: - the shoulders
    # further forward over the toes, + further back), ``reach`` is the squat's arms at the bottom (deg forward of
    # hanging). None: the exercise's own motion, as every clip before these existed.
    style: dict[str, float] | None = None
    # A loaded barbell (squat: across the upper back, the hands holding it; deadlift: in the hanging hands):
    # ``plate_radius`` and ``plate_width`` (m: one disc a side, as thick as the plates stacked),
    # ``plate_colour`` (RGB 0-1), ``grip`` (m from the bar's centre to each hand; the squat's). None: no bar.
    barbell: dict | None = None

    def validate(self) -> None:
        if self.exercise not in EXERCISES:
            raise ValueError(f"unknown exercise {self.exercise!r}; one of {sorted(EXERCISES)}")
        if self.barbell is not None and self.exercise not in BARBELL_EXERCISES:
            raise ValueError(f"only {sorted(BARBELL_EXERCISES)} carry a barbell, not {self.exercise!r}")
        known = EXERCISES[self.exercise].errors
        for name in self.errors:
            if name not in known:
                raise ValueError(f"{self.exercise} has no error {name!r}; it has {sorted(known)}")
        if not 0.0 <= abs(self.yaw_deg) <= 90.0:
            raise ValueError("yaw_deg must be within [-90, 90]")
        if self.side not in ("left", "right"):
            raise ValueError("side must be 'left' or 'right'")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ClipSpec:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown spec keys: {sorted(unknown)}")
        return cls(**data)


def resolve(spec: ClipSpec) -> ClipSpec:
    """Fill every ``None`` from the seed (same seed, same clip)."""
    from tools.synth.appearance import random_lighting, random_look, random_room

    spec.validate()
    rng = np.random.default_rng(spec.seed)
    phenotype = {
        "gender": float(rng.uniform(0, 1)),
        "age": float(rng.uniform(0.62, 0.9)),
        "muscle": float(rng.uniform(0.3, 0.85)),
        "weight": float(rng.uniform(0.25, 0.75)),
        "height": float(rng.uniform(0.2, 0.85)),
        "proportions": float(rng.uniform(0.3, 0.7)),
    }
    look = random_look(rng).to_json()
    lighting = asdict(random_lighting(rng))
    room = asdict(random_room(rng))
    height = _CAMERA_HEIGHT[spec.exercise] + float(rng.uniform(-0.15, 0.25))
    fill = float(rng.uniform(0.7, 0.88))
    tempo = float(rng.uniform(0.85, 1.2))
    return replace(
        spec,
        phenotype={k: round(v, 3) for k, v in (spec.phenotype or phenotype).items()},
        look=spec.look or look,
        lighting=spec.lighting or lighting,
        room=spec.room or room,
        camera_height_m=round(spec.camera_height_m if spec.camera_height_m is not None else height, 3),
        fill=round(spec.fill if spec.fill is not None else fill, 3),
        tempo=round(spec.tempo if spec.tempo is not None else tempo, 3),
    )


def view_kind(yaw_deg: float) -> str:
    """formcheck's view label for a camera yaw off the side view (its own boundaries)."""
    from analyzer.features.view import FRONT_VIEW_MIN_YAW, SIDE_VIEW_MAX_YAW

    a = abs(yaw_deg)
    return "side" if a <= SIDE_VIEW_MAX_YAW else "front" if a >= FRONT_VIEW_MIN_YAW else "oblique"
