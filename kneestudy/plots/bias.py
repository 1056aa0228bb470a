"""Risk-of-bias plots in the robvis style: a traffic-light plot and a summary plot.

Both take one row per study with RoB 2 judgements (Sterne et al. 2019, BMJ
366:l4898) in the columns ``randomisation`` (D1), ``deviations`` (D2),
``missing_data`` (D3), ``measurement`` (D4), ``selection`` (D5) and
``overall``. A judgement is ``low``, ``some_concerns``, ``high`` or
``no_information``; a missing value means the domain was not reported for that
study and is drawn as an empty grey cell (never as a judgement). Domains no
study reports are left out, so a table of overall judgements only gives a
one-column plot.

The layout and colours follow robvis (McGuinness & Higgins 2021, Res Synth
Methods 12:55): green / yellow / red / blue with the symbols + − × ? inside
each circle, so the plot reads without colour too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.plots._style import new_axes
from kneestudy.plots.labels import literal

__all__ = [
    "DOMAINS",
    "JUDGEMENTS",
    "judgement",
    "risk_of_bias_summary",
    "risk_of_bias_traffic_light",
    "summary_size",
    "traffic_light_size",
]

#: RoB 2 domains: column, short name, what it covers.
DOMAINS: tuple[tuple[str, str, str], ...] = (
    ("randomisation", "D1", "Bias arising from the randomisation process"),
    ("deviations", "D2", "Bias due to deviations from intended interventions"),
    ("missing_data", "D3", "Bias due to missing outcome data"),
    ("measurement", "D4", "Bias in measurement of the outcome"),
    ("selection", "D5", "Bias in selection of the reported result"),
    ("overall", "Overall", "Overall risk of bias"),
)
#: Short axis labels of the summary plot, by column.
_SHORT = {
    "randomisation": "D1 Randomisation process",
    "deviations": "D2 Deviations from intended interventions",
    "missing_data": "D3 Missing outcome data",
    "measurement": "D4 Measurement of the outcome",
    "selection": "D5 Selection of the reported result",
    "overall": "Overall risk of bias",
}
#: Judgement -> (label, symbol, colour), robvis' "cochrane" colours.
JUDGEMENTS: dict[str, tuple[str, str, str]] = {
    "low": ("Low", "+", "#02C100"),
    "some_concerns": ("Some concerns", "\u2212", "#E2DF07"),
    "high": ("High", "×", "#BF0000"),
    "no_information": ("No information", "?", "#4EA1F7"),
}
#: Colour of a domain not reported for a study.
NOT_REPORTED = ("Not reported", "", "#E6E6E6")

_ALIASES = {
    "low": "low",
    "low risk": "low",
    "some concerns": "some_concerns",
    "some_concerns": "some_concerns",
    "some-concerns": "some_concerns",
    "moderate": "some_concerns",
    "unclear": "some_concerns",
    "high": "high",
    "high risk": "high",
    "no information": "no_information",
    "no_information": "no_information",
    "ni": "no_information",
}


def judgement(value: Any) -> str | None:
    """The RoB 2 judgement a value names (``None`` for a missing value).

    Accepts the codes above and their spelled-out forms in any case ("Some
    concerns", "High risk"); raises ``ValueError`` for anything else.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _ALIASES:
        return _ALIASES[text]
    raise ValueError(f"{value!r} is not a risk-of-bias judgement ({', '.join(JUDGEMENTS)})")


def _judgements(rob: pd.DataFrame, study: str) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Normalised judgements and the domains any study reports (every bad value at once)."""
    if study not in rob.columns:
        raise ValueError(f"risk-of-bias table has no {study!r} column (one row per study)")
    bad = []
    out = pd.DataFrame({study: rob[study].astype(str).to_numpy()})
    for col, _, _ in DOMAINS:
        values = rob[col] if col in rob.columns else pd.Series([None] * len(rob))
        norm = []
        for i, v in enumerate(values):
            try:
                norm.append(judgement(v))
            except ValueError:
                bad.append(f"row {i + 1} ({rob[study].iloc[i]}), {col}: {v!r}")
                norm.append(None)
        out[col] = norm
    if bad:
        raise ValueError(
            "risk-of-bias values that are not low / some_concerns / high / no_information: "
            + "; ".join(bad)
        )
    shown = [d for d in DOMAINS if out[d[0]].notna().any()]
    if not shown:
        shown = [DOMAINS[-1]]
    return out, shown


def _legend_lines(shown: list[tuple[str, str, str]], used: set[Any]) -> list[str]:
    lines = [f"{short}: {what}" for _, short, what in shown if short != "Overall"]
    keys = [f"{sym} {label}" for code, (label, sym, _) in JUDGEMENTS.items() if code in used]
    if None in used:
        keys.append(f"grey: {NOT_REPORTED[0].lower()}")
    return [*lines, "    ".join(keys)]


#: Height of one study row, in inches (the report sizes its figure from it).
ROW_INCHES = 0.3


def traffic_light_size(n_studies: int, n_domains: int) -> tuple[float, float]:
    """Figure size (inches) that fits a traffic-light plot of this many rows and domains."""
    legend = n_domains if n_domains > 1 else 1
    return (
        max(6.0, 3.0 + 0.55 * n_domains),
        0.9 + ROW_INCHES * (max(n_studies, 1) + 1.2 + 0.55 * legend),
    )


def risk_of_bias_traffic_light(
    rob: pd.DataFrame,
    ax: Any = None,
    *,
    study: str = "study",
    title: str = "Risk of bias by study and domain (RoB 2)",
) -> Any:
    """Traffic-light plot: one row per study, one circle per domain.

    Parameters
    ----------
    rob : DataFrame
        One row per study: ``study`` and judgement columns (see module docstring).
    ax : matplotlib Axes, optional
        Drawn on a new figure of :func:`traffic_light_size` when omitted.
    study : str
        Column naming the study.

    Returns
    -------
    matplotlib Axes
    """
    data, shown = _judgements(rob, study)
    k, m = len(data), len(shown)
    ax = new_axes(ax, figsize=traffic_light_size(k, m))
    used: set[Any] = set()
    for i, row in enumerate(data.to_dict("records")):
        y = k - 1 - i
        for j, (col, _, _) in enumerate(shown):
            code = row[col]
            used.add(code)
            _, sym, colour = JUDGEMENTS[code] if code else NOT_REPORTED
            ax.scatter([j], [y], s=230, color=colour, edgecolor="#555555", lw=0.6, zorder=2)
            if sym:
                ax.text(j, y, sym, ha="center", va="center", fontsize=10, fontweight="bold",
                        zorder=3)  # fmt: skip
        name = str(row[study])
        ax.text(-0.6, y, literal(name if len(name) <= 40 else name[:39] + "…"), ha="right",
                va="center", fontsize=8)  # fmt: skip
    for j, (_, short, _) in enumerate(shown):
        ax.text(j, k - 0.45, short, ha="center", va="bottom", fontsize=8, fontweight="bold")
    lines = _legend_lines(shown, used)
    ax.text(-0.6 - 0.02, -0.9, literal("\n".join(lines)), ha="left", va="top", fontsize=7,
            color="#333333", linespacing=1.35)  # fmt: skip
    ax.set_xlim(-0.6 - 0.02, m - 0.5)
    ax.set_ylim(-1.0 - 0.55 * len(lines), k + 0.4)
    ax.axis("off")
    ax.set_title(title, loc="left", fontweight="bold")
    return ax


def summary_size(n_domains: int) -> tuple[float, float]:
    """Figure size (inches) of a summary plot of this many domains."""
    return (7.0, 1.5 + 0.38 * max(n_domains, 1))


def risk_of_bias_summary(
    rob: pd.DataFrame,
    ax: Any = None,
    *,
    study: str = "study",
    weights: str | None = None,
    title: str = "Risk of bias across studies (RoB 2)",
) -> Any:
    """Summary plot: for each domain, the share of studies with each judgement.

    Parameters
    ----------
    rob : DataFrame
        As :func:`risk_of_bias_traffic_light`.
    weights : str, optional
        A column of study weights (e.g. participants); by default every study
        counts once, as robvis' default.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.patches import Patch

    data, shown = _judgements(rob, study)
    w = (
        pd.to_numeric(rob[weights], errors="coerce").fillna(0).to_numpy(dtype=float)
        if weights
        else np.ones(len(data))
    )
    ax = new_axes(ax, figsize=summary_size(len(shown)))
    order = [*JUDGEMENTS, None]
    ys = np.arange(len(shown))[::-1]
    total = w.sum() if w.sum() > 0 else 1.0
    present: set[Any] = set()
    for y, (col, _, _) in zip(ys, shown, strict=True):
        left = 0.0
        for code in order:
            hit = data[col].isna().to_numpy() if code is None else (data[col] == code).to_numpy()
            share = 100 * w[hit].sum() / total
            if share <= 0:
                continue
            present.add(code)
            _, _, colour = JUDGEMENTS[code] if code else NOT_REPORTED
            ax.barh(y, share, left=left, color=colour, edgecolor="#555555", lw=0.5)
            if share >= 8:
                ax.text(left + share / 2, y, f"{share:.0f}%", ha="center", va="center", fontsize=7)
            left += share
    ax.set_yticks(ys, [_SHORT[col] for col, _, _ in shown])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Studies (%)" if not weights else f"Studies weighted by {literal(weights)} (%)")
    handles = [
        Patch(facecolor=(JUDGEMENTS[c] if c else NOT_REPORTED)[2], edgecolor="#555555",
              label=(JUDGEMENTS[c] if c else NOT_REPORTED)[0])
        for c in order if c in present
    ]  # fmt: skip
    # the legend sits 0.45 inch below the axes (under the x label), from the figure's left
    pos, height = ax.get_position(), ax.figure.get_figheight()
    ax.legend(handles=handles, frameon=False, fontsize=7, ncol=len(handles), loc="upper left",
              bbox_to_anchor=(0.01, pos.y0 - 0.45 / height),
              bbox_transform=ax.figure.transFigure)  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, loc="left", fontweight="bold")
    return ax
