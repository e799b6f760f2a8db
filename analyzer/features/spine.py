"""The spine estimator's per-frame angles (analyzer/pose/spine.py) as features the rules read.

They arrive as track channels (``img_spine_*`` once smoothed like every mask
channel); here they get names and the one series derived from them: the
whole spine's flexion, lumbar plus thoracic, which is what a rounded back
adds up to. Older tracks (CSV exports from before the estimator, videos
analysed without the mask) have none of them: rules then fall back on the
outline's relative measures or say they cannot judge.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

PREFIX = "img_spine_"  # every series of the estimator's
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


# Below this quality a frame's angles are not trusted (the rules' "spine_quality" setting,
# analyzer/judging/rounding.py): renders read 0.7-1 side-on, less turned.
MIN_QUALITY = 0.5


def has_channels(series: dict[str, np.ndarray]) -> bool:
    """Whether the track carried the estimator's angles at all (a video analysed with the mask)."""
    return LUMBAR in series and THORACIC in series and QUALITY in series


def trusted(series: dict[str, np.ndarray], min_quality: float) -> np.ndarray:
    """Per frame, whether the estimator vouches for its angles there."""
    if not has_channels(series):
        return np.zeros(len(next(iter(series.values()), ())), dtype=bool)
    return np.isfinite(series[LUMBAR]) & (np.nan_to_num(series[QUALITY]) >= min_quality)


def has_spine(series: dict[str, np.ndarray], min_quality: float) -> bool:
    """Whether any frame has spine angles the estimator vouches for."""
    return bool(trusted(series, min_quality).any())


def reads_spine(series_names: Iterable[str]) -> bool:
    """Whether a check reading these series (its needs, its key series) judges the estimator's angles."""
    return any(name.startswith(PREFIX) for name in series_names)
