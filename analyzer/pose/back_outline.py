"""The back's shape seen from the side, measured on the body segmentation mask.

MediaPipe has no spine landmarks, and a 25 degree posterior pelvic tilt barely
moves the ones it has (DESIGN.md, "Spine shape"). The mask's outline does show
it. Per frame we cast rays from the shoulder-hip chord along its normal, on the
back side, to the mask boundary; the boundary distances form the dorsal
profile ``d(t)`` (``t`` = 0 at the shoulder, 1 at the hip, both in chord
lengths). Only the profile's *shape* is used (slopes, curvature), never its
absolute offset: the landmarks sit at the joints inside the body, and
clothing or body build shift the outline. The values are meant to be compared
within a rep (top vs bottom), where those offsets cancel.

Geometry of a side view (proportions of an adult standing; the profile is
measured in the chord's own frame, so they hold in any pose):
    t ~ 0.05-0.45  upper back (thoracic kyphosis, scapulae)
    t ~ 0.50-0.75  lumbar spine (lordosis)
    t ~ 0.80-1.05  sacrum and upper buttock (rigid with the pelvis)

Signs: positive = flexion (convex back, rounded), negative = extension (concave,
arched). The profile is also cut at t = 1.05 so that the buttock's bulge below
the hip does not pass for a rounded back.

``back_bend_deg`` (upper-back tangent vs the lumbar-to-buttock direction) and
``back_hollow_deg`` (the lordosis, from the outline's convex hull) are the
rules' pair, combined by :func:`analyzer.judging.measures.flexion_change`. Measured on rendered clips
(tools/synth, yaw 0-30): 15-45 deg of deadlift rounding gives 12-25 deg, clean
hinges 2-8. A rendered 10-30 deg butt wink changes no such angle by more
than ~5 deg (the trunk shifts back almost rigidly) while good real squats
vary by up to ~12; ``lumbar_fill`` (lower back against buttock) does show it,
but only against the same person's other reps (rules/squat.py).

The same rays feed the spine estimator (:mod:`analyzer.pose.spine`):
:func:`spine_inputs` gives it the dorsal and ventral profiles, the chord's
frame and the whole mask sampled in that frame (:func:`chord_grid`, what its
convolutional net reads), and :func:`back_shape_from_landmarks` returns its absolute angles
(``spine_*``) beside the outline's measures, so the pose estimator stays one call.

Known limits (measured on the real clips): the outline's lower part also
follows hip flexion (the buttock reshapes as the hip flexes), so rules
must compare like with like (same depth, across reps), not top vs bottom raw.
The lumbar and sacral tangents once measured here were dropped: the estimator
reads the pelvis, and no rule read them.
In a glute bridge the arms lie on the mat under the back, and the mask merges
them with it: the "dorsal" outline there is largely the arm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from analyzer.landmarks import INDEX
from analyzer.pose import spine

# Stable output keys (track channels; CSV columns ``img_<key>``).
KEYS: tuple[str, ...] = (
    "back_flexion", "back_bend_deg", "back_hollow_deg", "lumbar_fill", "quality",
)

# Ray grid, in chord lengths: positions along the chord and depth along the normal.
T_SAMPLES = np.round(np.arange(0.0, 1.2 + 1e-9, 0.025), 3)
T_BACK = 1.05            # the back proper ends here; rays beyond only look for the buttock
DEPTH_MAX = 0.9          # a rounded back or a buttock lies well within 0.9 chord lengths
DEPTH_SAMPLES = 128
OUTSIDE_RUN = 0.02       # the outside must last this long (chord lengths): mask holes are not the back
START_INSIDE = 0.15      # a ray must be inside the body within this depth, else it sees nothing
MIN_CHORD_PX = 24.0      # below this the body is too small for a shape
MIN_SIDE_COS = 0.25      # |cos| between the front hint and the chord normal needed to pick the back side
MIN_FOUND = 0.5          # fraction of rays that must find the outline
THRESHOLD = 0.5
_DEPTHS = np.linspace(0.0, DEPTH_MAX, DEPTH_SAMPLES)
_EXIT_RUN = max(2, int(round(OUTSIDE_RUN / DEPTH_MAX * (DEPTH_SAMPLES - 1))))  # OUTSIDE_RUN in samples
_START_SAMPLES = int(START_INSIDE / DEPTH_MAX * DEPTH_SAMPLES) + 1

# Profile segments (t ranges) for the tangents.
UPPER = (0.05, 0.45)
LUMBAR_POINT = (0.60, 0.70)  # the lumbar curve's middle (lordosis), where a rounded back fills in
APEX = (0.85, 1.20)      # the buttock's apex, searched wherever the hip landmark put it
HOLLOW = (0.0, 1.15)     # outline spanned by the convex hull whose gap is the lower-back hollow
WHOLE = (0.05, 0.90)
FILL_LUMBAR = (0.60, 0.90)   # lower back, from mid-lumbar to the sacrum
FILL_BUTTOCK = (1.05, 1.20)  # the buttock, below the hip

Point = Sequence[float]
Facing = int | Sequence[float]


def nan_result() -> dict[str, float]:
    """All keys, not measurable."""
    return {k: math.nan for k in KEYS}


def back_shape(
    mask: np.ndarray,
    shoulder_xy: Point,
    hip_xy: Point,
    knee_xy: Point | None,
    facing: Facing,
) -> dict[str, float]:
    """Shape of the back between shoulder and hip, from one frame's segmentation mask.

    ``mask``: HxW (or HxWx1) person probability, float 0..1 or uint8 0..255.
    Points are pixel (x, y) of the near-side shoulder, hip and knee.
    ``facing`` says where the person's FRONT (chest) is: an int +1/-1 means
    toward +x/-x; a 2-vector is a front direction in pixels (e.g. ear -> nose,
    see :func:`front_vector`), the only form that works for horizontal bodies
    (plank: chest down; bridge: chest up), where the x-sign cannot tell. The
    back is the side of the chord whose normal points away from it. When the
    hint is nearly parallel to the chord (|cos| < 0.25) the knee decides if the
    hip is clearly flexed (the thigh is in front), else the result is NaN.
    ``facing`` = 0 means facing the camera: NaN.

    Returns :data:`KEYS`: ``back_flexion`` (sagitta / chord of the dorsal
    profile, robust quadratic fit over t 0.05-0.9), ``back_bend_deg`` (upper vs
    lower back tangent), ``back_hollow_deg`` (the lordosis), ``lumbar_fill``
    (lower back against the buttock) and ``quality`` (found fraction x boundary sharpness, 0..1). NaN when not
    measurable (empty or tiny mask, points off-frame, back side unknown).
    """
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m[..., 0]
    if m.ndim != 2 or m.size == 0:
        return nan_result()
    height, width = m.shape
    s = np.asarray(shoulder_xy, dtype=np.float64)
    h = np.asarray(hip_xy, dtype=np.float64)
    if not (_in_frame(s, width, height) and _in_frame(h, width, height)):
        return nan_result()
    chord = h - s
    length = float(np.hypot(*chord))
    if length < MIN_CHORD_PX:
        return nan_result()
    u = chord / length
    normal = np.array([-u[1], u[0]])
    side = _back_side(normal, u, s, h, knee_xy, facing, length)
    if side == 0:
        return nan_result()
    back = side * normal

    depth, sharp = _outline_profiles(m, s, u, back, length)
    return _measures(T_SAMPLES, depth[0], sharp[0])


def front_vector(
    nose_xy: Point | None, ear_xy: Point | None, min_px: float = 4.0
) -> tuple[float, float] | None:
    """Where the chest faces, from the head: the ear -> nose direction.

    The nose is always in front of the ear, in any body orientation, so this
    works for planks (face down), bridges (face up) and hinges alike. It fails
    when the head is turned toward the camera (ear and nose coincide: None) or
    the neck is cranked far back; :func:`back_shape` then falls back on the knee.
    """
    if nose_xy is None or ear_xy is None:
        return None
    v = np.asarray(nose_xy, dtype=np.float64) - np.asarray(ear_xy, dtype=np.float64)
    if not np.all(np.isfinite(v)) or float(np.hypot(*v)) < min_px:
        return None
    return float(v[0]), float(v[1])


def back_shape_from_landmarks(
    mask: np.ndarray,
    xy: np.ndarray,
    visibility: np.ndarray | None = None,
    facing: Facing | None = None,
    max_shoulder_spread: float = 0.55,
) -> dict[str, float]:
    """:func:`back_shape` with the near side, the front and the view taken from the 33 landmarks,
    plus the spine estimator's absolute angles (:mod:`analyzer.pose.spine`, ``spine_*`` keys).

    ``xy`` (33, 2+) pixel coordinates. The near side is the one with the
    higher shoulder+hip+knee visibility. The front comes from ear -> nose,
    else from ``facing``. A body not seen from the side (left and right
    shoulders farther apart than ``max_shoulder_spread`` chord lengths; about
    0.7-0.9 from the front, under 0.3 from the side, 0.4-0.5 in the
    "side" plank clip, filmed at about 3/4) gives NaN: the outline there is
    the flank, not the back. Between, ``quality`` is scaled down with the spread.
    """
    inputs = spine_inputs(mask, xy, visibility, facing, max_shoulder_spread)
    if inputs is None:
        return nan_result() | spine.nan_channels()
    out = _measures(T_SAMPLES, inputs.dorsal, inputs.dorsal_sharpness)
    # Turned away from a pure side view, the outline is part back, part flank.
    out["quality"] = round(out["quality"] * max(0.0, 1.0 - (inputs.frame.spread / 0.75) ** 2), 4)
    return out | spine.estimate(inputs)


def spine_inputs(
    mask: np.ndarray,
    xy: np.ndarray,
    visibility: np.ndarray | None = None,
    facing: Facing | None = None,
    max_shoulder_spread: float = 0.55,
) -> spine.SpineInputs | None:
    """The near side's chord and the mask's dorsal and ventral profiles along it (see
    :func:`back_shape_from_landmarks` for the rules); None where the back cannot be traced."""
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m[..., 0]
    p = np.asarray(xy, dtype=np.float64)[:, :2]
    if m.ndim != 2 or m.size == 0:
        return None
    vis = np.ones(len(p)) if visibility is None else np.nan_to_num(np.asarray(visibility, dtype=np.float64))
    joints = ("shoulder", "hip", "knee")
    score = {sd: sum(vis[INDEX[f"{sd}_{j}"]] for j in joints) for sd in ("left", "right")}
    near = max(score, key=score.get)
    sh, hp, kn = (p[INDEX[f"{near}_{j}"]] for j in joints)
    height, width = m.shape
    if not (_in_frame(sh, width, height) and _in_frame(hp, width, height)):
        return None
    length = float(np.hypot(*(hp - sh)))
    spread = float(np.hypot(*(p[INDEX["left_shoulder"]] - p[INDEX["right_shoulder"]])))
    if length < MIN_CHORD_PX or not np.isfinite(spread) or spread > max_shoulder_spread * length:
        return None
    front = front_vector(p[INDEX["nose"]], p[INDEX[f"{near}_ear"]])
    hint = front if front is not None else facing
    if hint is None:
        return None
    u = (hp - sh) / length
    normal = np.array([-u[1], u[0]])
    side = _back_side(normal, u, sh, hp, kn if np.all(np.isfinite(kn)) else None, hint, length)
    if side == 0:
        return None
    back = side * normal
    (dorsal, ventral), (sharp, _) = _outline_profiles(m, sh, u, np.stack([back, -back]), length)
    frame = spine.ChordFrame(sh, u, back, length, near, spread / length)
    return spine.SpineInputs(frame, dorsal, sharp, ventral, p, chord_grid(m, frame))


# The mask on a grid in the chord's frame, in chord lengths: along it from just above the shoulder to below
# the buttock, across it from in front of the belly to past the most rounded back.
GRID_STEP = 0.05
GRID_T = np.round(np.arange(-0.1, 1.5 + 1e-9, GRID_STEP), 3)
GRID_D = np.round(np.arange(-0.8, 0.9 + 1e-9, GRID_STEP), 3)
# Each cell is sampled this many times along and across: a cell is about 2.5 cm on an adult, as much as a
# butt wink moves the lower back's outline, so where an edge lies inside a cell has to survive.
GRID_SUBSAMPLES = 4


def chord_grid(mask: np.ndarray, frame: spine.ChordFrame) -> np.ndarray:
    """Each cell's share inside the body (0..1; 0 outside the image) on GRID_T x GRID_D: rows along the chord
    from the shoulder, columns across it toward the back. The same picture of the trunk whatever its size, tilt
    or facing in the frame, so a model can read its shape where the profiles' first edges miss it (an arm
    across the back, the thighs against the belly at the bottom of a squat). The mask is cut at THRESHOLD
    first: real masks' edges are softer than rendered ones, so only where the edge lies is kept."""
    m = np.asarray(mask)
    m = m[..., 0] if m.ndim == 3 else m
    if m.dtype != np.float32:  # MediaPipe's masks are float32: no whole-frame copy for them
        m = m.astype(np.float32) / (255.0 if m.dtype == np.uint8 else 1.0)
    inside = cv2.threshold(m, THRESHOLD, 1.0, cv2.THRESH_BINARY)[1]
    within = ((np.arange(GRID_SUBSAMPLES) + 0.5) / GRID_SUBSAMPLES - 0.5) * GRID_STEP
    t = frame.length * (GRID_T[:, None] + within).ravel()
    d = frame.length * (GRID_D[:, None] + within).ravel()
    x, y = (np.add.outer(t * frame.u[k], d * frame.back[k]).astype(np.float32) + np.float32(frame.shoulder[k])
            for k in (0, 1))
    samples = cv2.remap(inside, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # each cell the mean of its samples (an area resize by a whole factor is exactly that)
    return cv2.resize(samples, (len(GRID_D), len(GRID_T)), interpolation=cv2.INTER_AREA)


# -- internals ---------------------------------------------------------------------------------------


def _in_frame(p: np.ndarray, width: int, height: int) -> bool:
    return bool(np.all(np.isfinite(p)) and 0 <= p[0] < width and 0 <= p[1] < height)


def _back_side(
    normal: np.ndarray, u: np.ndarray, s: np.ndarray, h: np.ndarray,
    knee_xy: Point | None, facing: Facing, length: float,
) -> int:
    """+1 if ``normal`` points to the back, -1 if away, 0 if unknown.

    Front hint first; if it is (nearly) along the chord, a knee well off the
    chord's extension (hip flexed by more than ~35 degrees) marks the front:
    thighs flex forward, while hip hyperextension never reaches that angle.
    """
    f = np.array([float(facing), 0.0]) if np.isscalar(facing) else np.asarray(facing, dtype=np.float64)
    norm = float(np.hypot(*f)) if np.all(np.isfinite(f)) else 0.0
    if norm > 0:
        c = float(normal @ f) / norm
        if abs(c) >= MIN_SIDE_COS:
            return -1 if c > 0 else 1
    if knee_xy is not None and norm > 0:  # facing == 0 means "facing the camera": no knee fallback
        k = np.asarray(knee_xy, dtype=np.float64) - h
        kl = float(np.hypot(*k))
        if np.isfinite(kl) and kl > 0.2 * length:
            off = float(normal @ k) / kl
            if abs(off) > math.sin(math.radians(35)):
                return -1 if off > 0 else 1
    return 0


def _outline_profiles(
    m: np.ndarray, s: np.ndarray, u: np.ndarray, sides: np.ndarray, length: float
) -> tuple[np.ndarray, np.ndarray]:
    """Boundary depth along each ray (chord lengths, NaN if not found) and the edge's sharpness, one row per
    direction in ``sides`` (unit normals of the chord: the back's, and the front's where it is wanted too, all
    sampled in one pass).

    A ray must start inside the body, and the boundary is the first exit after
    which the mask stays outside for OUTSIDE_RUN: a hole in the mask, or a
    thin gap between the back and an arm, does not end the back; objects
    beyond the first real exit (a hand, a plate) are never reached.
    """
    height, width = m.shape
    step_px = DEPTH_MAX * length / (DEPTH_SAMPLES - 1)
    sides = np.atleast_2d(sides)
    base = np.tile(s[None, :] + (T_SAMPLES * length)[:, None] * u[None, :], (len(sides), 1))  # (S*T, 2)
    ray = np.repeat(sides, len(T_SAMPLES), axis=0)                                              # (S*T, 2)
    pts = base[:, None, :] + (_DEPTHS * length)[None, :, None] * ray[:, None, :]                # (S*T, D, 2)
    src = m if m.dtype in (np.uint8, np.float32) else m.astype(np.float32)
    vals = cv2.remap(src, pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    vals = vals.astype(np.float32) / 255.0 if m.dtype == np.uint8 else vals.astype(np.float32, copy=False)

    outside = vals < THRESHOLD
    # Outside at i and at each of the next _EXIT_RUN - 1 samples (past the last sample counts as outside).
    padded = np.concatenate([outside, np.ones((len(outside), _EXIT_RUN), bool)], axis=1)
    stays_out = padded[:, :DEPTH_SAMPLES].copy()
    for j in range(1, _EXIT_RUN):
        stays_out &= padded[:, j:j + DEPTH_SAMPLES]
    entered = np.logical_or.accumulate(~outside, axis=1)
    exit_ = stays_out
    exit_[:, 0] = False
    exit_[:, 1:] &= entered[:, :-1] & ~outside[:, :-1]
    found = exit_.any(axis=1)
    start_ok = (~outside[:, :_START_SAMPLES]).any(axis=1)
    idx = np.argmax(exit_, axis=1)
    rows = np.arange(len(idx))
    i1 = np.maximum(idx, 1)
    v0, v1 = vals[rows, i1 - 1], vals[rows, i1]
    frac = np.clip((v0 - THRESHOLD) / np.maximum(v0 - v1, 1e-6), 0.0, 1.0)
    depth = _DEPTHS[i1 - 1] + frac * (_DEPTHS[1] - _DEPTHS[0])

    # The frame's edge is not the back's edge.
    edge_pts = base + (depth * length)[:, None] * ray
    margin = 1.5 + step_px
    on_edge = ((edge_pts[:, 0] < margin) | (edge_pts[:, 0] > width - 1 - margin)
               | (edge_pts[:, 1] < margin) | (edge_pts[:, 1] > height - 1 - margin))
    ok = found & start_ok & ~on_edge
    k = max(1, int(round(2.0 / step_px)))  # ~2 px either side of the crossing
    inner = vals[rows, np.clip(i1 - 1 - k, 0, DEPTH_SAMPLES - 1)]
    outer = vals[rows, np.clip(i1 + k, 0, DEPTH_SAMPLES - 1)]
    sharp = np.clip(inner - outer, 0.0, 1.0)
    shape = (len(sides), len(T_SAMPLES))
    return np.where(ok, depth, np.nan).reshape(shape), np.where(ok, sharp, np.nan).reshape(shape)


def _in_span(t: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    """Samples of ``t`` within ``span`` (ends included, whatever the float rounding)."""
    return (t >= span[0] - 1e-9) & (t <= span[1] + 1e-9)


def _median3(d: np.ndarray) -> np.ndarray:
    """Median of each sample with its neighbours (NaN-aware): removes single-ray spikes."""
    p = np.pad(d, 1, mode="edge")
    ordered = np.sort(np.stack([p[:-2], p[1:-1], p[2:]]), axis=0)  # NaNs sort last
    finite = np.isfinite(ordered).sum(axis=0)
    out = np.where(finite == 3, ordered[1], np.where(finite == 2, (ordered[0] + ordered[1]) / 2, ordered[0]))
    out[~np.isfinite(d)] = np.nan
    return out


def _robust_polyfit(t: np.ndarray, d: np.ndarray, deg: int) -> np.ndarray | None:
    """Least squares with two rounds of outlier trimming (arms, bars, clothing folds); coefficients highest
    power first, as np.polyfit's. Solved by the normal equations: a line or a parabola over t in 0..1.2 is
    well conditioned, and np.polyfit's own checks and scaling cost more than the fit."""
    powers = np.vander(t, deg + 1)
    keep = np.isfinite(d)
    for _ in range(3):
        if keep.sum() < deg + 3:
            return None
        a = powers[keep]
        coef = np.linalg.solve(a.T @ a, a.T @ d[keep])
        res = np.abs(d - powers @ coef)
        mad = float(np.median(res[keep]))
        new = np.isfinite(d) & (res <= max(3.0 * 1.4826 * mad, 0.004))
        if np.array_equal(new, keep):
            break
        keep = new
    return coef


def _segment_fit(t: np.ndarray, d: np.ndarray, span: tuple[float, float]) -> np.ndarray | None:
    """Robust line (slope, intercept) through the profile over ``span``; None if too little was found."""
    sel = _in_span(t, span)
    if np.isfinite(d[sel]).sum() < 0.6 * sel.sum():
        return None
    return _robust_polyfit(t[sel], d[sel], 1)


def _segment_angle(t: np.ndarray, d: np.ndarray, span: tuple[float, float]) -> float:
    """Tangent angle (deg) of the profile over ``span``: atan of the fitted slope (both in chord lengths)."""
    coef = _segment_fit(t, d, span)
    return math.nan if coef is None else math.degrees(math.atan(coef[0]))


def _measures(t: np.ndarray, depth: np.ndarray, sharp: np.ndarray) -> dict[str, float]:
    out = nan_result()
    back = t <= T_BACK + 1e-9
    found = float(np.isfinite(depth[back]).mean())
    if found < MIN_FOUND:
        return out
    d = _median3(depth)
    edge = sharp[back]
    out["quality"] = round(found * float(np.median(edge[np.isfinite(edge)])), 4)

    sel = (t >= WHOLE[0]) & (t <= WHOLE[1])
    if np.isfinite(d[sel]).sum() >= 0.6 * sel.sum():
        coef = _robust_polyfit(t[sel], d[sel], 2)
        if coef is not None:
            span = WHOLE[1] - WHOLE[0]
            rise = np.polyval(coef, WHOLE[1]) - np.polyval(coef, WHOLE[0])
            out["back_flexion"] = float(-coef[0] * span**2 / 4.0 / math.hypot(span, rise))

    out["back_bend_deg"] = _segment_angle(t, d, UPPER) - _lower_back_angle(t, d)
    out["back_hollow_deg"] = _hollow_deg(t, d)
    out["lumbar_fill"] = _lumbar_fill(t, d)
    return out


def _lower_back_angle(t: np.ndarray, d: np.ndarray) -> float:
    """Direction (deg, vs the chord) from the middle of the lumbar curve to the buttock's apex.

    A straight line fitted to the lower back would follow the hip landmark and
    the buttock's shape; this two-point direction follows the spine: with a
    neutral (lordotic) lower back it points out to the buttock, and it turns
    in as the lumbar spine flexes and the hollow fills.
    """
    lum = _in_span(t, LUMBAR_POINT) & np.isfinite(d)
    apex = _in_span(t, APEX) & np.isfinite(d)
    if lum.sum() < 2 or apex.sum() < 3:
        return math.nan
    i = np.flatnonzero(apex)[np.argmax(d[apex])]
    return math.degrees(math.atan2(d[i] - float(np.mean(d[lum])), t[i] - float(np.mean(t[lum]))))


def _lumbar_fill(t: np.ndarray, d: np.ndarray) -> float:
    """How far the lower back stands out against the buttock (% of the chord): the pelvis tucking under.

    A posterior pelvic tilt rounds the lower back out and rolls the buttock in
    under the hip; both move this one number the same way. Its level depends
    on the body and the clothes, so only its change within a person's set
    means anything (see rules/squat.py).
    """
    parts = []
    for span in (FILL_LUMBAR, FILL_BUTTOCK):
        sel = _in_span(t, span)
        if np.isfinite(d[sel]).sum() < 0.7 * sel.sum():
            return math.nan
        parts.append(float(np.nanmean(d[sel])))
    return 100.0 * (parts[0] - parts[1])


def _hollow_deg(t: np.ndarray, d: np.ndarray) -> float:
    """The lower back's hollow (lordosis) as an arc angle: 4 atan(2 s), ``s`` its depth below the outline's hull.

    ``s`` is the largest gap (chord lengths) between the dorsal profile and its
    convex hull over the whole back, so it is 0 for a back that is straight or
    convex and grows with the lordosis; rounding fills it in. Unlike tangent
    angles it hardly depends on where the landmarks sit on the shoulder and hip.
    """
    sel = _in_span(t, HOLLOW) & np.isfinite(d)
    if sel.sum() < 0.6 * _in_span(t, HOLLOW).sum():
        return math.nan
    tt, dd = t[sel], d[sel]
    hull: list[int] = [0]
    for i in range(1, len(tt)):  # upper hull (the back side is +d), monotone chain
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (dd[b] - dd[a]) * (tt[i] - tt[a]) <= (dd[i] - dd[a]) * (tt[b] - tt[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    gap = float(np.max(np.interp(tt, tt[hull], dd[hull]) - dd))
    return math.degrees(4.0 * math.atan(2.0 * gap))
