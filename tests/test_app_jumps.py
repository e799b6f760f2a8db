"""The jump buttons of a finding card: one per distinct moment, each label different (issue 18: two identical
"rep 3" buttons). What a click does is checked in a browser (tests/browser/test_result_view_e2e.py)."""

from __future__ import annotations

from analyzer.report import Finding
from webapp.player import MAX_JUMPS_PER_CARD, finding_jumps


def _finding(rep: int | None, *spans_s: tuple[float, float]) -> Finding:
    return Finding(code="squat.butt_wink", title="Butt wink", rep=rep, spans_ms=[(a * 1000, b * 1000) for a, b in spans_s])


def test_one_jump_per_moment_each_labelled_differently() -> None:
    group = [_finding(3, (12.5, 13.0), (14.0, 14.4)), _finding(3, (12.5, 13.1)), _finding(1, (2.04, 3.0))]
    jumps = finding_jumps(group)
    assert [(j.label, j.seconds) for j in jumps] == [("rep 1 · 2 s", 2.0), ("rep 3 · 12.5 s", 12.5),
                                                     ("rep 3 · 14 s", 14.0)]


def test_a_hold_jumps_by_time_and_a_card_keeps_few() -> None:
    many = [_finding(None, *[(float(i), i + 0.5) for i in range(20)])]
    jumps = finding_jumps(many)
    assert len(jumps) == MAX_JUMPS_PER_CARD and jumps[0].label == "0 s"
