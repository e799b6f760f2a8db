"""Finds the exercise modules in ``rules/`` and recognises which one a track shows.

Adding an exercise is one new file in ``rules/`` defining ``EXERCISE``;
nothing here needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import rules
from analyzer.features.kinematics import Features
from analyzer.judging.evaluate import active_part, count_reps
from analyzer.judging.rulebook import Exercise

# Recognition: below this score nobody is named; the runner-up must trail by
# at least this margin, or the report lists the candidates instead of guessing.
MIN_RECOGNITION_SCORE = 0.5
MIN_RECOGNITION_MARGIN = 0.15
NO_REP_FACTOR = 0.4


class UnknownExercise(ValueError):
    """The user named an exercise formcheck has no rules for."""


@cache
def exercises() -> dict[str, Exercise]:
    """All exercise modules by name, imported once."""
    found: dict[str, Exercise] = {}
    for module in pkgutil.iter_modules(rules.__path__):
        if module.name.startswith("_"):
            continue
        exercise = getattr(importlib.import_module(f"rules.{module.name}"), "EXERCISE", None)
        if isinstance(exercise, Exercise):
            found[exercise.name] = exercise
    return dict(sorted(found.items()))


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name`` or one of its aliases (case, spaces and dashes ignored)."""
    wanted = _normalise(name)
    for exercise in exercises().values():
        if wanted == exercise.name or wanted in {_normalise(a) for a in exercise.aliases}:
            return exercise
    known = ", ".join(exercises())
    raise UnknownExercise(f"formcheck has no rules for {name!r}: choose one of {known}, or 'auto'.")


def recognise(features: Features) -> list[tuple[str, float]]:
    """Every exercise with its resemblance score, best first.

    Each exercise is scored on its own active part (the longest run in its
    position), scaled by how much of the clip that run covers, so that walking
    up to the camera does not make a plank look like a squat.
    """
    scores = []
    for exercise in exercises().values():
        active = active_part(exercise, features, every_set=False)
        if active is None:
            scores.append((exercise.name, 0.0))
            continue
        coverage = len(active.t_ms) / max(1, int(features.valid.sum()))
        try:
            score = float(exercise.looks_like(active)) * min(1.0, 0.4 + coverage)
            if exercise.kind == "reps" and not count_reps(exercise, active):
                score *= NO_REP_FACTOR  # moving like it, but never a whole rep: weak evidence
        except (KeyError, ValueError):
            score = 0.0
        scores.append((exercise.name, round(max(0.0, min(1.0, score)), 3)))
    return sorted(scores, key=lambda item: -item[1])


def confident_choice(scores: list[tuple[str, float]]) -> str | None:
    """The recognised exercise, or None when the evidence does not single one out."""
    if not scores or scores[0][1] < MIN_RECOGNITION_SCORE:
        return None
    runner_up = scores[1][1] if len(scores) > 1 else 0.0
    return scores[0][0] if scores[0][1] - runner_up >= MIN_RECOGNITION_MARGIN else None
