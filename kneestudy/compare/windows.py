"""Time windows of the comparison: which follow-up a row belongs to, and which row a study gives.

Evidence is compared within a window of follow-up, not at one week that few
rows have. The named windows follow the field's time points of 3 and 12
months (Collins et al. 2018 consensus; Winters et al. 2021 living network
meta-analysis):

=========  ==============================  ===========  ============
name       weeks                           target week  label
=========  ==============================  ===========  ============
short      > 0 and ≤ 13                    12           up to 3 months
medium     > 13 and < 52                   26           over 3 and under 12 months
long       ≥ 52                            52           12 months or longer
=========  ==============================  ===========  ============

An explicit window is ``(low, high)`` or ``(low, high, target)`` weeks,
both ends included (week 0, the baseline, never is); its target defaults to
``high``. ``week=w`` is a shortcut for the named window that holds ``w``, with
``w`` as its target. Within a window each study gives one time point per
comparison: the one nearest the target week, ties to the later week. Time to
becoming pain-free is a time-to-event outcome over the whole follow-up: no
window applies.

References
----------
Collins NJ, Barton CJ, van Middelkoop M, et al. (2018). 2018 Consensus
statement on exercise therapy and physical interventions (orthoses, taping and
manual therapy) to treat patellofemoral pain. *Br J Sports Med* 52:1170–1178.
Winters M, Holden S, Lura CB, et al. (2021). Comparative effectiveness of
treatments for patellofemoral pain: a living systematic review with network
meta-analysis. *Br J Sports Med* 55:369–377.

Examples
--------
>>> resolve_window("short").label
'up to 3 months'
>>> resolve_window(week=52).name, resolve_window(week=52).target
('long', 52.0)
>>> resolve_window((4, 8)).contains(6.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["TIME_TO_EVENT", "WINDOWS", "Window", "nearest", "resolve_window"]


@dataclass(frozen=True)
class Window:
    """A window of follow-up.

    Attributes
    ----------
    name : str
        "short", "medium", "long", "custom" or "time to event".
    low, high : float
        Bounds in weeks (``high`` may be infinite).
    low_open, high_open : bool
        Whether the bound itself is excluded.
    target : float
        Week a study's time point is chosen nearest to.
    label : str
        How verdicts and tables name the window ("up to 3 months").
    """

    name: str
    low: float
    high: float
    low_open: bool
    high_open: bool
    target: float
    label: str

    def contains(self, week: float) -> bool:
        """Whether ``week`` lies in the window (always True for time to event)."""
        if self.name == "time to event":
            return True
        w = float(week)
        if not math.isfinite(w) or w <= 0:
            return False
        lo_ok = w > self.low if self.low_open else w >= self.low
        hi_ok = w < self.high if self.high_open else w <= self.high
        return lo_ok and hi_ok

    def bounds(self) -> str:
        """The bounds in words (``weeks > 0 and ≤ 13``)."""
        if self.name == "time to event":
            return "the whole follow-up"
        lo = f"{'>' if self.low_open else '≥'} {self.low:g}"
        if math.isinf(self.high):
            return f"weeks {lo}"
        hi = f"{'<' if self.high_open else '≤'} {self.high:g}"
        return f"weeks {lo} and {hi}"

    def describe(self) -> str:
        """Label, bounds and target, for methods text."""
        if self.name == "time to event":
            return "time to event over the whole follow-up (no window)"
        return f"{self.label} ({self.bounds()}; target week {self.target:g})"


#: The named windows.
WINDOWS: dict[str, Window] = {
    "short": Window("short", 0.0, 13.0, True, False, 12.0, "up to 3 months"),
    "medium": Window("medium", 13.0, 52.0, True, True, 26.0, "over 3 and under 12 months"),
    "long": Window("long", 52.0, math.inf, False, False, 52.0, "12 months or longer"),
}
#: The window of a time-to-event outcome (time to becoming pain-free).
TIME_TO_EVENT = Window("time to event", 0.0, math.inf, False, False, math.nan, "over follow-up")


def resolve_window(
    window: str | Sequence[float] | Window = "short",
    week: float | None = None,
    outcome: str | None = None,
) -> Window:
    """The :class:`Window` asked for (module docstring).

    Parameters
    ----------
    window : {"short", "medium", "long"}, (low, high), (low, high, target) or Window
    week : float, optional
        Shortcut: the named window holding ``week``, with ``week`` as target.
        A ``window`` other than the default that does not hold it is an error.
    outcome : str, optional
        ``"pain_free"`` (time to event) gives :data:`TIME_TO_EVENT`.

    Raises
    ------
    AnalysisError
        For an unknown name, a malformed tuple, week 0 or a conflict.
    """
    if outcome == "pain_free":
        return TIME_TO_EVENT
    if isinstance(window, Window):
        chosen = window
    elif isinstance(window, str):
        if window not in WINDOWS:
            raise AnalysisError(
                f"unknown window {window!r}; use one of {list(WINDOWS)} or (low, high) weeks"
            )
        chosen = WINDOWS[window]
    else:
        try:
            vals = [float(v) for v in window]
        except (TypeError, ValueError):
            raise AnalysisError(
                f"a window is a name {list(WINDOWS)} or (low, high[, target]) weeks; got {window!r}"
            ) from None
        if len(vals) not in (2, 3) or vals[0] < 0 or not vals[1] > vals[0]:
            raise AnalysisError(
                f"a window (low, high[, target]) needs 0 <= low < high; got {tuple(window)}"
            )
        lo, hi = vals[0], vals[1]
        target = vals[2] if len(vals) == 3 else (hi if math.isfinite(hi) else lo)
        high_txt = "" if math.isinf(hi) else f"–{hi:g}"
        chosen = Window(
            "custom", lo, hi, lo == 0, False, target,
            f"weeks {lo:g}{high_txt}" if high_txt else f"week {lo:g} or later",
        )  # fmt: skip
        if not chosen.contains(target):
            raise AnalysisError(
                f"the target week {target:g} lies outside the window {chosen.bounds()}"
            )
    if week is None:
        return chosen
    w = float(week)
    if not w > 0:
        raise AnalysisError(f"week {w:g} is the baseline or earlier; use a follow-up week (> 0)")
    holder = next((v for v in WINDOWS.values() if v.contains(w)), None)
    assert holder is not None  # the three windows cover every week > 0
    if window not in ("short", holder.name) and not (
        isinstance(window, Window) and window.contains(w)
    ):
        raise AnalysisError(
            f"week {w:g} lies in the {holder.name!r} window ({holder.bounds()}), not in the "
            f"window asked for ({chosen.bounds()}); give one of them"
        )
    return Window(holder.name, holder.low, holder.high, holder.low_open, holder.high_open, w,
                  holder.label)  # fmt: skip


def nearest(weeks: pd.Series | np.ndarray | Sequence[float], target: float) -> float:
    """The week nearest ``target``, ties to the later week (NaN for no weeks)."""
    w = np.asarray(pd.Series(weeks, dtype=float).dropna().unique(), dtype=float)
    if len(w) == 0:
        return float("nan")
    if not math.isfinite(target):
        return float(w.max())
    d = np.abs(w - target)
    best = w[np.isclose(d, d.min())]
    return float(best.max())
