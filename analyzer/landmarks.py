"""MediaPipe's 33 pose landmarks: names, indices and the skeleton's edges.

Kept free of any MediaPipe import so that rules, tests and the CSV format can
be used without the model installed.
"""

from __future__ import annotations

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
NUM_LANDMARKS = len(LANDMARK_NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

SIDES = ("left", "right")

# Edges drawn for the skeleton overlay (limbs and trunk; the face is left out
# except the ear-to-shoulder line that carries the neck angle).
SKELETON_EDGES: tuple[tuple[str, str], ...] = tuple(
    edge
    for side in SIDES
    for edge in (
        (f"{side}_ear", f"{side}_shoulder"),
        (f"{side}_shoulder", f"{side}_elbow"),
        (f"{side}_elbow", f"{side}_wrist"),
        (f"{side}_shoulder", f"{side}_hip"),
        (f"{side}_hip", f"{side}_knee"),
        (f"{side}_knee", f"{side}_ankle"),
        (f"{side}_ankle", f"{side}_heel"),
        (f"{side}_heel", f"{side}_foot_index"),
        (f"{side}_ankle", f"{side}_foot_index"),
    )
) + (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))

