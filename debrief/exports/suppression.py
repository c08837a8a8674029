"""Small-number suppression with complementary protection of totals (Flask-free).

Primary: a count from 1 to threshold-1 is shown as "<3" (for threshold 3).
Complementary: a published total lets a reader subtract the figures shown from
it and so learn what the suppressed figures add up to. For each total we check
whether a reader who knows the method could pin any suppressed figure to one
value, counting every primary figure as somewhere from 1 to threshold-1 and
every complementary figure as threshold or more. While one could be pinned we
also hide the smallest figure still shown (at least the threshold, so the
reader's assumption holds) and mark it "[c]"; when none is left we hide the
total instead. Zeros are shown: they describe no one.

The check works on counts of values, not the cells themselves, so protecting a
register of 100,000 debriefs needs only a histogram in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HIDDEN = "[c]"


def marker(threshold: int) -> str:
    """Return the text shown for a small number, for example "<3"."""
    return f"<{threshold}"


def is_small(value: int, threshold: int) -> bool:
    """Tell whether a count must be suppressed: from 1 to threshold-1."""
    return threshold > 1 and 0 < value < threshold


@dataclass
class Protection:
    """What to hide beyond the small numbers: how many cells of each value, and the total."""

    secondary: Counter = field(default_factory=Counter)
    hide_total: bool = False


def plan(values: Iterable[int] | Counter, total: int, threshold: int, *, total_public=False):
    """Decide the complementary cells (and whether to hide the total) for one sum."""
    histogram = values if isinstance(values, Counter) else Counter(values)
    protection = Protection()
    if threshold <= 1:
        return protection
    small = {v: n for v, n in histogram.items() if is_small(v, threshold)}
    n_small = sum(small.values())
    if n_small == 0:
        return protection
    hidden_sum = sum(v * n for v, n in small.items())
    candidates = _ascending(histogram, threshold)
    n_secondary = 0
    while _pinned(n_small, n_secondary, hidden_sum, total, threshold):
        value = next(candidates, None)
        if value is None:
            if not total_public:  # hiding the total alone protects every figure
                return Protection(hide_total=True)
            return protection
        protection.secondary[value] += 1
        n_secondary += 1
        hidden_sum += value
    return protection


def _ascending(histogram: Counter, threshold: int):
    for value in sorted(v for v in histogram if v >= threshold):
        yield from [value] * histogram[value]


def _pinned(n_small: int, n_secondary: int, hidden_sum: int, total: int, threshold: int) -> bool:
    """Tell whether a reader could work out a small figure from the total and the rest."""
    top = threshold - 1
    if is_small(total, threshold):
        # The total is itself shown as "<3": the hidden figures add up to 1..top.
        low_sum, high_sum = 1 - (total - hidden_sum), top - (total - hidden_sum)
    else:
        low_sum = high_sum = hidden_sum
    others_low = (n_small - 1) * 1 + n_secondary * threshold
    if n_secondary:
        low = 1  # the complementary figures have no upper limit
    else:
        low = max(1, low_sum - (n_small - 1) * top)
    high = min(top, high_sum - others_low)
    return low >= high


@dataclass(frozen=True)
class ProtectedRow:
    """A row of counts and its total, as shown: numbers, "<3" or "[c]"."""

    cells: tuple[int | str, ...]
    total: int | str


def protect_row(
    values: Sequence[int], total: int, threshold: int, *, total_public: bool = False
) -> ProtectedRow:
    """Suppress small counts in a row and protect its total; hide the first cells chosen."""
    protection = plan(values, total, threshold, total_public=total_public)
    remaining = Counter(protection.secondary)
    shown: list[int | str] = []
    for value in values:
        if is_small(value, threshold):
            shown.append(marker(threshold))
        elif remaining[value] > 0:
            remaining[value] -= 1
            shown.append(HIDDEN)
        else:
            shown.append(value)
    return ProtectedRow(tuple(shown), show_total(total, threshold, protection.hide_total))


def show_total(total: int, threshold: int, hide: bool = False) -> int | str:
    """Return a total as shown: hidden, "<3", or the number."""
    if hide:
        return HIDDEN
    return marker(threshold) if is_small(total, threshold) else total


def show(value: int, threshold: int) -> int | str:
    """Return a lone count as shown (no total to protect)."""
    return marker(threshold) if is_small(value, threshold) else value


class RunningHider:
    """Hide, while streaming a register, the complementary cells a plan chose (first ones)."""

    def __init__(self, protection: Protection, threshold: int):
        self.remaining = Counter(protection.secondary)
        self.threshold = threshold

    def show(self, value: int) -> int | str:
        """Return the value as shown in this row of the register."""
        if is_small(value, self.threshold):
            return marker(self.threshold)
        if self.remaining[value] > 0:
            self.remaining[value] -= 1
            return HIDDEN
        return value
