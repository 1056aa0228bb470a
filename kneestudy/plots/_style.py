"""Shared look of kneestudy's plots: a colour-blind-safe palette and helpers.

Colours follow Okabe & Ito (2008), "Color Universal Design", distinguishable
under the common forms of colour-vision deficiency. Each of the eight ideas
has a fixed colour; the arms of a cohort take colours in order with the
comparator arm always grey, so an arm looks the same in every plot of a
cohort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kneestudy.interventions import IDEAS

__all__ = ["COMPARATOR_COLOR", "OKABE_ITO", "arm_colors", "idea_color", "new_axes"]

#: Okabe–Ito palette (black left out: it is kept for text and reference lines).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Colour of comparator (control) arms.
COMPARATOR_COLOR = "#7F7F7F"

_IDEA_COLORS = dict(zip(IDEAS, OKABE_ITO, strict=True))


def idea_color(code: str | None) -> str:
    """Colour of an idea (grey for a comparator or an unknown code)."""
    return _IDEA_COLORS.get(code or "", COMPARATOR_COLOR)


def arm_colors(arms: Sequence[str], comparator: str | None = None) -> dict[str, str]:
    """Colour per arm label: palette order, the comparator arm grey.

    Parameters
    ----------
    arms : sequence of str
        Arm labels in display order.
    comparator : str, optional
        The arm label of the control arm.

    Examples
    --------
    >>> arm_colors(["Hip", "Usual care"], comparator="Usual care")
    {'Hip': '#0072B2', 'Usual care': '#7F7F7F'}
    """
    out: dict[str, str] = {}
    i = 0
    for arm in arms:
        if arm == comparator:
            out[arm] = COMPARATOR_COLOR
        else:
            out[arm] = OKABE_ITO[i % len(OKABE_ITO)]
            i += 1
    return out


def new_axes(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.5)) -> Any:
    """Return ``ax``, or the axes of a new pyplot figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def tidy(ax: Any) -> None:
    """Light styling: no top/right spines, a faint horizontal grid."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
