"""Sensitivity analyses of the comparison: how each idea's estimate and rank move.

Each analysis re-fits the comparison on the same rows with one decision
changed (Cochrane Handbook v6.4 §10.14; the rows set aside say why). ``changed``
counts the rows set aside, the codes re-defined, or (for the other model) the
rows re-fitted:

- **without high risk of bias**: studies rated at high risk of bias set aside;
- **without indirect populations**: studies of another population (e.g. knee
  osteoarthritis) set aside;
- **without meta-analysis rows**: published rows that pool several trials set
  aside (a pooled estimate is not one study: its trials may also be in the
  network, and its weight is that of many trials);
- **standard model** (or additive, when the primary model is standard): each
  combination of active components its own node, no additivity assumed;
- **attention controls as components**: placebo, sham and flat inserts get an
  effect of their own wherever the network identifies it;
- **aliases apart**: taping (and declared codes of an idea) as components of
  their own instead of their idea's.

An analysis that changes nothing (no row to set aside, no code affected) is
reported with the primary numbers and says so. Components that only an
analysis introduces (taping, sham, placebo, flat inserts) get rows of their
own.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.compare.engine import PFP, Fitted, Settings, run
from kneestudy.interventions import ATTENTION_CONTROLS, IDEA_ALIASES, IDEAS, label_of, split_codes

__all__ = ["SENSITIVITY_COLUMNS", "sensitivity"]

SENSITIVITY_COLUMNS = [
    "analysis", "description", "changed", "idea", "label", "status", "estimate", "ci_low",
    "ci_high", "rank", "certainty", "estimate_change", "rank_change", "basis", "note",
]  # fmt: skip


def _aside(rows: pd.DataFrame, mask: pd.Series, reason: str) -> tuple[pd.DataFrame, int]:
    rows = rows.copy()
    hit = mask & (rows["status"] == "used")
    rows.loc[hit, "status"] = "set aside"
    rows.loc[hit, "reason"] = f"sensitivity analysis: {reason}"
    return rows, int(hit.sum())


def _study_high(rows: pd.DataFrame) -> pd.Series:
    high = set(rows.loc[rows["risk_of_bias"].astype(str) == "high", "study_id"])
    return rows["study_id"].isin(high)


def _codes(rows: pd.DataFrame) -> set[str]:
    used = rows[rows["status"] == "used"]
    return {
        p for c in set(used["treatment"]) | set(used["comparator"]) if c for p in split_codes(c)
    }


def _variants(
    rows: pd.DataFrame, st: Settings
) -> list[tuple[str, str, pd.DataFrame, Settings, int]]:
    out = []
    r, n = _aside(rows, _study_high(rows), "study at high risk of bias")
    out.append(("without high risk of bias", "studies at high risk of bias set aside", r, st, n))
    pop = rows["population"].fillna("").astype(str).str.strip().str.lower()
    r, n = _aside(rows, (pop != "") & (pop != PFP), "another population than patellofemoral pain")
    out.append(("without indirect populations", "studies of other populations set aside", r, st, n))
    r, n = _aside(rows, rows["meta_analysis"].astype(bool), "the row pools several trials")
    out.append(("without meta-analysis rows", "published rows pooling several trials set aside",
                r, st, n))  # fmt: skip
    other = "standard" if st.model == "additive" else "additive"
    n_used = int((rows["status"] == "used").sum())
    out.append((f"{other} model", "each combination its own node (no additivity)"
                if other == "standard" else "additive component model", rows,
                replace(st, model=other), n_used))  # fmt: skip
    codes = _codes(rows)
    att = tuple(c for c in st.inactive if c in ATTENTION_CONTROLS)
    n = len(codes & set(att))
    out.append(("attention controls as components",
                f"{', '.join(label_of(c).lower() for c in att) or 'no attention control'} with an "
                "effect of their own", rows,
                replace(st, inactive=tuple(c for c in st.inactive if c not in ATTENTION_CONTROLS)), n))  # fmt: skip
    stand_ins = {a for a in IDEA_ALIASES} | set(st.code_ideas)
    n = len(codes & stand_ins)
    out.append(("aliases apart", "taping and declared codes of an idea as components of their own",
                rows, replace(st, separate_aliases=True), n))  # fmt: skip
    return out


def _extra_rows(fitted: Fitted, primary: pd.DataFrame, name: str, desc: str, n: int) -> list[dict]:
    fit = fitted.fit
    if fit is None:
        return []
    out = []
    for r in fit.components.itertuples(index=False):
        comp = r.component
        if comp in IDEAS or "+" in comp or comp not in set(ATTENTION_CONTROLS) | set(IDEA_ALIASES):
            continue
        out.append({
            "analysis": name, "description": desc, "changed": n, "idea": comp,
            "label": label_of(comp), "status": "estimated" if r.estimable else "not estimable",
            "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "rank": pd.NA,
            "certainty": "", "estimate_change": np.nan, "rank_change": pd.NA,
            "basis": "component effect (not one of the eight ideas)", "note": "",
        })  # fmt: skip
    return out


def sensitivity(rows: pd.DataFrame, st: Settings, primary: pd.DataFrame) -> pd.DataFrame:
    """Every sensitivity analysis (module docstring) against the primary ``table``."""
    base = primary.set_index("idea")
    out: list[dict[str, Any]] = []
    for name, desc, r, s, n in _variants(rows, st):
        if n == 0:
            table, note, extra = primary, "nothing to change: same as the primary analysis", []
        else:
            fitted = run(r, s)
            table, note = fitted.table, "; ".join(dict.fromkeys(fitted.notes))
            extra = _extra_rows(fitted, primary, name, desc, n)
        for t in table.to_dict("records"):
            p = base.loc[t["idea"]]
            est, pest = t.get("estimate"), p.get("estimate")
            change = (
                est - pest
                if all(isinstance(x, float) and math.isfinite(x) for x in (est, pest))
                else np.nan
            )
            rk, prk = t.get("rank"), p.get("rank")
            rchange = int(rk) - int(prk) if pd.notna(rk) and pd.notna(prk) else pd.NA
            out.append({
                "analysis": name, "description": desc, "changed": n, "idea": t["idea"],
                "label": t["label"], "status": t["status"], "estimate": est,
                "ci_low": t.get("ci_low"), "ci_high": t.get("ci_high"), "rank": rk,
                "certainty": t.get("certainty"), "estimate_change": change, "rank_change": rchange,
                "basis": t.get("basis"), "note": note,
            })  # fmt: skip
        out.extend(extra)
    frame = pd.DataFrame(out, columns=SENSITIVITY_COLUMNS)
    frame["rank"] = frame["rank"].astype("Int64")
    frame["rank_change"] = frame["rank_change"].astype("Int64")
    return frame
