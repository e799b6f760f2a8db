"""Ground truth: what was rendered, per frame and per rep, and what formcheck should say about it.

Per frame: 33 MediaPipe landmarks as normalised image x, y plus camera depth
(m), world positions in MediaPipe's convention (metres, hip-centred, camera
axes: x right, y down, z away from the camera) and whether each is hidden
behind something.  Per rep: the injected error magnitudes, angles measured
on the true landmarks at the bottom and where each error peaks; per frame also the spine's
absolute angles (:func:`spine_angles`), the targets of formcheck's spine estimator.  Findings: ``expected`` at or
above an error's clear magnitude, ``absent`` for errors not injected,
``borderline`` in between (a rule may go either way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analyzer.landmarks import INDEX, LANDMARK_NAMES
from tools.synth.exercises import Exercise
from tools.synth.kinematics import angle_deg
from tools.synth.timeline import Timeline

OCCLUSION_TOLERANCE_M = 0.12  # a joint centre lies this deep under the skin at most
# Where a straight shoulder-hip-ankle (or -knee) line is the target, so its signed deviation means something.
# (the burpee's plank, the body line on the pad; a side plank's line bends sideways, toward the floor all the same)
FLOOR_EXERCISES = ("plank", "pushup", "glute_bridge", "burpee", "back_extension", "side_plank")


@dataclass
class FrameRecord:
    t_ms: float
    rep: int | None
    p: float
    errors: dict[str, float]
    image: np.ndarray  # (33, 3)
    world: np.ndarray  # (33, 3)
    scene: np.ndarray  # (33, 3) Anny axes, floor at z=0
    visible: np.ndarray  # (33,) bool
    spine: dict[str, float] = field(default_factory=dict)  # spine_angles()


@dataclass
class TruthBuilder:
    exercise: Exercise
    frames: list[FrameRecord] = field(default_factory=list)

    def add(self, record: FrameRecord) -> None:
        self.frames.append(record)

    def build(self, spec: dict, timeline: Timeline, view: dict, video: dict, generator: dict) -> dict:
        ex = self.exercise
        errors = {k: float(v) for k, v in spec["errors"].items() if v}
        reps = [self._rep(w, errors, spec.get("error_reps")) for w in timeline.reps]
        if ex.kind == "hold":
            hold = {"start_ms": 0.0, "end_ms": round(timeline.duration_s * 1000, 1),
                    "duration_s": round(timeline.duration_s, 3), "measured": self._measure(self.frames)}
        else:
            hold = None
        expected, borderline = set(), set()
        for name, magnitude in errors.items():
            verdict = ex.errors[name].verdict(magnitude)  # None: the other way (an arched back) is not this fault
            if verdict:
                (expected if verdict == "expected" else borderline).add(ex.errors[name].code)
        absent = [c for c in ex.codes if c not in expected and c not in borderline]
        return {
            "generator": generator,
            "exercise": ex.name,
            "view": view,
            "video": video,
            "rep_count": len(reps) if ex.kind == "reps" else 0,
            "reps": reps,
            "hold": hold,
            "errors": errors,
            "expected_findings": sorted(expected),
            "absent_findings": sorted(absent),
            "borderline_findings": sorted(borderline),
            "clear_magnitudes_deg": {e.code: e.clear_deg for e in ex.errors.values()},  # in each error's unit
            "error_units": {e.name: e.unit for e in ex.errors.values()},
            "spec": spec,
            "landmark_names": list(LANDMARK_NAMES),
            "frames": [
                {
                    "t_ms": round(f.t_ms, 2),
                    "rep": f.rep,
                    "phase": round(f.p, 4),
                    "errors": {k: round(v, 2) for k, v in f.errors.items()},
                    "image": np.round(f.image, 4).tolist(),
                    "world": np.round(f.world, 4).tolist(),
                    "visible": f.visible.astype(int).tolist(),
                    "spine": {k: round(v, 2) for k, v in f.spine.items()},
                }
                for f in self.frames
            ],
        }

    def _rep(self, window, errors: dict[str, float], error_reps: list[int] | None) -> dict:
        ex = self.exercise
        hit = error_reps is None or window.index in error_reps
        rep_errors = {k: v for k, v in errors.items() if hit}
        inside = [f for f in self.frames if f.rep == window.index]
        bottom = min(inside, key=lambda f: abs(f.t_ms - window.bottom_ms)) if inside else None
        return {
            "index": window.index,
            "start_ms": round(window.start_ms, 1),
            "bottom_ms": round(window.bottom_ms, 1),
            "end_ms": round(window.end_ms, 1),
            "errors": rep_errors,
            "expected_findings": sorted(ex.errors[k].code for k, v in rep_errors.items()
                                        if ex.errors[k].verdict(v) == "expected"),
            "phases_s": [round(s, 3) for s in window.phases_s],  # down, pause at the end, up
            "measured": self._measure([bottom]) if bottom else {},
            "at_error_peak": {name: self._peak(inside, name) for name in rep_errors if inside},
        }

    def _peak(self, frames: list[FrameRecord], name: str) -> dict:
        """Where in the rep an error is largest (it need not be the bottom) and the angles there."""
        peak = max(frames, key=lambda f: f.errors.get(name, 0.0))
        return {"t_ms": round(peak.t_ms, 1), "weighted_deg": round(peak.errors.get(name, 0.0), 2),
                "measured": self._measure([peak])}

    def _measure(self, frames: list[FrameRecord]) -> dict[str, float]:
        """Angles on the true landmarks (scene frame), averaged over ``frames``, left side."""
        values: dict[str, list[float]] = {}
        floor = self.exercise.name in FLOOR_EXERCISES
        for f in frames:
            for k, v in body_angles(f.scene).items():
                if floor or not k.startswith("hip_line_"):
                    values.setdefault(k, []).append(v)
        return {k: round(float(np.mean(v)), 2) for k, v in values.items()}


def body_angles(points: np.ndarray) -> dict[str, float]:
    """Angles formcheck's rules look at, from scene-frame landmarks (Z up), averaged over both sides."""
    def mid(name: str) -> np.ndarray:
        return (points[INDEX[f"left_{name}"]] + points[INDEX[f"right_{name}"]]) / 2

    sh, hip, knee, ankle = mid("shoulder"), mid("hip"), mid("knee"), mid("ankle")
    trunk = sh - hip
    lean = math.degrees(math.atan2(math.hypot(trunk[0], trunk[1]), trunk[2]))
    return {
        "hip_angle_deg": angle_deg(sh, hip, knee),
        "knee_angle_deg": angle_deg(hip, knee, ankle),
        "trunk_lean_deg": lean,
        "hip_line_ankle_deg": _signed_deviation(sh, hip, ankle),
        "hip_line_knee_deg": _signed_deviation(sh, hip, knee),
    }


