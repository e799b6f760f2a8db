"""The report: a typed, versioned schema (pydantic) written as ``report.json``.

Bump ``SCHEMA_VERSION`` on any change a reader would notice; add fields with
defaults so older reports still load.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.1"


class Severity(str, Enum):
    """How much a finding matters: info (not a fault: a check that could not judge) < note (a mild
    form of a fault, worth a word) < warning < danger."""

    info = "info"
    note = "note"
    warning = "warning"
    danger = "danger"


class Finding(BaseModel):
    """One thing a rule saw (or could not judge) in the set."""

    code: str = Field(description="stable id, e.g. deadlift.rounded_back")
    title: str
    severity: Severity = Severity.warning
    spans_ms: list[tuple[float, float]] = Field(default_factory=list)
    rep: int | None = Field(default=None, description="1-based rep number, None for the whole set")
    measured: float | None = None
    threshold: float | None = Field(default=None, description="the warning limit")
    threshold_key: str = Field(default="", description="which of the exercise's thresholds was judged against")
    threshold_danger: float | None = Field(default=None, description="the danger limit")
    threshold_note: float | None = Field(default=None, description="the limit of a mild form, where there is one")
    unit: str = ""
    confidence: float = 1.0
    cue: str = ""
    why: str = ""
    assessable: bool = True
    reason: str = Field(default="", description="why it could not be judged and how to film it")
    body_parts: list[str] = Field(
        default_factory=list, description="joints involved, near side, e.g. ['shoulder', 'hip']: drawn in colour"
    )
    key_series: str = Field(default="", description="the per-frame feature the check measures (for overlays, plots)")


class SourceInfo(BaseModel):
    file: str
    kind: Literal["video", "images", "pose_track"] = "video"
    duration_s: float
    fps: float
    width: int | None = None
    height: int | None = None
    rotation: int = 0


class ExerciseInfo(BaseModel):
    name: str
    confidence: float = 1.0
    given: bool = False
    candidates: list[tuple[str, float]] = Field(default_factory=list)
    looks_like: str | None = Field(
        default=None, description="when the exercise was given: the one the clip clearly shows instead, if another"
    )


# What the verdict can honestly say, for the UI's colour and the library's filters:
# faults found; every check, the headline ones included, judged with no fault; no fault found but a
# headline check could not be judged; nothing could be judged; the exercise not recognised; the
# exercise given is not the one the clip shows.
Outcome = Literal["faults", "clean", "partly_judged", "nothing_judged", "not_recognised", "mismatch"]


class ViewInfo(BaseModel):
    kind: Literal["side", "front", "oblique", "unknown"] = "unknown"
    yaw_deg: float | None = None
    side: Literal["left", "right"] | None = Field(default=None, description="body side nearer the camera")


class Rep(BaseModel):
    index: int = Field(description="1-based")
    start_ms: float
    end_ms: float
    bottom_ms: float | None = None
    metrics: dict[str, float] = Field(default_factory=dict)


class Hold(BaseModel):
    start_ms: float
    end_ms: float

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


class Versions(BaseModel):
    formcheck: str
    mediapipe: str | None = None
    model: str | None = None
    model_sha256: str | None = None
    # the spine estimator's weights (analyzer/pose/spine.py) when the track carries its angles
    spine_model_sha256: str | None = None


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source: SourceInfo
    frames_total: int
    frames_with_pose: int
    exercise: ExerciseInfo | None = None
    view: ViewInfo = Field(default_factory=ViewInfo)
    reps: list[Rep] = Field(default_factory=list)
    hold: Hold | None = None
    findings: list[Finding] = Field(default_factory=list)
    checked: list[str] = Field(default_factory=list, description="titles of the checks that were run")
    score: int | None = Field(default=None, description="0-100, None when nothing could be judged")
    verdict: str = ""
    outcome: Outcome = Field(default="nothing_judged", description="what the verdict can honestly say")
    notices: list[str] = Field(default_factory=list, description="caveats for the user (lighting, gaps, view)")
    processing: dict[str, object] = Field(default_factory=dict, description="model, smoothing, stride")
    versions: Versions

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json(indent=2))

    @classmethod
    def read(cls, path: str | Path) -> Report:
        return cls.model_validate(json.loads(Path(path).read_text()))
