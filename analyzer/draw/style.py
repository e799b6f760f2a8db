"""One look for every place a finding is shown: the video, the live view, the HTML report and the library.

Severity order and colours, the visibility under which a landmark is not drawn
(the same floor the rules trust, so the video never draws a point the checks
ignored), and the one text wrapper the overlays use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from analyzer.features.kinematics import MIN_VISIBILITY
from analyzer.report import Finding, Severity

__all__ = ["MIN_VISIBILITY", "SEVERITY_RANK", "SEVERITY_RGB", "worst", "wrap_words"]

RGB = tuple[int, int, int]
# Worse is higher: sort with reverse=True (or negate) to put the worst first.
SEVERITY_RANK: dict[Severity, int] = {Severity.info: 0, Severity.note: 1, Severity.warning: 2, Severity.danger: 3}
SEVERITY_RGB: dict[Severity, RGB] = {
    Severity.note: (60, 140, 220),
    Severity.warning: (255, 176, 0),
    Severity.danger: (235, 30, 30),
}


def worst(findings: Iterable[Finding]) -> Finding:
    """The most severe finding (the first of equals): the one a card, a cue or a library row leads with."""
    return max(findings, key=lambda f: SEVERITY_RANK[f.severity])


def wrap_words(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap: each line as long as ``fits`` allows (a word too long for a line stands alone)."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and fits(trial):
            lines[-1] = trial
        else:
            lines.append(word)
    return lines
