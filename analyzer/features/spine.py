"""The spine estimator's per-frame angles (analyzer/pose/spine.py) as features the rules read.

They arrive as track channels (``img_spine_*`` once smoothed like every mask
channel); here they get names and the one series derived from them: the
whole spine's flexion, lumbar plus thoracic, which is what a rounded back
adds up to. Older tracks (CSV exports from before the estimator, videos
analysed without the mask) have none of them: rules then fall back on the
outline's relative measures or say they cannot judge.
"""

from __future__ import annotations

import numpy as np

LUMBAR = "img_spine_lumbar_flexion_deg"  # + rounded, - arched, against a neutral spine
THORACIC = "img_spine_thoracic_flexion_deg"
PELVIC_TILT = "img_spine_pelvic_tilt_deg"  # + tipped forward, - tucked under, against standing
QUALITY = "img_spine_quality"  # 0 where the estimator could not tell
FLEXION = "img_spine_flexion_deg"  # lumbar + thoracic (derived here, named like the mask channels it comes from)


def spine_series(series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Series derived from the estimator's channels (none when the track has no spine channels)."""
    if LUMBAR not in series or THORACIC not in series:
        return {}
    return {FLEXION: series[LUMBAR] + series[THORACIC]}


def has_spine(series: dict[str, np.ndarray], min_quality: float) -> bool:
    """Whether any frame has spine angles the estimator vouches for."""
    if LUMBAR not in series or QUALITY not in series:
        return False
    good = np.isfinite(series[LUMBAR]) & (np.nan_to_num(series[QUALITY]) >= min_quality)
    return bool(good.any())
