"""Small-number suppression: no suppressed figure can be worked out from what is shown."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from debrief.exports.suppression import HIDDEN, RunningHider, plan, protect_row

T = 3


def possible_values(shown: tuple, total, limit: int) -> list[set[int]]:
    """Brute force what each cell could be, for a reader who knows the method."""
    options = []
    for cell in shown:
        if cell == "<3":
            options.append(range(1, T))
        elif cell == HIDDEN:
            options.append(range(T, limit + 1))
        else:
            options.append([cell])
    seen = [set() for _ in shown]
    for combo in itertools.product(*options):
        if total == "<3" and not 1 <= sum(combo) < T:
            continue
        if isinstance(total, int) and sum(combo) != total:
            continue
        for index, value in enumerate(combo):
            seen[index].add(value)
    return seen


ROWS = [row for n in (1, 2, 3, 4) for row in itertools.product(range(0, 6), repeat=n)]


@pytest.mark.parametrize("total_public", [False, True])
def test_no_small_figure_is_ever_pinned(total_public):
    pinned = []
    for row in ROWS:
        shown = protect_row(list(row), sum(row), T, total_public=total_public)
        assert all(s == v or s in ("<3", HIDDEN) for s, v in zip(shown.cells, row, strict=True))
        candidates = possible_values(shown.cells, shown.total, sum(row) + T)
        for s, seen in zip(shown.cells, candidates, strict=True):
            if s == "<3" and len(seen) < 2:
                pinned.append((row, shown))
    if total_public:
        # A total everyone knows anyway cannot be hidden: a row stays exposed only when
        # every figure that could hide a small one is already hidden.
        assert pinned
        for _row, shown in pinned:
            assert all(cell in (0, "<3", HIDDEN) for cell in shown.cells)
    else:
        assert pinned == []


def test_examples_read_as_expected():
    assert protect_row([1, 5, 7], 13, T).cells == ("<3", HIDDEN, 7)
    assert protect_row([1, 5, 7], 13, T).total == 13
    assert protect_row([1, 1], 2, T).total == HIDDEN
    assert protect_row([2, 0, 9, 4], 15, T).cells == ("<3", 0, 9, HIDDEN)
    assert protect_row([1, 2, 5], 8, T).cells == ("<3", "<3", 5)  # 1+2 or 2+1: safe
    assert protect_row([0, 4, 9], 13, T).cells == (0, 4, 9)
    assert protect_row([1, 4], 5, 0).cells == (1, 4)  # threshold 0: nothing suppressed


def test_threshold_from_settings_is_honoured():
    assert protect_row([4, 10], 14, 5).cells == ("<5", HIDDEN)


def test_register_cells_are_protected_against_the_summary_total():
    # Three events with one unaccompanied child each, the rest none, total 3: each would be
    # pinned at 1, so the total is hidden.
    register = [1, 1, 1, 0, 0]
    protection = plan(Counter(register), 3, T)
    assert protection.hide_total
    # With a larger count to hide behind, that count is hidden instead, once.
    register = [1, 0, 4, 4, 9]
    protection = plan(Counter(register), 18, T)
    assert not protection.hide_total and protection.secondary == Counter({4: 1})
    hider = RunningHider(protection, T)
    assert [hider.show(v) for v in register] == ["<3", 0, HIDDEN, 4, 9]
