"""The body: Anny posed by world-frame segment rotations, and its 33 landmarks.

Anny's frame is Z up, -Y forward (the way the body faces) and +X the body's
left.  Poses here are given as *world* rotations of segments relative to the
rest pose (``G``); Anny's ``local-ref`` parameterisation wants each bone's
rotation relative to its parent in world-aligned axes (``D = G_parent^T G``),
so ``deltas`` converts.  Bones that a pose leaves out follow their parent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from analyzer.landmarks import LANDMARK_NAMES

# Phenotype parameters Anny accepts, each in [0, 1].  Age 0.67 is "young adult"
# on Anny's anchors (newborn at -1/3 ... old at 1), so adults live in ~0.6-0.95.
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height", "proportions")

# MediaPipe landmarks that Anny's COCO-style keypoint regressor gives directly.
_FROM_COCO = {
    "nose": "nose",
    "left_eye": "left_eye",
    "right_eye": "right_eye",
    "left_ear": "left_ear",
    "right_ear": "right_ear",
    "left_shoulder": "left_shoulder",
    "right_shoulder": "right_shoulder",
    "left_elbow": "left_elbow",
    "right_elbow": "right_elbow",
    "left_wrist": "left_wrist",
    "right_wrist": "right_wrist",
    "left_hip": "left_hip",
    "right_hip": "right_hip",
    "left_knee": "left_knee",
    "right_knee": "right_knee",
    "left_ankle": "left_ankle",
    "right_ankle": "right_ankle",
    "left_heel": "left_heel",
    "right_heel": "right_heel",
    "left_foot_index": "left_big_toe",
    "right_foot_index": "right_big_toe",
}
# Hand landmarks: MediaPipe's sit near the finger knuckles; the heads of the
# middle phalanges are the closest bones.
_FROM_BONE = {
    "pinky": "finger5-2",
    "index": "finger2-2",
    "thumb": "finger1-3",
}
# Face landmarks MediaPipe has and COCO has not: the rest-pose surface vertex
# nearest to an offset (metres, Anny axes) from a COCO keypoint.
_FROM_VERTEX = {
    "left_eye_inner": ("left_eye", (-0.012, -0.01, 0.0)),
    "left_eye_outer": ("left_eye", (0.014, 0.0, 0.0)),
    "right_eye_inner": ("right_eye", (0.012, -0.01, 0.0)),
    "right_eye_outer": ("right_eye", (-0.014, 0.0, 0.0)),
    "mouth_left": ("nose", (0.022, 0.0, -0.045)),
    "mouth_right": ("nose", (-0.022, 0.0, -0.045)),
}


@dataclass(frozen=True)
class Posed:
    """One posed body: mesh vertices, bone heads and the 33 landmarks (metres, Anny axes)."""

    vertices: np.ndarray  # (V, 3)
    heads: np.ndarray  # (B, 3)
    landmarks: np.ndarray  # (33, 3)


class Body:
    """An Anny body of one phenotype, posed frame by frame on the CPU."""

    def __init__(self, phenotype: dict[str, float]) -> None:
        import torch

        torch.set_num_threads(1)
        self._torch = torch
        self.model = _model()
        self.bones: list[str] = list(self.model.bone_labels)
        self.index = {b: i for i, b in enumerate(self.bones)}
        self.parents: list[int] = [int(p) for p in self.model.bone_parents]
        self.faces: np.ndarray = self.model.get_triangular_faces().cpu().numpy().astype(np.int32)
        self.phenotype = {k: float(phenotype[k]) for k in PHENOTYPE_KEYS if k in phenotype}
        self._coco = _coco_regressor()
        rest = self._forward(np.tile(np.eye(4), (1, len(self.bones), 1, 1)), rest=True)
        self.rest = rest
        self.rest_heads = rest.heads
        self.floor_offset = float(rest.vertices[:, 2].min())
        self._vertex_ids = self._face_vertex_ids(rest)
        self.part_of_vertex = self._dominant_bones()

    # -- posing -----------------------------------------------------------
    def pose(self, world_rotations: dict[str, np.ndarray]) -> Posed:
        """Pose from world rotations relative to rest (3x3), keyed by bone; root pivots at its head."""
        deltas = self.deltas(world_rotations)
        return self._forward(deltas[None])

    def deltas(self, world_rotations: dict[str, np.ndarray]) -> np.ndarray:
        """Anny local-ref deltas (B, 4, 4) for world rotations ``G``: D = G_parent^T G."""
        n = len(self.bones)
        g = np.empty((n, 3, 3))
        d = np.tile(np.eye(4), (n, 1, 1))
        for i, name in enumerate(self.bones):  # parents come before children
            parent = self.parents[i]
            g_parent = g[parent] if i > 0 else np.eye(3)
            g[i] = world_rotations.get(name, g_parent)
            d[i, :3, :3] = g_parent.T @ g[i]
        # The root delta is its world pose: keep its head where it rests.
        root_head = self.rest_heads[0]
        d[0, :3, 3] = root_head
        return d

    def _forward(self, deltas: np.ndarray, rest: bool = False) -> Posed:
        torch = self._torch
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(deltas, dtype=self.model.dtype),
                phenotype_kwargs=self.phenotype or None,
            )
            coco = self._coco(out)[0].cpu().numpy().astype(np.float64)
        vertices = out["vertices"][0].cpu().numpy().astype(np.float64)
        heads = out["bone_poses"][0, :, :3, 3].cpu().numpy().astype(np.float64)
        if rest:  # the unposed body, in the same frame as its bone heads
            vertices = out["rest_vertices"][0].cpu().numpy().astype(np.float64)
            heads = out["rest_bone_heads"][0].cpu().numpy().astype(np.float64)
            return Posed(vertices, heads, np.zeros((len(LANDMARK_NAMES), 3)))
        return Posed(vertices, heads, self._landmarks(coco, heads, vertices))

    # -- landmarks ----------------------------------------------------------
    def _landmarks(self, coco: np.ndarray, heads: np.ndarray, vertices: np.ndarray) -> np.ndarray:
        coco_index = {label: i for i, label in enumerate(self._coco.labels)}
        out = np.empty((len(LANDMARK_NAMES), 3))
        for i, name in enumerate(LANDMARK_NAMES):
            if name in _FROM_COCO:
                out[i] = coco[coco_index[_FROM_COCO[name]]]
            elif name in self._vertex_ids:
                out[i] = vertices[self._vertex_ids[name]]
            else:
                side, joint = name.split("_", 1)
                out[i] = heads[self.index[f"{_FROM_BONE[joint]}.{side[0].upper()}"]]
        return out

    def _face_vertex_ids(self, rest: Posed) -> dict[str, int]:
        torch = self._torch
        with torch.no_grad():
            out = {"vertices": torch.as_tensor(rest.vertices[None], dtype=self.model.dtype)}
            coco = self._coco(out)[0].cpu().numpy()
        coco_index = {label: i for i, label in enumerate(self._coco.labels)}
        ids = {}
        for name, (anchor, offset) in _FROM_VERTEX.items():
            target = coco[coco_index[anchor]] + np.asarray(offset) + np.array([0.0, -0.03, 0.0])
            ids[name] = int(np.argmin(np.linalg.norm(rest.vertices - target, axis=1)))
        return ids

    def _dominant_bones(self) -> np.ndarray:
        """Per vertex, the name index of the bone that moves it most (for clothing)."""
        weights = self.model.vertex_bone_weights.cpu().numpy()
        indices = self.model.vertex_bone_indices.cpu().numpy()
        return indices[np.arange(len(indices)), weights.argmax(axis=1)]

    # -- measures -------------------------------------------------------------
    def segment_length(self, a: str, b: str) -> float:
        """Rest distance between two bone heads (e.g. hip to knee)."""
        return float(np.linalg.norm(self.rest_heads[self.index[a]] - self.rest_heads[self.index[b]]))


@functools.lru_cache(maxsize=1)
def _model():
    """Anny's default full body (built once, ~1.5-3 min, then cached on disk by anny)."""
    import anny

    return anny.Anny()


@functools.lru_cache(maxsize=1)
def _coco_regressor():
    from anny.keypoints import KeypointsRegressor

    return KeypointsRegressor.coco(_model())
