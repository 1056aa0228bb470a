"""Derive time to pain-free from a cohort's visits (or its ``events`` table).

Rules (documented here because every number downstream depends on them):

* **Event**: the first post-baseline visit (week > 0) at which the outcome is
  ≤ ``threshold`` and stays ≤ ``threshold`` at the next ``sustained − 1``
  assessed visits. ``time_weeks`` is that visit's week; the event happened in
  (``interval_low_weeks``, ``interval_high_weeks``] = (previous assessed
  visit, that visit] (the previous visit is the baseline, 0, for an event seen
  at the first follow-up).
* **Censoring**: otherwise the participant is censored at the last assessed
  visit (``interval_low_weeks`` = that week, ``interval_high_weeks`` = inf).
  A pain-free run too short to confirm ``sustained`` at the end of follow-up
  is censored. Visits after ``withdrawal_week`` are not used; a participant
  who withdrew is censored at the last assessed visit at or before withdrawal.
* Visits with a missing outcome are not assessments (they are skipped, not
  imputed); the participant stays in the analysis.
* **Pain-free at baseline** (week-0 outcome ≤ ``threshold``): not at risk of
  *becoming* pain-free; such participants are left out of the returned frame,
  with a warning naming them and their ids in ``frame.attrs["excluded"]``.
  Participants without any assessed post-baseline visit are left out the same
  way (no follow-up time). Nobody else is ever dropped.
* **Events table**: when the cohort has an ``events`` table with rows for
  ``endpoint``, those rows are used as recorded (``interval_high_weeks`` =
  ``time_weeks`` for an event, inf when censored; a missing
  ``interval_low_weeks`` is taken as the event time, i.e. exact); participants
  without a row there are derived from visits as above.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["time_to_pain_free"]

COLUMNS = [
    "participant_id",
    "arm",
    "intervention",
    "time_weeks",
    "observed",
    "interval_low_weeks",
    "interval_high_weeks",
]


def _from_visits(cohort: Any, threshold: float, sustained: int, outcome: str) -> tuple:
    v = cohort.visits
    if outcome not in v.columns:
        raise AnalysisError(f"the visits table has no outcome column {outcome!r}")
    p = cohort.participants
    v = v[["participant_id", "week", outcome]].merge(
        p[["participant_id"] + (["withdrawal_week"] if "withdrawal_week" in p.columns else [])],
        on="participant_id",
        how="left",
    )
    v = v[v[outcome].notna() & v["week"].notna()]
    if "withdrawal_week" in v.columns:
        v = v[v["withdrawal_week"].isna() | (v["week"] <= v["withdrawal_week"])]
    v = v.sort_values(["participant_id", "week"], kind="stable")
    base = v[v["week"] == 0].groupby("participant_id")[outcome].first()
    free_at_base = set(base.index[base <= threshold])
    fu = v[v["week"] > 0].copy()
    ok = fu[outcome] <= threshold
    run = ok.copy()
    grp = fu.groupby("participant_id", sort=False)
    for k in range(1, sustained):
        nxt = grp[outcome].shift(-k)
        run &= nxt.le(threshold).fillna(False).astype(bool)
    fu["event_here"] = run.to_numpy()
    prev = grp["week"].shift(1).fillna(0.0)
    fu["prev_week"] = prev.to_numpy()
    first_ev = fu[fu["event_here"]].groupby("participant_id", sort=False).first()
    last = fu.groupby("participant_id", sort=False)["week"].max()
    rows = pd.DataFrame({"participant_id": last.index, "last_week": last.to_numpy()})
    rows = rows.merge(
        first_ev[["week", "prev_week"]].rename(columns={"week": "ev_week"}),
        left_on="participant_id",
        right_index=True,
        how="left",
    )
    observed = rows["ev_week"].notna().to_numpy()
    out = pd.DataFrame(
        {
            "participant_id": rows["participant_id"].to_numpy(),
            "time_weeks": np.where(observed, rows["ev_week"], rows["last_week"]).astype(float),
            "observed": observed,
            "interval_low_weeks": np.where(observed, rows["prev_week"], rows["last_week"]).astype(
                float
            ),
            "interval_high_weeks": np.where(observed, rows["ev_week"], np.inf).astype(float),
        }
    )
    return out, free_at_base


def time_to_pain_free(
    cohort: Any,
    threshold: float = 1.0,
    sustained: int = 1,
    outcome: str = "pain",
    endpoint: str = "pain_free",
) -> pd.DataFrame:
    """Per participant: weeks until pain ≤ ``threshold`` (sustained), or censoring.

    Parameters
    ----------
    cohort : kneestudy.Cohort
    threshold : float
        Pain-free means outcome ≤ threshold (pain on a 0–10 scale: 1.0).
    sustained : int
        Number of consecutive assessed visits that must be ≤ threshold.
    outcome : str
        Visits column to use.
    endpoint : str
        Endpoint name looked up in the ``events`` table.

    Returns
    -------
    DataFrame
        participant_id, arm, intervention, time_weeks, observed,
        interval_low_weeks, interval_high_weeks (rules in the module notes);
        ``attrs["excluded"]`` maps left-out ids to the reason.

    Examples
    --------
    >>> tte = time_to_pain_free(cohort, threshold=1.0, sustained=2)  # doctest: +SKIP
    >>> kaplan_meier(tte.time_weeks, tte.observed, tte.arm)  # doctest: +SKIP
    """
    if int(sustained) != sustained or sustained < 1:
        raise AnalysisError(f"sustained must be a whole number >= 1, got {sustained}")
    sustained = int(sustained)
    p = cohort.participants
    derived, free_at_base = _from_visits(cohort, float(threshold), sustained, outcome)
    recorded = None
    ev = getattr(cohort, "events", None)
    if ev is not None and len(ev) and "endpoint" in ev.columns:
        e = ev[ev["endpoint"] == endpoint]
        if len(e):
            dup = e["participant_id"].duplicated()
            if dup.any():
                raise AnalysisError(
                    f"events table has more than one {endpoint!r} row for participants "
                    f"{sorted(e.loc[dup, 'participant_id'].astype(str).unique())[:10]}"
                )
            obs = e["observed"].astype(bool).to_numpy()
            t = e["time_weeks"].astype(float).to_numpy()
            low = (
                e["interval_low_weeks"].astype(float).to_numpy()
                if "interval_low_weeks" in e.columns
                else np.full(t.size, np.nan)
            )
            recorded = pd.DataFrame(
                {
                    "participant_id": e["participant_id"].to_numpy(),
                    "time_weeks": t,
                    "observed": obs,
                    "interval_low_weeks": np.where(obs, np.where(np.isnan(low), t, low), t),
                    "interval_high_weeks": np.where(obs, t, np.inf),
                }
            )
    excluded: dict[Any, str] = {}
    if recorded is not None:
        derived = derived[~derived["participant_id"].isin(recorded["participant_id"])]
        for pid in free_at_base - set(recorded["participant_id"]):
            excluded[pid] = "pain-free at baseline"
    else:
        for pid in free_at_base:
            excluded[pid] = "pain-free at baseline"
    derived = derived[~derived["participant_id"].isin(list(excluded))]
    out = pd.concat([x for x in (recorded, derived) if x is not None], ignore_index=True)
    seen = set(out["participant_id"])
    for pid in p["participant_id"]:
        if pid not in excluded and pid not in seen:
            excluded[pid] = "no assessed visit after baseline"
    if excluded:
        warnings.warn(
            f"{len(excluded)} participant(s) left out of time to pain-free: "
            + "; ".join(
                f"{reason}: {sorted(str(k) for k, r in excluded.items() if r == reason)[:10]}"
                for reason in sorted(set(excluded.values()))
            ),
            UserWarning,
            stacklevel=2,
        )
    out = out.merge(p[["participant_id", "arm", "intervention"]], on="participant_id", how="left")
    order = {pid: i for i, pid in enumerate(p["participant_id"])}
    out = out.sort_values("participant_id", key=lambda s: s.map(order), kind="stable")
    out = out[COLUMNS].reset_index(drop=True)
    bad = ~(out["time_weeks"] > 0)
    if bad.any():
        raise AnalysisError(
            f"time to {endpoint} must be > 0 weeks; participants "
            f"{out.loc[bad, 'participant_id'].astype(str).tolist()[:10]} have "
            f"{out.loc[bad, 'time_weeks'].tolist()[:10]}"
        )
    out.attrs["excluded"] = excluded
    return out
