"""Report tables from any result: column labels, units and display rules by name.

:func:`result_table` turns a result object (anything with ``to_frame()``), a
DataFrame or a :class:`~kneestudy.report.content.Table` into a report table:
known columns get their label and display rule from one vocabulary
(``estimate`` with ``ci_low``/``ci_high`` becomes one "Estimate (95% CI)"
column; ``rr`` with ``rr_ci_low``/``rr_ci_high`` one "RR (95% CI)"; intervention
codes are shown by their labels; P values as ``<0.001``), unknown ones a
readable header. Every result table of the toolkit can so be exported with
:func:`kneestudy.report.export_table` (LaTeX, Word, HTML, CSV).

Examples
--------
>>> import pandas as pd
>>> t = result_table(pd.DataFrame({"treatment": ["orthotics"], "estimate": [-0.5],
...                                "ci_low": [-0.9], "ci_high": [-0.1], "p_value": [0.01]}),
...                  key="demo", title="Orthotics vs flat inserts")
>>> [h.label for h in t.header()], t.rows()[0].cells
(['Treatment', 'Estimate (95% CI)', 'p'], ('Insoles / orthotics', '−0.50 (−0.90 to −0.10)', '0.010'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from kneestudy.report.content import Column, Table, slug

__all__ = ["columns_for", "result_table"]

# name -> (label, style, digits)
_VOCAB: dict[str, tuple[str, str, int]] = {
    "study_id": ("Study", "text", 0),
    "source": ("Source", "text", 0),
    "label": ("", "text", 0),
    "idea": ("Idea", "label", 0),
    "node": ("Node", "label", 0),
    "treatment": ("Treatment", "label", 0),
    "comparator": ("Comparator", "label", 0),
    "intervention": ("Intervention", "label", 0),
    "component": ("Component", "label", 0),
    "arm": ("Arm", "text", 0),
    "group": ("Group", "text", 0),
    "reference": ("Reference", "text", 0),
    "term": ("Term", "text", 0),
    "outcome": ("Outcome", "text", 0),
    "measure": ("Measure", "text", 0),
    "method": ("Method", "text", 0),
    "week": ("Week", "weeks", 0),
    "tau": ("τ (weeks)", "weeks", 0),
    "n": ("n", "count", 0),
    "n_treatment": ("n treatment", "count", 0),
    "n_comparator": ("n comparator", "count", 0),
    "studies": ("Studies", "count", 0),
    "n_studies": ("Studies", "count", 0),
    "participants": ("Participants", "count", 0),
    "n_participants": ("Participants", "count", 0),
    "events": ("Events", "count", 0),
    "censored": ("Censored", "count", 0),
    "at_risk": ("At risk", "count", 0),
    "rank": ("Rank", "count", 0),
    "se": ("SE", "number", 3),
    "z": ("z", "number", 2),
    "df": ("df", "number", 1),
    "statistic": ("Statistic", "number", 2),
    "chisq": ("χ²", "number", 2),
    "p_value": ("p", "p", 3),
    "p": ("p", "p", 3),
    "fisher_p": ("Fisher p", "p", 3),
    "q_p_value": ("p (Q)", "p", 3),
    "p_score": ("P-score", "number", 2),
    "tau2": ("τ²", "number", 3),
    "i2": ("I² (%)", "number", 0),
    "certainty": ("Certainty", "text", 0),
    "reasons": ("Reasons", "text", 0),
    "verdict": ("What it means", "text", 0),
    "status": ("Status", "text", 0),
    "reason": ("Reason", "text", 0),
    "note": ("Note", "text", 0),
}
# estimate columns that take the generic ci_low / ci_high, with their label
_POINTS: dict[str, str] = {
    "estimate": "Estimate",
    "hr": "HR",
    "rr": "RR",
    "odds_ratio": "OR",
    "rd": "RD",
    "smd": "SMD",
    "risk": "Risk",
    "rmst": "RMST",
    "median": "Median",
    "mean": "Mean",
    "survival": "Survival",
}
# prefix of the CI columns when it differs from the estimate's name
_PREFIX = {"odds_ratio": "or"}
_SKIP_WITH_CI = ("ci_low", "ci_high")


def _header(name: str) -> str:
    return name.replace("_", " ").strip().capitalize() or name


def columns_for(
    frame: pd.DataFrame,
    *,
    digits: int = 2,
    level: float = 0.95,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    exp: Sequence[str] = (),
) -> tuple[Column, ...]:
    """Display columns for ``frame`` by the vocabulary (see module docstring).

    Parameters
    ----------
    digits : int
        Decimals of estimates and intervals.
    level : float
        Confidence level named in interval headers.
    labels, units : mapping, optional
        Header label / unit by column name, overriding the vocabulary.
    exp : sequence of str
        Estimate columns on the log scale, shown exponentiated (as ratios).
    """
    labels = dict(labels or {})
    units = dict(units or {})
    cols = [str(c) for c in frame.columns]
    have = set(cols)
    used: set[str] = set()
    pct = f"{100 * level:g}% CI"
    out: list[Column] = []
    generic_taken = False
    for name in cols:
        if name in used:
            continue
        prefix = _PREFIX.get(name, name)
        lo, hi = f"{prefix}_ci_low", f"{prefix}_ci_high"
        transform = "exp" if name in exp else None
        if lo in have and hi in have:
            label = labels.get(name, _POINTS.get(name, _header(name)))
            out.append(
                Column(
                    name,
                    f"{label} ({pct})",
                    units.get(name, ""),
                    "estimate_ci",
                    digits,
                    (name, lo, hi),
                    transform,
                )  # fmt: skip
            )
            used |= {name, lo, hi}
            continue
        if name in _POINTS and not generic_taken and {"ci_low", "ci_high"} <= have:
            label = labels.get(name, _POINTS[name])
            out.append(
                Column(
                    name,
                    f"{label} ({pct})",
                    units.get(name, ""),
                    "estimate_ci",
                    digits,
                    (name, "ci_low", "ci_high"),
                    transform,
                )  # fmt: skip
            )
            used |= {name, "ci_low", "ci_high"}
            generic_taken = True
            continue
        if name == "pi_low" and "pi_high" in have:
            out.append(
                Column(
                    name,
                    labels.get(name, f"{100 * level:g}% PI"),
                    units.get(name, ""),
                    "ci",
                    digits,
                    ("pi_low", "pi_high"),
                    transform,
                )  # fmt: skip
            )
            used |= {"pi_low", "pi_high"}
            continue
        if name in _VOCAB:
            label, style, d = _VOCAB[name]
            if style == "number" and name not in ("df", "i2", "p_score"):
                d = max(d, digits) if name in ("se", "tau2") else digits
        else:
            numeric = pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(
                frame[name]
            )
            label, style, d = _header(name), ("number" if numeric else "text"), digits
        out.append(Column(name, labels.get(name, label), units.get(name, ""), style, d, (), None))
        used.add(name)
    return tuple(out)


def result_table(
    obj: Any,
    *,
    key: str | None = None,
    title: str | None = None,
    direction: str = "",
    notes: Sequence[str] = (),
    digits: int = 2,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    exp: Sequence[str] = (),
    columns: Sequence[str] | None = None,
) -> Table:
    """A report :class:`~kneestudy.report.content.Table` of a result or DataFrame.

    Parameters
    ----------
    obj : Table, result object or DataFrame
        A result's ``to_frame()`` is used (full precision); a Table is returned as is.
    key, title : str, optional
        Stable key and caption (default: from the result's title).
    direction, notes : optional
        Which direction is better; notes under the table.
    digits, labels, units, exp :
        As :func:`columns_for`.
    columns : sequence of str, optional
        Columns of the frame to show (default: all with any value).
    """
    if isinstance(obj, Table):
        return obj
    if isinstance(obj, pd.DataFrame):
        frame = obj
    elif hasattr(obj, "to_frame"):
        frame = obj.to_frame()
    else:
        raise TypeError(
            f"cannot make a table of {type(obj).__name__}: expected a DataFrame, "
            "a result with to_frame() or a report Table"
        )
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
        first = str(frame.columns[0])
        if first == "index":
            frame = frame.rename(columns={"index": "term"})
    frame = frame.dropna(axis=1, how="all")
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in the result's table")
        frame = frame[list(columns)]
    level = float(getattr(obj, "level", None) or 1 - float(getattr(obj, "alpha", 0.05) or 0.05))
    name = str(getattr(obj, "_title", "") or "Result")
    return Table(
        key=key or slug(name),
        title=title or name,
        data=frame.reset_index(drop=True),
        columns=columns_for(frame, digits=digits, level=level, labels=labels, units=units, exp=exp),
        direction=direction,
        notes=tuple(notes),
    )