def spine_angles(heads: np.ndarray, neutral_heads: np.ndarray, index: dict[str, int]) -> dict[str, float]:
    """The posed spine's absolute sagittal angles (deg), from bone heads against the neutral pose.

    ``neutral_heads``: the same body skinned with no rotation (``Poser.skin({})``;
    not Anny's ``rest_heads``, which differ by a few degrees per body).
    ``lumbar_flexion_deg`` and ``thoracic_flexion_deg``: how much the lumbar
    (spine05-04) and thoracic (spine03-01) bones bend beyond that neutral curve
    (+ flexion, rounded; - extension, arched); ``pelvic_tilt_deg``: the pelvis's
    pitch in the room against standing (+ tipped forward / anterior, - tucked
    under / posterior).  Exercises bend each region evenly over its bones
    (poser.spine_rotations), so the two lumbar bones' pitches give all three.
    """
    def pitch(bone: str, child: str) -> float:
        tilt = [math.atan2(-(v[index[child]] - v[index[bone]])[1], (v[index[child]] - v[index[bone]])[2])
                for v in (heads, neutral_heads)]
        return math.degrees(tilt[0] - tilt[1])

    p05, p04 = pitch("spine05", "spine04"), pitch("spine04", "spine03")
    p01 = pitch("spine01", "neck01")
    lumbar = 2.0 * (p04 - p05)
    return {"lumbar_flexion_deg": lumbar, "thoracic_flexion_deg": p01 - p04, "pelvic_tilt_deg": p04 - lumbar}


def _signed_deviation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """180 minus angle ABC, negative when B lies below the line AC (sag), positive above (pike, bridge lift)."""
    dev = 180.0 - angle_deg(a, b, c)
    t = np.dot(b - a, c - a) / max(np.dot(c - a, c - a), 1e-12)
    on_line = a + t * (c - a)
    return dev if b[2] >= on_line[2] else -dev


def visibility(image: np.ndarray, depth_buffer: np.ndarray) -> np.ndarray:
    """True where a landmark is in frame and no surface lies well in front of it."""
    h, w = depth_buffer.shape
    x = np.clip((image[:, 0] * w).astype(int), 0, w - 1)
    y = np.clip((image[:, 1] * h).astype(int), 0, h - 1)
    inside = (image[:, 0] >= 0) & (image[:, 0] < 1) & (image[:, 1] >= 0) & (image[:, 1] < 1)
    return inside & (image[:, 2] <= depth_buffer[y, x] + OCCLUSION_TOLERANCE_M)
