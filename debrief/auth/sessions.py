"""Session limits: when a session ends, why, and when to warn. Flask-free.

A session ends `idle` seconds after it was last used and `absolute` seconds after
signing in, whichever comes first. Times are whole seconds since the epoch, as the
session cookie keeps them. The page carries the seconds left (not a clock time),
so a laptop's wrong clock cannot move the warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The GOV.UK timeout warning comes two minutes before the end; with limits of four
# minutes or less (tests) it comes half-way, so that it is not there from the start.
WARNING_SECONDS = 120


class Ended(StrEnum):
    """Why a session is over."""

    IDLE = "idle"
    ABSOLUTE = "absolute"
    BROKEN = "broken"  # the cookie lacks its times: never valid


def describe_minutes(minutes: int) -> str:
    """Say a limit in words: '1 minute', '30 minutes', '12 hours', '90 minutes'."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class Limits:
    """The idle and absolute limits, in minutes as the settings give them."""

    idle_minutes: int
    absolute_minutes: int

    @property
    def idle(self) -> int:
        """The idle limit in seconds."""
        return self.idle_minutes * 60

    @property
    def absolute(self) -> int:
        """The absolute limit in seconds."""
        return self.absolute_minutes * 60

    @property
    def warning(self) -> int:
        """Seconds before the end at which the page warns."""
        return min(WARNING_SECONDS, self.idle // 2)

    def ended(self, started: object, seen: object, now: int) -> Ended | None:
        """Return why the session is over at `now`, or None while it runs."""
        if not isinstance(started, int) or not isinstance(seen, int):
            return Ended.BROKEN
        # At the limit it has ended: the page's clock says 0 seconds left at that moment.
        # Past both, the absolute limit is the reason: using it would not have helped.
        if now - started >= self.absolute:
            return Ended.ABSOLUTE
        if now - seen >= self.idle:
            return Ended.IDLE
        return None

    def reason(self, ended: Ended) -> str:
        """Say why the session ended, to follow 'You were signed out because'."""
        if ended is Ended.IDLE:
            return f"you had not used it for {describe_minutes(self.idle_minutes)}"
        if ended is Ended.ABSOLUTE:
            return f"you signed in more than {describe_minutes(self.absolute_minutes)} ago"
        return "your session could not be checked"

    def timing(self, started: int, seen: int, now: int) -> Timing:
        """Return how long a running session has left, and whether using it would extend that
        (not once the absolute limit comes first)."""
        by_idle = seen + self.idle - now
        by_absolute = started + self.absolute - now
        return Timing(
            expires_in=max(0, min(by_idle, by_absolute)),
            extendable=by_absolute > by_idle,
            warning=self.warning,
        )


@dataclass(frozen=True)
class Timing:
    """What the page's timeout warning needs: seconds left, and whether staying extends it."""

    expires_in: int
    extendable: bool
    warning: int
